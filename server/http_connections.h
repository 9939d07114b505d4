// HttpConnections: cpp-httplib's request handling on sockets accepted by
// someone else. The client port (client_listener.h) accepts every connection
// itself and hands those that speak HTTP/1.1 here; routes are registered on
// server() as on any httplib::Server.
//
// Threads: each connection is served on a detached thread of its own (HTTP
// clients of etcd are few, and a gateway watch holds its connection for as
// long as it watches), at most kMaxConnections at once. Serve() may be called
// from any thread; Stop() shuts every connection down and waits for their
// threads to be done with this object.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

namespace httplib {
class Server;
}

namespace etcfs::server {

class HttpConnections {
 public:
  // Past this many open HTTP connections, a new one is answered 503 and closed.
  static constexpr size_t kMaxConnections = 256;

  HttpConnections();
  ~HttpConnections();  // Stop()s

  // Where routes are registered, before the first Serve().
  httplib::Server& server();

  // Serves HTTP/1.1 requests on `fd` (a connected stream socket, owned from
  // here on) until the peer closes, the keep-alive timeout passes or Stop().
  void Serve(int fd);

  // On a thread serving a connection (in a handler or content provider):
  // whether its client has closed its side or the connection broke. Go's
  // server (etcd's) cancels a request then; a stream checks this to end.
  static bool ClientGone();

  // Shuts every open connection down and waits for their threads; later
  // Serve()s close their socket at once.
  void Stop();

 private:
  class Server;

  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable idle_;  // signalled as connections finish
  std::set<int> open_;            // GUARDED_BY(mu_)
  bool stopped_ = false;          // GUARDED_BY(mu_)
};

}  // namespace etcfs::server
