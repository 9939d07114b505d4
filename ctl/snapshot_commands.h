// etcfsctl snapshot save | status | restore: a member's store to a file and
// back into a new cluster's data directories (etcdctl's snapshot commands).
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddSnapshotCommands(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
