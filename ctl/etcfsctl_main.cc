// etcfsctl: the command-line client of etcd's v3 API, for etcfsd and etcd
// alike, with etcdctl's commands, flags and output formats.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "base/duration.h"
#include "ctl/bench_commands.h"
#include "ctl/connection.h"
#include "ctl/cluster_commands.h"
#include "ctl/kv_commands.h"
#include "ctl/lease_commands.h"
#include "ctl/maintenance_commands.h"
#include "ctl/snapshot_commands.h"
#include "ctl/watch_command.h"

namespace etcfs::ctl {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{"etcfsctl: a client of etcd's v3 API, for etcfs and etcd clusters"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags also after the command, as etcdctl takes them
  GlobalOptions global;
  app.add_option("--endpoints", global.endpoints, "gRPC endpoints, comma-separated (kept as given in output)")
      ->delimiter(',')
      ->capture_default_str();
  std::string dial_timeout = "2s", command_timeout = "5s";
  auto duration = CLI::Validator(
      [](std::string& s) {
        auto d = ParseDuration(s);
        return d.ok() ? std::string() : d.status().message();
      },
      "DURATION");
  app.add_option("--dial-timeout", dial_timeout, "How long to wait for an endpoint to answer")
      ->check(duration)->capture_default_str();
  app.add_option("--command-timeout", command_timeout, "How long a command may take (a watch: unbounded)")
      ->check(duration)->capture_default_str();
  app.add_option("-w,--write-out", global.write_out, "Output format: simple, json or table")->capture_default_str();
  app.parse_complete_callback([&] {
    global.dial_timeout = *ParseDuration(dial_timeout);
    global.command_timeout = *ParseDuration(command_timeout);
  });
  AddKvCommands(&app, &global);
  AddWatch(&app, &global);
  AddLeaseCommands(&app, &global);
  AddClusterCommands(&app, &global);
  AddMaintenanceCommands(&app, &global);
  AddSnapshotCommands(&app, &global);
  AddBenchCommands(&app, &global);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // etcdctl's codes: a missing argument is bad arguments, an unknown flag
    // or command an error.
    std::fprintf(stderr, "Error: %s\nRun '%s --help' for usage.\n", e.what(), argv[0]);
    const bool missing = !app.get_subcommands().empty() && (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr ||
                                                            dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr);
    return missing ? kExitBadArgs : kExitError;
  }
  return 0;
}

}  // namespace
}  // namespace etcfs::ctl

int main(int argc, char** argv) { return etcfs::ctl::Main(argc, argv); }
