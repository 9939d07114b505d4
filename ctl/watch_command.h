// etcfsctl watch: prints each event on a key or range as it happens, as
// etcdctl does (the event type, then the key and value), until interrupted.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/connection.h"

namespace etcfs::ctl {

void AddWatch(CLI::App* app, const GlobalOptions* global);

}  // namespace etcfs::ctl
