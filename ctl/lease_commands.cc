#include "ctl/lease_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "ctl/json_output.h"
#include "ctl/kv_requests.h"
#include "ctl/output.h"

namespace etcfs::ctl {

namespace {

// Lease IDs print in 16 digits, as etcdctl's.
std::string Hex(int64_t id) { return HexId(static_cast<uint64_t>(id), 16); }

// etcdctl prints the lease answers of its Go client, not the wire's: the
// header's fields inline, Go's field names. These build that JSON.
std::string Inline(const etcdserverpb::ResponseHeader& h) {
  const std::string j = ToJson(h);
  return j.size() > 2 ? j.substr(1, j.size() - 2) + "," : "";
}
std::string Keys(const google::protobuf::RepeatedPtrField<std::string>& keys) {
  if (keys.empty()) return "null";
  std::string out = "[";
  for (int i = 0; i < keys.size(); ++i) out += (i ? ",\"" : "\"") + Base64(keys.Get(i)) + "\"";
  return out + "]";
}

// A lease ID argument: hexadecimal, and not 0.
int64_t LeaseArg(const std::string& hex) {
  const int64_t id = ParseLease(hex);
  if (id == 0) Fail(kExitBadArgs, "lease ID 0 names no lease; give the ID `lease grant` printed");
  return id;
}

void AddGrant(CLI::App* lease, const GlobalOptions* g) {
  auto ttl = std::make_shared<int64_t>(0);
  CLI::App* cmd = lease->add_subcommand("grant", "Creates a lease that expires after TTL seconds");
  cmd->add_option("ttl", *ttl, "Seconds until the lease expires unless kept alive")->required();
  cmd->callback([ttl, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("lease grant");
    etcdserverpb::LeaseGrantRequest req;
    req.set_ttl(*ttl);
    Connection c(*g);
    etcdserverpb::LeaseGrantResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.lease().LeaseGrant(ctx, req, &resp); });
    if (!resp.error().empty()) Fail(kExitError, resp.error());
    if (format == Format::kJson) {
      std::printf("{%s\"ID\":%lld,\"TTL\":%lld,\"Error\":%s}\n", Inline(resp.header()).c_str(),
                  static_cast<long long>(resp.id()), static_cast<long long>(resp.ttl()), JsonString(resp.error()).c_str());
      return;
    }
    std::printf("lease %s granted with TTL(%llds)\n", Hex(resp.id()).c_str(), static_cast<long long>(resp.ttl()));
  });
}

void AddRevoke(CLI::App* lease, const GlobalOptions* g) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd = lease->add_subcommand("revoke", "Revokes a lease, deleting the keys attached to it");
  cmd->add_option("leaseID", *id, "The lease (hexadecimal)")->required();
  cmd->callback([id, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("lease revoke");
    etcdserverpb::LeaseRevokeRequest req;
    req.set_id(LeaseArg(*id));
    Connection c(*g);
    etcdserverpb::LeaseRevokeResponse resp;
    auto ctx = c.Context();
    if (grpc::Status st = c.lease().LeaseRevoke(ctx.get(), req, &resp); !st.ok()) {
      Fail(kExitError, "failed to revoke lease (" + st.error_message() + ")");
    }
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("lease %s revoked\n", Hex(req.id()).c_str());
  });
}

