// Connection: what every etcfsctl command talks through: one gRPC channel
// over the --endpoints (the first that answers; the next when it fails) and
// etcd's v3 services on it, each call bounded by --command-timeout.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace etcfs::ctl {

// The flags every command takes, as etcdctl names them.
struct GlobalOptions {
  std::vector<std::string> endpoints{"127.0.0.1:2379"};
  std::chrono::milliseconds dial_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  std::string write_out = "simple";  // simple, json or table

  // The same options aimed at one endpoint (commands that ask each in turn).
  GlobalOptions Only(const std::string& endpoint) const {
    GlobalOptions o = *this;
    o.endpoints = {endpoint};
    return o;
  }
};

// An ID as etcdctl prints it: hexadecimal, `width` digits zero-padded.
std::string HexId(uint64_t id, int width = 0);
// A member or lease ID argument: hexadecimal; fails the command (kExitBadArgs)
// naming `what` otherwise.
uint64_t ParseHexId(const std::string& hex, const std::string& what);

// etcdctl's exit codes, so that scripts can tell failures apart.
enum ExitCode {
  kExitError = 1,
  kExitBadConnection = 2,
  kExitInvalidInput = 3,
  kExitBadFeature = 4,
  kExitBadArgs = 128,
};

// Prints "Error: MESSAGE" on stderr and exits with `code`.
[[noreturn]] void Fail(int code, const std::string& message);
// Fails with what a failed call says (etcd's messages are kept as they are).
[[noreturn]] void FailCall(const grpc::Status& status, const std::string& endpoint_list);

class Connection {
 public:
  // Dials the endpoints, waiting up to --dial-timeout for one to answer;
  // fails (kExitBadConnection) when none does.
  explicit Connection(const GlobalOptions& options);

  etcdserverpb::KV::Stub& kv() { return *kv_; }
  etcdserverpb::Watch::Stub& watch() { return *watch_; }
  etcdserverpb::Lease::Stub& lease() { return *lease_; }
  etcdserverpb::Cluster::Stub& cluster() { return *cluster_; }
  etcdserverpb::Maintenance::Stub& maintenance() { return *maintenance_; }

  // A context for one call, its deadline --command-timeout from now.
  std::unique_ptr<grpc::ClientContext> Context() const;
  // Runs a unary call; on failure, fails the command with its status.
  template <typename Call>
  void Unary(Call&& call) const {
    auto ctx = Context();
    grpc::Status st = call(ctx.get());
    if (!st.ok()) FailCall(st, endpoint_list_);
  }
  const GlobalOptions& options() const { return options_; }
  // The endpoints, comma-separated, for messages.
  const std::string& endpoint_list() const { return endpoint_list_; }

 private:
  GlobalOptions options_;
  std::string endpoint_list_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  std::unique_ptr<etcdserverpb::Cluster::Stub> cluster_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;
};

}  // namespace etcfs::ctl
