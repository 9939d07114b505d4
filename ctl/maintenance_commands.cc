#include "ctl/maintenance_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "base/coding.h"
#include "ctl/cluster_commands.h"
#include "ctl/json_output.h"
#include "ctl/output.h"
#include "server/snapshot_file.h"
#include "store/image.h"

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

void AddSnapshot(CLI::App* app, const GlobalOptions* g) {
  CLI::App* snapshot = app->add_subcommand("snapshot", "Snapshot commands: save, status");
  snapshot->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* save = snapshot->add_subcommand("save", "Saves the store of the first endpoint to a file");
  save->add_option("filename", *file, "Where to write the snapshot")->required();
  save->callback([g, file] {
    if (g->endpoints.size() != 1) Fail(kExitBadArgs, "snapshot save takes exactly one endpoint");
    Connection c(*g);
    const std::string part = *file + ".part";
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) Fail(kExitError, "cannot write " + part + ": " + std::strerror(errno));
    grpc::ClientContext ctx;  // as long as the store takes to stream
    auto stream = c.maintenance().Snapshot(&ctx, {});
    etcdserverpb::SnapshotResponse chunk;
    uint64_t bytes = 0;
    while (stream->Read(&chunk)) {
      out.write(chunk.blob().data(), static_cast<std::streamsize>(chunk.blob().size()));
      bytes += chunk.blob().size();
    }
    if (grpc::Status s = stream->Finish(); !s.ok()) {
      std::remove(part.c_str());
      FailCall(s, g->endpoints.front());
    }
    out.close();
    // Durable before it is named: the file is what a restore starts from.
    const int fd = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!out || !synced || std::rename(part.c_str(), file->c_str()) != 0) {
      Fail(kExitError, "writing " + *file + " failed: " + std::strerror(errno));
    }
    std::printf("Snapshot saved at %s\n", file->c_str());
  });
  auto status_file = std::make_shared<std::string>();
  CLI::App* status = snapshot->add_subcommand("status", "Shows a snapshot file's hash, revision, keys and size");
  status->add_option("filename", *status_file, "The snapshot file")->required();
  status->callback([g, status_file] {
    const Format format = ParseFormat(g->write_out);
    std::ifstream in(*status_file, std::ios::binary);
    if (!in) Fail(kExitError, "cannot read " + *status_file + ": " + std::strerror(errno));
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    auto image = server::ImageOfSnapshotFile(bytes);
    if (!image.ok()) {
      Fail(kExitInvalidInput, *status_file + " is not an etcfs snapshot (" + image.status().message() +
                                  "); an etcd snapshot is read with etcdctl snapshot status");
    }
    store::StoreMeta meta;
    if (Status s = store::VerifyImage(*image, &meta); !s.ok()) Fail(kExitInvalidInput, s.message());
    // The image's own checksum (its last 8 bytes) stands for etcd's hash.
    const uint64_t hash = DecodeFixed64BE(image->data() + image->size() - 8);
    const std::string size = HumanBytes(bytes.size());
    if (format == Format::kJson) {
      std::printf("{\"hash\":%llu,\"revision\":%lld,\"totalKey\":%lld,\"totalSize\":%zu}\n",
                  static_cast<unsigned long long>(hash), static_cast<long long>(meta.revision),
                  static_cast<long long>(meta.key_count), bytes.size());
    } else if (format == Format::kTable) {
      Table t({"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"});
      t.Row({HexId(hash), std::to_string(meta.revision), std::to_string(meta.key_count), size});
      std::fputs(t.Render().c_str(), stdout);
    } else {
      std::printf("%s, %lld, %lld, %s\n", HexId(hash).c_str(), static_cast<long long>(meta.revision),
                  static_cast<long long>(meta.key_count), size.c_str());
    }
  });
}

}  // namespace

void AddMaintenanceCommands(CLI::App* app, const GlobalOptions* global) {
  AddAlarm(app, global);
  AddDefrag(app, global);
  AddMoveLeader(app, global);
  AddSnapshot(app, global);
}

}  // namespace etcfs::ctl