void AddTimeToLive(CLI::App* lease, const GlobalOptions* g) {
  auto id = std::make_shared<std::string>();
  auto keys = std::make_shared<bool>(false);
  CLI::App* cmd = lease->add_subcommand("timetolive", "Shows a lease's granted and remaining TTL");
  cmd->add_option("leaseID", *id, "The lease (hexadecimal)")->required();
  cmd->add_flag("--keys", *keys, "Also list the keys attached to the lease");
  cmd->callback([id, keys, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("lease timetolive");
    etcdserverpb::LeaseTimeToLiveRequest req;
    req.set_id(LeaseArg(*id));
    req.set_keys(*keys);
    Connection c(*g);
    etcdserverpb::LeaseTimeToLiveResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.lease().LeaseTimeToLive(ctx, req, &resp); });
    if (format == Format::kJson) {
      std::printf("{%s\"id\":%lld,\"ttl\":%lld,\"granted-ttl\":%lld,\"keys\":%s}\n", Inline(resp.header()).c_str(),
                  static_cast<long long>(resp.id()), static_cast<long long>(resp.ttl()),
                  static_cast<long long>(resp.grantedttl()), Keys(resp.keys()).c_str());
      return;
    }
    if (resp.grantedttl() == 0 && resp.ttl() == -1) {
      std::printf("lease %s already expired\n", Hex(resp.id()).c_str());
      return;
    }
    std::string line = "lease " + Hex(resp.id()) + " granted with TTL(" + std::to_string(resp.grantedttl()) +
                       "s), remaining(" + std::to_string(resp.ttl()) + "s)";
    if (*keys) {
      line += ", attached keys([";
      for (int i = 0; i < resp.keys_size(); ++i) line += (i ? " " : "") + resp.keys(i);
      line += "])";
    }
    std::printf("%s\n", line.c_str());
  });
}

void AddList(CLI::App* lease, const GlobalOptions* g) {
  CLI::App* cmd = lease->add_subcommand("list", "Lists the leases alive");
  cmd->callback([g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("lease list");
    Connection c(*g);
    etcdserverpb::LeaseLeasesResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.lease().LeaseLeases(ctx, {}, &resp); });
    if (format == Format::kJson) {
      std::string leases;
      for (const auto& l : resp.leases()) leases += (leases.empty() ? "" : ",") + ("{\"id\":" + std::to_string(l.id()) + "}");
      std::printf("{%s\"leases\":%s}\n", Inline(resp.header()).c_str(), leases.empty() ? "null" : ("[" + leases + "]").c_str());
      return;
    }
    std::printf("found %d leases\n", resp.leases_size());
    for (const auto& l : resp.leases()) std::printf("%s\n", Hex(l.id()).c_str());
  });
}

void AddKeepAlive(CLI::App* lease, const GlobalOptions* g) {
  auto id = std::make_shared<std::string>();
  auto once = std::make_shared<bool>(false);
  CLI::App* cmd = lease->add_subcommand("keep-alive", "Keeps a lease alive until interrupted (or --once)");
  cmd->add_option("leaseID", *id, "The lease (hexadecimal)")->required();
  cmd->add_flag("--once", *once, "Renew once and exit");
  cmd->callback([id, once, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("lease keep-alive");
    const int64_t lease_id = LeaseArg(*id);
    Connection c(*g);
    grpc::ClientContext ctx;  // a stream: no deadline
    auto stream = c.lease().LeaseKeepAlive(&ctx);
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(lease_id);
    for (;;) {
      etcdserverpb::LeaseKeepAliveResponse resp;
      if (!stream->Write(req) || !stream->Read(&resp)) FailCall(stream->Finish(), c.endpoint_list());
      if (resp.ttl() <= 0) {
        if (*once) Fail(kExitBadConnection, "etcdserver: requested lease not found");
        std::printf("lease %s expired or revoked.\n", Hex(lease_id).c_str());
        return;
      }
      if (format == Format::kJson) {
        std::printf("{%s\"ID\":%lld,\"TTL\":%lld}\n", Inline(resp.header()).c_str(), static_cast<long long>(resp.id()),
                    static_cast<long long>(resp.ttl()));
      } else {
        std::printf("lease %s keepalived with TTL(%lld)\n", Hex(resp.id()).c_str(), static_cast<long long>(resp.ttl()));
      }
      std::fflush(stdout);
      if (*once) return;
      // Renew at a third of the TTL, as etcd's clients do.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(500, resp.ttl() * 1000 / 3)));
    }
  });
}

}  // namespace

void AddLeaseCommands(CLI::App* app, const GlobalOptions* global) {
  CLI::App* lease = app->add_subcommand("lease", "Lease commands: grant, revoke, timetolive, list, keep-alive");
  lease->require_subcommand(1);
  AddGrant(lease, global);
  AddRevoke(lease, global);
  AddTimeToLive(lease, global);
  AddList(lease, global);
  AddKeepAlive(lease, global);
}

}  // namespace etcfs::ctl
