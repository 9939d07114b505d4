// HttpEndpoint: etcd's HTTP side, on --listen-metrics-urls: /metrics
// (Prometheus text, etcd's metric names), /health ({"health":"true"} once the
// member has a leader, no alarm and answers a linearizable read; 503 with
// "false" otherwise) and /version. The client port answers them too
// (client_listener.h), through AddRoutes.
//
// Threads: each address is served by cpp-httplib's own threads.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace httplib {
class Server;
}

namespace etcfs::server {

class Node;

class HttpEndpoint {
 public:
  // Listens on every host:port in `addresses`. Errors: Unavailable (in use).
  static Result<std::unique_ptr<HttpEndpoint>> Start(Node* node, const std::vector<std::string>& addresses);
  ~HttpEndpoint();  // stops serving

  // Registers /metrics, /health and /version on `server`.
  static void AddRoutes(httplib::Server& server, Node* node);

  // {"health":"true"} or {"health":"false"}, as etcd 3.4 answers.
  static std::pair<int, std::string> Health(Node& node);

 private:
  HttpEndpoint() = default;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
};

}  // namespace etcfs::server
