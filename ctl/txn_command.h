// etcfsctl txn: a transaction read from standard input, in etcdctl's format:
// compares, a blank line, the requests on success, a blank line, the
// requests on failure, a blank line. A compare is TARGET("KEY") OP "VALUE"
// (TARGET: value, version, create, mod, lease; OP: =, !=, <, >); a request
// is a get, put or del line with those commands' flags.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ctl/connection.h"
#include "etcd/etcdserverpb/rpc.pb.h"

namespace etcfs::ctl {

void AddTxn(CLI::App* app, const GlobalOptions* global);

// A line's words as etcdctl splits them: whitespace apart, "double quotes"
// with backslash escapes, 'single quotes' as they are.
std::vector<std::string> SplitWords(const std::string& line);
// Fails the command (kExitInvalidInput) on a malformed line.
etcdserverpb::Compare ParseCompare(const std::string& line);

}  // namespace etcfs::ctl
