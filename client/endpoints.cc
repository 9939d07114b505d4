#include "client/endpoints.h"

#include "base/host_port.h"

#include <thread>

#include <netdb.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace etcfs::client {

namespace {

// Resolves "host:port" to literal addresses ("1.2.3.4:2379", "[::1]:2379").
Status Resolve(const std::string& endpoint, std::vector<std::string>* v4, std::vector<std::string>* v6) {
  auto hp = ParseHostPort(endpoint);
  if (!hp.ok()) return Status::InvalidArgument("endpoint '" + endpoint + "' is not HOST:PORT");
  const std::string& host = hp->host;
  const std::string port = std::to_string(hp->port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Status::InvalidArgument("endpoint '" + endpoint + "': cannot resolve " + host + ": " + gai_strerror(rc));
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      inet_ntop(AF_INET, &sa->sin_addr, buf, sizeof buf);
      v4->push_back(std::string(buf) + ":" + port);
    } else if (ai->ai_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      inet_ntop(AF_INET6, &sa->sin6_addr, buf, sizeof buf);
      v6->push_back("[" + std::string(buf) + "]:" + port);
    }
  }
  freeaddrinfo(res);
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<grpc::Channel>> DialEndpoints(const std::vector<std::string>& endpoints) {
  std::vector<std::string> v4, v6;
  for (const auto& ep : endpoints) ETCFS_RETURN_IF_ERROR(Resolve(ep, &v4, &v6));
  // One gRPC target holds addresses of one family; IPv4 is preferred when
  // names resolve to both.
  const bool use_v4 = !v4.empty();
  std::string target = use_v4 ? "ipv4:" : "ipv6:";
  const auto& addrs = use_v4 ? v4 : v6;
  for (size_t i = 0; i < addrs.size(); ++i) target += (i ? "," : "") + addrs[i];
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("pick_first");
  // Each channel its own connections: gRPC otherwise shares one among
  // channels with equal arguments, and a bench's --conns would be one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);  // a range page or a watch batch may be large
  args.SetMaxSendMessageSize(-1);     // the server's --max-request-bytes is the limit
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Reconnect quickly after an outage (gRPC's default backoff reaches 120 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

grpc::Status RetryUnavailable(std::chrono::system_clock::time_point deadline,
                              const std::function<grpc::Status()>& call, const std::function<bool()>& stop) {
  constexpr std::chrono::milliseconds kPause{20};
  for (;;) {
    grpc::Status st = call();
    if (st.error_code() != grpc::StatusCode::UNAVAILABLE || std::chrono::system_clock::now() + kPause >= deadline) {
      return st;
    }
    if (stop && stop()) return grpc::Status(grpc::StatusCode::CANCELLED, "interrupted");
    std::this_thread::sleep_for(kPause);
  }
}

Status FromGrpc(const grpc::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string& m = s.error_message();
  std::string msg = std::string(what) + ": " + m;
  switch (s.error_code()) {
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      if (m.find("database space exceeded") != std::string::npos) return Status::NoSpace(msg);
      return Status::ResourceExhausted(msg);
    case grpc::StatusCode::INVALID_ARGUMENT:
      if (m.find("request is too large") != std::string::npos ||
          m.find("too many operations") != std::string::npos) {
        return Status::ResourceExhausted(msg);
      }
      if (m.find("key not found") != std::string::npos) return Status::NotFound(msg);
      return Status::InvalidArgument(msg);
    case grpc::StatusCode::UNAVAILABLE:
      return Status::Unavailable(msg);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::Timeout(msg);
    case grpc::StatusCode::CANCELLED:
      return Status::Cancelled(msg);
    case grpc::StatusCode::OUT_OF_RANGE:
      if (m.find("compacted") != std::string::npos) return Status::Compacted(msg);
      return Status::FutureRevision(msg);
    case grpc::StatusCode::NOT_FOUND:
      return Status::NotFound(msg);
    case grpc::StatusCode::FAILED_PRECONDITION:
      return Status::FailedPrecondition(msg);
    default:
      return Status::Internal(msg + " (gRPC code " + std::to_string(static_cast<int>(s.error_code())) + ")");
  }
}

}  // namespace etcfs::client
