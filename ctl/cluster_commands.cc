#include "ctl/cluster_commands.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "ctl/json_output.h"
#include "ctl/output.h"

namespace etcfs::ctl {

namespace {

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items, const char* sep) {
  std::string out;
  for (int i = 0; i < items.size(); ++i) out += (i ? sep : "") + items.Get(i);
  return out;
}

// The endpoints a command acts on: --endpoints, or with --cluster every member's.
std::vector<std::string> Targets(const GlobalOptions& g, bool cluster) {
  return cluster ? ClusterEndpoints(g) : g.endpoints;
}

void PrintMembers(Format format, const etcdserverpb::MemberListResponse& resp) {
  if (format == Format::kJson) return PrintJson(resp);
  if (format == Format::kTable) {
    Table t({"ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"});
    for (const auto& m : resp.members()) {
      t.Row({HexId(m.id()), m.name().empty() ? "unstarted" : "started", m.name(), Join(m.peerurls(), ","),
             Join(m.clienturls(), ","), m.islearner() ? "true" : "false"});
    }
    std::fputs(t.Render().c_str(), stdout);
    return;
  }
  for (const auto& m : resp.members()) {
    std::printf("%s, %s, %s, %s, %s, %s\n", HexId(m.id()).c_str(), m.name().empty() ? "unstarted" : "started",
                m.name().c_str(), Join(m.peerurls(), ",").c_str(), Join(m.clienturls(), ",").c_str(),
                m.islearner() ? "true" : "false");
  }
}

void AddMember(CLI::App* member, const GlobalOptions* g) {
  struct Flags {
    std::string name;
    std::vector<std::string> peer_urls;
    bool learner = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = member->add_subcommand("add", "Adds a member to the cluster");
  cmd->add_option("name", f->name, "The new member's name")->required();
  cmd->add_option("--peer-urls", f->peer_urls, "The new member's peer URLs, comma-separated")->delimiter(',')->required();
  cmd->add_flag("--learner", f->learner, "Add it as a learner (not voting until promoted)");
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("member add");
    etcdserverpb::MemberAddRequest req;
    for (const auto& u : f->peer_urls) req.add_peerurls(u);
    req.set_islearner(f->learner);
    Connection c(*g);
    etcdserverpb::MemberAddResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberAdd(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("Member %16s added to cluster %16s\n\n", HexId(resp.member().id()).c_str(),
                HexId(resp.header().cluster_id()).c_str());
    // What the new member is started with, as etcdctl prints it.
    std::string initial;
    for (const auto& m : resp.members()) {
      const std::string name = m.id() == resp.member().id() ? f->name : m.name();
      for (const auto& u : m.peerurls()) initial += (initial.empty() ? "" : ",") + name + "=" + u;
    }
    std::printf("ETCD_NAME=\"%s\"\nETCD_INITIAL_CLUSTER=\"%s\"\nETCD_INITIAL_ADVERTISE_PEER_URLS=\"%s\"\n"
                "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n",
                f->name.c_str(), initial.c_str(), Join(resp.member().peerurls(), ",").c_str());
  });
}

// member remove | promote: a member ID argument, one call, one line.
void AddMemberIdCommand(CLI::App* member, const GlobalOptions* g, const char* name, const char* help,
                        const char* verb) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd = member->add_subcommand(name, help);
  cmd->add_option("memberID", *id, "The member (hexadecimal, as `member list` prints it)")->required();
  const std::string command = name;
  cmd->callback([id, g, command, verb] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("member " + command);
    const uint64_t member_id = ParseHexId(*id, "member");
    Connection c(*g);
    uint64_t cluster_id = 0;
    if (command == "remove") {
      etcdserverpb::MemberRemoveRequest req;
      req.set_id(member_id);
      etcdserverpb::MemberRemoveResponse resp;
      c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberRemove(ctx, req, &resp); });
      if (format == Format::kJson) return PrintJson(resp);
      cluster_id = resp.header().cluster_id();
    } else {
      etcdserverpb::MemberPromoteRequest req;
      req.set_id(member_id);
      etcdserverpb::MemberPromoteResponse resp;
      c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberPromote(ctx, req, &resp); });
      if (format == Format::kJson) return PrintJson(resp);
      cluster_id = resp.header().cluster_id();
    }
    std::printf("Member %16s %s cluster %16s\n", HexId(member_id).c_str(), verb, HexId(cluster_id).c_str());
  });
}

