// etcfsctl bench put | range | txn-put | watch: a load generator like etcd's
// benchmark tool, for etcfsd and etcd alike, printing its report or -w json.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddBenchCommands(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
