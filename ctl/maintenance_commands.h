// etcfsctl alarm list | disarm, defrag, move-leader:
// etcd's Maintenance service, printed as etcdctl prints it.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddMaintenanceCommands(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
