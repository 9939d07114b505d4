// ClientListener: etcd's client port. Each --listen-client-urls address is one
// listening socket that serves gRPC and HTTP/1.1 alike, as etcd's does: a
// connection whose first bytes are HTTP/2's preface goes to the gRPC server
// as it is (its descriptor handed over: no proxy in between), any other to
// HttpConnections (/metrics, /health, /version and the gateway).
//
// A connection that has sent nothing (or only part of the preface) after
// kFirstBytesWaitMs goes to gRPC too: gRPC's own listener speaks first (its
// SETTINGS frame), and a gRPC C++ client reconnecting may wait for that
// before it sends its preface. HTTP/1.1 clients always speak first.
//
// Threads: one accept thread, started by Serve(), which also reads the first
// bytes of each new connection (without blocking on any). The destructor
// stops it and closes the listening sockets; connections already handed over
// belong to gRPC and to HttpConnections.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace grpc {
class Server;
}

namespace etcfs::server {

class HttpConnections;

class ClientListener {
 public:
  // How long a new connection may stay silent before it is taken for gRPC.
  static constexpr int kFirstBytesWaitMs = 200;

  // Binds and listens on every "host:port" of `addresses` (every address a
  // host name resolves to). Errors: Unavailable (the port is in use or the
  // address is not this machine's), InvalidArgument (a malformed address).
  static Result<std::unique_ptr<ClientListener>> Listen(const std::vector<std::string>& addresses);
  ~ClientListener();

  // The port each address of Listen() is bound to (the chosen one for ":0").
  const std::vector<int>& ports() const { return ports_; }

  // Starts accepting. Both must outlive this listener.
  void Serve(grpc::Server* grpc, HttpConnections* http);

 private:
  ClientListener() = default;
  void AcceptLoop();

  std::vector<int> sockets_;  // listening, non-blocking
  std::vector<int> ports_;
  int wake_ = -1;  // eventfd: the destructor's stop signal
  grpc::Server* grpc_ = nullptr;
  HttpConnections* http_ = nullptr;
  std::thread thread_;
};

}  // namespace etcfs::server
