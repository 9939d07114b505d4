#include "server/http_connections.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <thread>

namespace etcfs::server {
namespace {

// Waits up to `timeout` for `events` on `fd`; false on timeout or error.
bool WaitFor(int fd, short events, std::chrono::microseconds timeout) {
  pollfd p{fd, events, 0};
  int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
  for (;;) {
    int n = poll(&p, 1, ms);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return false;
  }
}

void AddressOf(int fd, bool remote, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int rc = remote ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                  : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// httplib's view of a socket: reads are buffered, because its request parser
// reads a byte at a time.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::chrono::microseconds read_timeout, std::chrono::microseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool is_readable() const override { return begin_ < end_ || WaitFor(fd_, POLLIN, read_timeout_); }
  bool is_writable() const override { return WaitFor(fd_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (!is_readable()) return -1;
      ssize_t n;
      do {
        n = recv(fd_, buffer_, sizeof(buffer_), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { AddressOf(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { AddressOf(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }

  // Whether the next request arrives within `timeout` (keep-alive).
  bool AwaitRequest(std::chrono::microseconds timeout) const {
    return begin_ < end_ || WaitFor(fd_, POLLIN, timeout);
  }

 private:
  int fd_;
  std::chrono::microseconds read_timeout_;
  std::chrono::microseconds write_timeout_;
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

// The connection this thread serves, for ClientGone().
thread_local int serving_fd = -1;

std::chrono::microseconds Micros(time_t sec, time_t usec) {
  return std::chrono::seconds(sec) + std::chrono::microseconds(usec);
}

}  // namespace

// Reaches httplib's request handling, which it keeps for its own sockets.
class HttpConnections::Server final : public httplib::Server {
 public:
  // httplib takes an invalid listening socket to mean "shutting down" and
  // then ends every chunked response before its first chunk: it gets a
  // placeholder descriptor of its own, never listened on.
  Server() { svr_sock_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); }
  ~Server() override {
    if (int fd = svr_sock_.exchange(INVALID_SOCKET); fd != INVALID_SOCKET) close(fd);
  }

  void ServeSocket(int fd) {
    serving_fd = fd;
    SocketStream stream(fd, Micros(read_timeout_sec_, read_timeout_usec_),
                        Micros(write_timeout_sec_, write_timeout_usec_));
    for (size_t served = 0; served < keep_alive_max_count_; ++served) {
      if (!stream.AwaitRequest(std::chrono::seconds(keep_alive_timeout_sec_))) break;
      bool closed = false;
      if (!process_request(stream, served + 1 == keep_alive_max_count_, closed, nullptr) || closed) break;
    }
  }
};

bool HttpConnections::ClientGone() {
  if (serving_fd < 0) return false;
  pollfd p{serving_fd, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

HttpConnections::HttpConnections() : server_(std::make_unique<Server>()) {
  // Answers go out uncompressed, as etcd's: httplib would gzip JSON for a
  // client that accepts it, and a gzip stream holds a watch's events back
  // until its buffer fills. (The request is httplib's own non-const object.)
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

HttpConnections::~HttpConnections() { Stop(); }

httplib::Server& HttpConnections::server() { return *server_; }

void HttpConnections::Serve(int fd) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || open_.size() >= kMaxConnections) {
      if (!stopped_) {
        spdlog::warn("etcfsd: refusing an HTTP connection: {} are open already", open_.size());
        static constexpr char kBusy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!send(fd, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      close(fd);
      return;
    }
    open_.insert(fd);
  }
  std::thread([this, fd] {
    server_->ServeSocket(fd);
    std::lock_guard lock(mu_);
    open_.erase(fd);
    close(fd);
    idle_.notify_all();  // under mu_: Stop() cannot return before this thread is done with `this`
  }).detach();
}

void HttpConnections::Stop() {
  std::unique_lock lock(mu_);
  stopped_ = true;
  for (int fd : open_) shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [&] { return open_.empty(); });
}

}  // namespace etcfs::server
