// etcfsctl member add | remove | update | promote | list and endpoint
// status | health | hashkv (--cluster: every member's client URLs), printed
// as etcdctl prints them, tables included.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddClusterCommands(CLI::App* app, const GlobalOptions* global);

// Go's humanize.Bytes, as etcdctl shows sizes: "20 kB", "1.5 MB".
std::string HumanBytes(uint64_t n);
// The client endpoints of every member, from a member list (for --cluster).
std::vector<std::string> ClusterEndpoints(const GlobalOptions& global);

}  // namespace etcfs::ctl
