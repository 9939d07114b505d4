// etcfsctl lease grant | revoke | timetolive | list | keep-alive: etcd's
// Lease service, printed as etcdctl prints it (IDs in 16 hex digits).
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddLeaseCommands(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
