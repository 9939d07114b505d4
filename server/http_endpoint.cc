#include "server/http_endpoint.h"

#include "base/host_port.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "server/metrics.h"
#include "server/node.h"
#include "server/version.h"

namespace etcfs::server {

std::pair<int, std::string> HttpEndpoint::Health(Node& node) {
  std::string why;
  if (node.leader() == 0) {
    why = "no leader";
  } else if (!node.store().Alarms().empty()) {
    why = "an alarm is raised";
  } else if (Status s = node.WaitLinearizable(std::chrono::seconds(1)); !s.ok()) {
    why = s.message();
  }
  if (why.empty()) return {200, "{\"health\":\"true\"}"};
  spdlog::warn("etcfsd: /health: unhealthy ({})", why);
  return {503, "{\"health\":\"false\"}"};
}

void HttpEndpoint::AddRoutes(httplib::Server& server, Node* node) {
  // As etcd's HTTP side answers: open to browsers (CORS), and a plain 404.
  server.set_default_headers({{"Access-Control-Allow-Headers", "accept, content-type, authorization"},
                              {"Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE"},
                              {"Access-Control-Allow-Origin", "*"}});
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) res.set_content("404 page not found\n", "text/plain; charset=utf-8");
  });
  server.Get("/metrics", [node](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(*node), "text/plain; version=0.0.4");
  });
  server.Get("/health", [node](const httplib::Request&, httplib::Response& res) {
    auto [code, body] = Health(*node);
    res.status = code;
    res.set_content(body, "text/plain; charset=utf-8");  // etcd's type
  });
  server.Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string("{\"etcdserver\":\"") + kServerVersion + "\",\"etcdcluster\":\"" + kClusterVersion +
                        "\"}",
                    "application/json");
  });
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(Node* node, const std::vector<std::string>& addresses) {
  std::unique_ptr<HttpEndpoint> ep(new HttpEndpoint());
  for (const auto& address : addresses) {
    auto server = std::make_unique<httplib::Server>();
    AddRoutes(*server, node);
    ETCFS_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address));
    if (!server->bind_to_port(hp.host == "localhost" ? "127.0.0.1" : hp.host, hp.port)) {
      return Status::Unavailable("cannot listen for metrics on " + address +
                                 " (is another process using it? stop it or pick another --listen-metrics-urls)");
    }
    auto* raw = server.get();
    ep->threads_.emplace_back([raw] { raw->listen_after_bind(); });
    ep->servers_.push_back(std::move(server));
    spdlog::info("etcfsd: serving /metrics, /health and /version on http://{}", address);
  }
  return ep;
}

HttpEndpoint::~HttpEndpoint() {
  for (auto& s : servers_) s->stop();
  for (auto& t : threads_) t.join();
}

}  // namespace etcfs::server