void AddMemberUpdate(CLI::App* member, const GlobalOptions* g) {
  auto id = std::make_shared<std::string>();
  auto urls = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = member->add_subcommand("update", "Updates a member's peer URLs");
  cmd->add_option("memberID", *id, "The member (hexadecimal)")->required();
  cmd->add_option("--peer-urls", *urls, "The member's new peer URLs, comma-separated")->delimiter(',')->required();
  cmd->callback([id, urls, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("member update");
    etcdserverpb::MemberUpdateRequest req;
    req.set_id(ParseHexId(*id, "member"));
    for (const auto& u : *urls) req.add_peerurls(u);
    Connection c(*g);
    etcdserverpb::MemberUpdateResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberUpdate(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("Member %16s updated in cluster %16s\n", HexId(req.id()).c_str(), HexId(resp.header().cluster_id()).c_str());
  });
}

void AddMemberList(CLI::App* member, const GlobalOptions* g) {
  CLI::App* cmd = member->add_subcommand("list", "Lists the members of the cluster");
  cmd->callback([g] {
    const Format format = ParseFormat(g->write_out);
    Connection c(*g);
    etcdserverpb::MemberListResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberList(ctx, {}, &resp); });
    PrintMembers(format, resp);
  });
}

void AddEndpointStatus(CLI::App* endpoint, const GlobalOptions* g, const bool* cluster) {
  CLI::App* cmd = endpoint->add_subcommand("status", "Shows the status of each endpoint");
  cmd->callback([g, cluster] {
    const Format format = ParseFormat(g->write_out);
    Table t({"ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX",
             "RAFT APPLIED INDEX", "ERRORS"});
    std::string json;
    bool failed = false;
    for (const std::string& ep : Targets(*g, *cluster)) {
      Connection c(g->Only(ep));
      etcdserverpb::StatusResponse st;
      auto ctx = c.Context();
      if (grpc::Status s = c.maintenance().Status(ctx.get(), {}, &st); !s.ok()) {
        std::fprintf(stderr, "Failed to get the status of endpoint %s (%s)\n", ep.c_str(), s.error_message().c_str());
        failed = true;
        continue;
      }
      const std::vector<std::string> row = {
          ep, HexId(st.header().member_id()), st.version(), HumanBytes(static_cast<uint64_t>(st.dbsize())),
          st.leader() == st.header().member_id() ? "true" : "false", st.islearner() ? "true" : "false",
          std::to_string(st.raftterm()), std::to_string(st.raftindex()), std::to_string(st.raftappliedindex()),
          Join(st.errors(), ", ")};
      if (format == Format::kJson) {
        json += (json.empty() ? "" : ",") + ("{\"Endpoint\":" + JsonString(ep) + ",\"Status\":" + ToJson(st) + "}");
      } else if (format == Format::kTable) {
        t.Row(row);
      } else {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) line += (i ? ", " : "") + row[i];
        std::printf("%s\n", line.c_str());
      }
    }
    if (format == Format::kJson) std::printf("[%s]\n", json.c_str());
    if (format == Format::kTable) std::fputs(t.Render().c_str(), stdout);
    if (failed) std::exit(kExitError);
  });
}

