#include "server/client_listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

#include "base/host_port.h"
#include "server/http_connections.h"

namespace etcfs::server {
namespace {

// Every HTTP/2 connection, and so every gRPC one, opens with this; HTTP/1.1
// reserves PRI as a method so that no request of its own can (RFC 7540 §3.5).
constexpr std::string_view kHttp2Preface = "PRI ";

enum class Protocol {
  kNothingYet,  // no bytes arrived
  kPartial,     // fewer bytes than it takes to tell
  kGrpc,
  kHttp1,
  kClosed,
};

// Reads (without consuming) the first bytes of a new connection.
Protocol Sniff(int fd) {
  char head[4];
  ssize_t n = recv(fd, head, sizeof(head), MSG_PEEK);
  if (n < 0) return errno == EAGAIN || errno == EINTR ? Protocol::kNothingYet : Protocol::kClosed;
  if (n == 0) return Protocol::kClosed;
  std::string_view seen(head, static_cast<size_t>(n));
  if (kHttp2Preface.substr(0, seen.size()) != seen) return Protocol::kHttp1;
  return seen.size() == kHttp2Preface.size() ? Protocol::kGrpc : Protocol::kPartial;
}

Result<int> BindOne(const addrinfo& ai, uint16_t port, const std::string& address) {
  int fd = socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return Status::Unavailable("cannot open a socket for " + address + ": " + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage addr{};
  std::memcpy(&addr, ai.ai_addr, ai.ai_addrlen);
  if (ai.ai_family == AF_INET6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_port = htons(port);
    // "[::]" serves IPv4 too, as gRPC's own listener did.
    int v6only = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? 0 : 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  } else {
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), ai.ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    close(fd);
    return Status::Unavailable("cannot listen for clients on " + address + ": " + std::strerror(err) +
                               (err == EADDRINUSE ? " (is another process using it? stop it or pick another "
                                                    "--listen-client-urls)"
                                                  : ""));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

Result<std::unique_ptr<ClientListener>> ClientListener::Listen(const std::vector<std::string>& addresses) {
  std::unique_ptr<ClientListener> l(new ClientListener());
  l->wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  for (const auto& address : addresses) {
    ETCFS_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address));
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(hp.host.empty() ? nullptr : hp.host.c_str(), nullptr, &hints, &found); rc != 0) {
      return Status::InvalidArgument("cannot resolve " + address + " in --listen-client-urls: " + gai_strerror(rc));
    }
    // "localhost" is 127.0.0.1 and ::1: serve both, as long as one of them
    // is there (IPv6 may be off).
    uint16_t port = hp.port;
    Status last;
    size_t bound = 0;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      auto fd = BindOne(*ai, port, address);
      if (!fd.ok()) {
        last = fd.status();
        if (bound == 0 && ai->ai_next == nullptr) break;
        continue;
      }
      if (bound++ == 0) {
        port = static_cast<uint16_t>(BoundPort(*fd));
        l->ports_.push_back(port);
      }
      l->sockets_.push_back(*fd);
    }
    freeaddrinfo(found);
    if (bound == 0) return last.ok() ? Status::Unavailable("no address to listen on for " + address) : last;
  }
  return l;
}

void ClientListener::Serve(grpc::Server* grpc, HttpConnections* http) {
  grpc_ = grpc;
  http_ = http;
  thread_ = std::thread([this] { AcceptLoop(); });
}

ClientListener::~ClientListener() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(wake_, &one, sizeof(one));
    thread_.join();
  }
  for (int fd : sockets_) close(fd);
  if (wake_ >= 0) close(wake_);
}

void ClientListener::AcceptLoop() {
  using Clock = std::chrono::steady_clock;
  struct Pending {
    int fd;
    Clock::time_point grpc_after;  // still silent then: gRPC's, which speaks first
  };
  std::vector<Pending> pending;
  std::vector<pollfd> polled;
  // A connection sent part of "PRI ": its socket stays readable, so poll
  // again shortly rather than at once.
  bool partial = false;
  for (;;) {
    polled.clear();
    polled.push_back({wake_, POLLIN, 0});
    for (int fd : sockets_) polled.push_back({fd, POLLIN, 0});
    for (const auto& p : pending) polled.push_back({p.fd, POLLIN, 0});
    int timeout = -1;  // nothing pending: until a connection comes
    if (!pending.empty()) {
      // Pending ones are in accept order: the first is the first to decide.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(pending.front().grpc_after - Clock::now());
      timeout = partial ? 1 : static_cast<int>(std::max<int64_t>(1, left.count() + 1));
    }
    if (poll(polled.data(), polled.size(), timeout) < 0 && errno != EINTR) {
      spdlog::error("etcfsd: the client port stopped accepting: poll: {}", std::strerror(errno));
      return;
    }
    if (polled[0].revents != 0) break;
    for (size_t i = 0; i < sockets_.size(); ++i) {
      if (polled[1 + i].revents == 0) continue;
      int fd = accept4(sockets_[i], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          spdlog::warn("etcfsd: cannot accept a client: {}; raise the open file limit", std::strerror(errno));
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      pending.push_back({fd, Clock::now() + std::chrono::milliseconds(kFirstBytesWaitMs)});
    }
    // Sort out the connections whose first bytes arrived.
    partial = false;
    auto now = Clock::now();
    std::erase_if(pending, [&](const Pending& p) {
      Protocol protocol = Sniff(p.fd);
      if ((protocol == Protocol::kNothingYet || protocol == Protocol::kPartial) && now >= p.grpc_after) {
        protocol = Protocol::kGrpc;
      }
      switch (protocol) {
        case Protocol::kGrpc:
          grpc::AddInsecureChannelFromFd(grpc_, p.fd);
          return true;
        case Protocol::kHttp1:
          fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) & ~O_NONBLOCK);
          http_->Serve(p.fd);
          return true;
        case Protocol::kClosed:
          close(p.fd);
          return true;
        case Protocol::kNothingYet:
        case Protocol::kPartial:
          partial = partial || protocol == Protocol::kPartial;
          return false;
      }
      return false;
    });
  }
  for (const auto& p : pending) close(p.fd);
}

}  // namespace etcfs::server
