// etcfsctl get, put, del and txn: etcd's KV service, with etcdctl's flags.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddKvCommands(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