void AddEndpointHealth(CLI::App* endpoint, const GlobalOptions* g, const bool* cluster) {
  CLI::App* cmd = endpoint->add_subcommand("health", "Checks that each endpoint can commit a proposal");
  cmd->callback([g, cluster] {
    const Format format = ParseFormat(g->write_out);
    Table t({"ENDPOINT", "HEALTH", "TOOK", "ERROR"});
    std::string json;
    bool unhealthy = false;
    for (const std::string& ep : Targets(*g, *cluster)) {
      // As etcdctl: a linearizable get of a key no one uses commits a read
      // through the leader; "not found" is healthy.
      const auto t0 = std::chrono::steady_clock::now();
      Connection c(g->Only(ep));
      etcdserverpb::RangeRequest req;
      req.set_key("health");
      etcdserverpb::RangeResponse resp;
      auto ctx = c.Context();
      const grpc::Status s = c.kv().Range(ctx.get(), req, &resp);
      char took[32];
      std::snprintf(took, sizeof(took), "%.6fms",
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      const std::string error = s.ok() ? "" : "failed to commit proposal: " + s.error_message();
      unhealthy |= !s.ok();
      if (format == Format::kJson) {
        json += (json.empty() ? "" : ",") + ("{\"endpoint\":" + JsonString(ep) + ",\"health\":" +
                                             (s.ok() ? "true" : "false") + ",\"took\":" + JsonString(took) +
                                             (s.ok() ? "" : ",\"error\":" + JsonString(error)) + "}");
      } else if (format == Format::kTable) {
        t.Row({ep, s.ok() ? "true" : "false", took, error});
      } else if (s.ok()) {
        std::printf("%s is healthy: successfully committed proposal: took = %s\n", ep.c_str(), took);
      } else {
        std::fprintf(stderr, "%s is unhealthy: %s\n", ep.c_str(), error.c_str());
      }
    }
    if (format == Format::kJson) std::printf("[%s]\n", json.c_str());
    if (format == Format::kTable) std::fputs(t.Render().c_str(), stdout);
    if (unhealthy) Fail(kExitError, "unhealthy cluster");
  });
}

void AddEndpointHashKv(CLI::App* endpoint, const GlobalOptions* g, const bool* cluster) {
  auto rev = std::make_shared<int64_t>(0);
  CLI::App* cmd = endpoint->add_subcommand("hashkv", "Shows each endpoint's hash of its key-value store");
  cmd->add_option("--rev", *rev, "The hash of the store as of this revision (0: the latest)");
  cmd->callback([g, cluster, rev] {
    const Format format = ParseFormat(g->write_out);
    Table t({"ENDPOINT", "HASH"});
    std::string json;
    for (const std::string& ep : Targets(*g, *cluster)) {
      Connection c(g->Only(ep));
      etcdserverpb::HashKVRequest req;
      req.set_revision(*rev);
      etcdserverpb::HashKVResponse resp;
      c.Unary([&](grpc::ClientContext* ctx) { return c.maintenance().HashKV(ctx, req, &resp); });
      if (format == Format::kJson) {
        json += (json.empty() ? "" : ",") + ("{\"Endpoint\":" + JsonString(ep) + ",\"HashKV\":" + ToJson(resp) + "}");
      } else if (format == Format::kTable) {
        t.Row({ep, std::to_string(resp.hash())});
      } else {
        std::printf("%s, %u\n", ep.c_str(), resp.hash());
      }
    }
    if (format == Format::kJson) std::printf("[%s]\n", json.c_str());
    if (format == Format::kTable) std::fputs(t.Render().c_str(), stdout);
  });
}

}  // namespace

std::string HumanBytes(uint64_t n) {
  static const char* const kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  char buf[32];
  if (n < 10) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(n));
    return buf;
  }
  const int e = static_cast<int>(std::floor(std::log(static_cast<double>(n)) / std::log(1000.0)));
  const double val = std::floor(static_cast<double>(n) / std::pow(1000.0, e) * 10 + 0.5) / 10;
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val, kSizes[e]);
  return buf;
}

std::vector<std::string> ClusterEndpoints(const GlobalOptions& global) {
  Connection c(global);
  etcdserverpb::MemberListResponse resp;
  c.Unary([&](grpc::ClientContext* ctx) { return c.cluster().MemberList(ctx, {}, &resp); });
  std::vector<std::string> out;
  for (const auto& m : resp.members()) {
    for (const std::string& u : m.clienturls()) out.push_back(u);
  }
  return out;
}

void AddClusterCommands(CLI::App* app, const GlobalOptions* global) {
  CLI::App* member = app->add_subcommand("member", "Membership commands: add, remove, update, promote, list");
  member->require_subcommand(1);
  AddMember(member, global);
  AddMemberIdCommand(member, global, "remove", "Removes a member from the cluster", "removed from");
  AddMemberUpdate(member, global);
  AddMemberIdCommand(member, global, "promote", "Promotes a learner to a voting member", "promoted in");
  AddMemberList(member, global);

  CLI::App* endpoint = app->add_subcommand("endpoint", "Endpoint commands: status, health, hashkv");
  endpoint->require_subcommand(1);
  static bool cluster = false;  // lives as long as the app
  endpoint->add_flag("--cluster", cluster, "Every member's client URLs instead of --endpoints");
  AddEndpointStatus(endpoint, global, &cluster);
  AddEndpointHealth(endpoint, global, &cluster);
  AddEndpointHashKv(endpoint, global, &cluster);
}

}  // namespace etcfs::ctl
