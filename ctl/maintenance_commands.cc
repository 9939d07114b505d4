#include "ctl/maintenance_commands.h"

#include <cstdio>

#include "ctl/cluster_commands.h"
#include "ctl/json_output.h"
#include "ctl/output.h"

namespace etcfs::ctl {

namespace {

void PrintAlarms(Format format, const etcdserverpb::AlarmResponse& resp) {
  if (format == Format::kJson) return PrintJson(resp);
  for (const auto& a : resp.alarms()) {
    std::printf("memberID:%llu alarm:%s \n", static_cast<unsigned long long>(a.memberid()),
                etcdserverpb::AlarmType_Name(a.alarm()).c_str());
  }
}

void AddAlarm(CLI::App* app, const GlobalOptions* g) {
  CLI::App* alarm = app->add_subcommand("alarm", "Alarm commands: list, disarm");
  alarm->require_subcommand(1);
  for (const bool disarm : {false, true}) {
    CLI::App* cmd = alarm->add_subcommand(disarm ? "disarm" : "list",
                                          disarm ? "Disarms every alarm (after the cause is fixed)" : "Lists the alarms raised");
    cmd->callback([g, disarm] {
      const Format format = ParseFormat(g->write_out);
      if (format == Format::kTable) NoTable(disarm ? "alarm disarm" : "alarm list");
      Connection c(*g);
      etcdserverpb::AlarmResponse alarms;
      etcdserverpb::AlarmRequest list;
      list.set_action(etcdserverpb::AlarmRequest::GET);
      c.Unary([&](grpc::ClientContext* ctx) { return c.maintenance().Alarm(ctx, list, &alarms); });
      if (!disarm) return PrintAlarms(format, alarms);
      etcdserverpb::AlarmResponse disarmed;
      for (const auto& a : alarms.alarms()) {
        etcdserverpb::AlarmRequest req;
        req.set_action(etcdserverpb::AlarmRequest::DEACTIVATE);
        req.set_memberid(a.memberid());
        req.set_alarm(a.alarm());
        etcdserverpb::AlarmResponse resp;
        c.Unary([&](grpc::ClientContext* ctx) { return c.maintenance().Alarm(ctx, req, &resp); });
        for (const auto& d : resp.alarms()) *disarmed.add_alarms() = d;
        *disarmed.mutable_header() = resp.header();
      }
      PrintAlarms(format, disarmed);
    });
  }
}

void AddDefrag(CLI::App* app, const GlobalOptions* g) {
  auto cluster = std::make_shared<bool>(false);
  CLI::App* cmd = app->add_subcommand("defrag", "Compacts each endpoint's storage, returning freed space");
  cmd->add_flag("--cluster", *cluster, "Every member's client URLs instead of --endpoints");
  cmd->callback([g, cluster] {
    bool failed = false;
    for (const std::string& ep : *cluster ? ClusterEndpoints(*g) : g->endpoints) {
      Connection c(g->Only(ep));
      etcdserverpb::DefragmentResponse resp;
      grpc::ClientContext ctx;  // a defragmentation takes as long as it takes
      if (grpc::Status s = c.maintenance().Defragment(&ctx, {}, &resp); !s.ok()) {
        std::fprintf(stderr, "Failed to defragment etcd member[%s] (%s)\n", ep.c_str(), s.error_message().c_str());
        failed = true;
        continue;
      }
      std::printf("Finished defragmenting etcd member[%s]\n", ep.c_str());
    }
    if (failed) std::exit(kExitError);
  });
}

void AddMoveLeader(CLI::App* app, const GlobalOptions* g) {
  auto target = std::make_shared<std::string>();
  CLI::App* cmd = app->add_subcommand("move-leader", "Hands leadership to another voting member");
  cmd->add_option("transferee", *target, "The member to lead (hexadecimal, as `member list` prints it)")->required();
  cmd->callback([g, target] {
    const uint64_t transferee = ParseHexId(*target, "member");
    // Only the leader can hand over: find it among the endpoints.
    for (const std::string& ep : g->endpoints) {
      Connection c(g->Only(ep));
      etcdserverpb::StatusResponse st;
      auto ctx = c.Context();
      if (!c.maintenance().Status(ctx.get(), {}, &st).ok() || st.leader() != st.header().member_id()) continue;
      etcdserverpb::MoveLeaderRequest req;
      req.set_targetid(transferee);
      etcdserverpb::MoveLeaderResponse resp;
      c.Unary([&](grpc::ClientContext* call) { return c.maintenance().MoveLeader(call, req, &resp); });
      std::printf("Leader moved from %s to %s\n", HexId(st.leader()).c_str(), HexId(transferee).c_str());
      return;
    }
    Fail(kExitError, "no leader endpoint given; give the leader's client URL in --endpoints (endpoint status shows it)");
  });
}

}  // namespace

void AddMaintenanceCommands(CLI::App* app, const GlobalOptions* global) {
  AddAlarm(app, global);
  AddDefrag(app, global);
  AddMoveLeader(app, global);
}

}  // namespace etcfs::ctl
