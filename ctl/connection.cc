#include "ctl/connection.h"

#include <cstdio>
#include <cstdlib>

#include "client/endpoints.h"

namespace etcfs::ctl {

std::string HexId(uint64_t id, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llx", width, static_cast<unsigned long long>(id));
  return buf;
}

uint64_t ParseHexId(const std::string& hex, const std::string& what) {
  size_t used = 0;
  uint64_t id = 0;
  try {
    id = std::stoull(hex, &used, 16);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != hex.size()) {
    Fail(kExitBadArgs, "bad " + what + " ID '" + hex + "': it is hexadecimal, as etcfsctl prints it");
  }
  return id;
}

void Fail(int code, const std::string& message) {
  std::fprintf(stderr, "Error: %s\n", message.c_str());
  std::exit(code);
}

void FailCall(const grpc::Status& status, const std::string& endpoint_list) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      Fail(kExitBadConnection, status.error_message() + " (endpoints " + endpoint_list +
                                   "; is the cluster up and does it have a leader?)");
    default:
      Fail(kExitError, status.error_message());
  }
}

Connection::Connection(const GlobalOptions& options) : options_(options) {
  for (const auto& ep : options_.endpoints) endpoint_list_ += (endpoint_list_.empty() ? "" : ",") + ep;
  std::vector<std::string> addresses;  // host:port, a scheme (http://) dropped
  for (std::string ep : options_.endpoints) {
    if (const size_t scheme = ep.find("://"); scheme != std::string::npos) ep = ep.substr(scheme + 3);
    addresses.push_back(std::move(ep));
  }
  auto channel = client::DialEndpoints(addresses);
  if (!channel.ok()) Fail(kExitBadConnection, channel.status().message());
  channel_ = std::move(*channel);
  const auto deadline = std::chrono::system_clock::now() + options_.dial_timeout;
  if (!channel_->WaitForConnected(deadline)) {
    Fail(kExitBadConnection, "no endpoint of " + endpoint_list_ + " answered within --dial-timeout=" +
                                 std::to_string(options_.dial_timeout.count()) + "ms; is etcd or etcfsd running there?");
  }
  kv_ = etcdserverpb::KV::NewStub(channel_);
  watch_ = etcdserverpb::Watch::NewStub(channel_);
  lease_ = etcdserverpb::Lease::NewStub(channel_);
  cluster_ = etcdserverpb::Cluster::NewStub(channel_);
  maintenance_ = etcdserverpb::Maintenance::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> Connection::Context() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + options_.command_timeout);
  return ctx;
}

}  // namespace etcfs::ctl
