// etcfsd: an etcfs cluster member, with etcd's flag names and defaults.
// With no flags it runs a single-member cluster in ./default.etcfs, serving
// clients on 127.0.0.1:2379 and peers on 127.0.0.1:2380, as etcd does.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include <systemd/sd-daemon.h>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "fs/filesystem.h"
#include "fs/mount.h"
#include "server/auto_compactor.h"
#include "server/client_listener.h"
#include "server/cluster_service.h"
#include "server/gateway.h"
#include "server/http_connections.h"
#include "server/http_endpoint.h"
#include "server/kv_service.h"
#include "server/lease_service.h"
#include "server/lessor.h"
#include "server/local_backend.h"
#include "server/maintenance_service.h"
#include "server/node.h"
#include "member/urls.h"
#include "server/watch_service.h"
#include "server/yaml_config.h"

namespace etcfs::server {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{"etcfsd: a member of an etcfs cluster (etcd's v3 API, and a filesystem)"};
  NodeOptions o;
  std::string listen_client_urls = "http://localhost:2379";
  std::string advertise_client_urls = "http://localhost:2379";
  std::string listen_peer_urls = "http://localhost:2380";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  std::string initial_cluster;
  std::string initial_cluster_state = "new";
  int64_t heartbeat_ms = 100, election_ms = 1000;
  std::string log_level = "info";
  std::string listen_metrics_urls;
  std::string auto_compaction_mode = "periodic", auto_compaction_retention = "0";
  app.add_option("--name", o.name, "Human-readable name for this member")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Path to the data directory")->capture_default_str();
  app.add_option("--wal-dir", o.wal_dir, "Path to a dedicated WAL directory (default: inside --data-dir)");
  app.add_option("--listen-client-urls", listen_client_urls, "URLs to listen on for client traffic")->capture_default_str();
  app.add_option("--advertise-client-urls", advertise_client_urls, "Client URLs to advertise to the cluster")->capture_default_str();
  app.add_option("--listen-peer-urls", listen_peer_urls, "URLs to listen on for peer traffic")->capture_default_str();
  app.add_option("--initial-advertise-peer-urls", initial_advertise_peer_urls, "This member's peer URLs to advertise")->capture_default_str();
  app.add_option("--initial-cluster", initial_cluster, "Initial cluster configuration: name=peer-url,... (default: NAME=initial-advertise-peer-urls)");
  app.add_option("--initial-cluster-state", initial_cluster_state, "new (bootstrap a cluster) or existing (join one)")
      ->check(CLI::IsMember({"new", "existing"}))->capture_default_str();
  app.add_option("--initial-cluster-token", o.cluster_token, "Initial cluster token, unique per cluster")->capture_default_str();
  app.add_option("--heartbeat-interval", heartbeat_ms, "Time (in milliseconds) of a heartbeat interval")->capture_default_str();
  app.add_option("--election-timeout", election_ms, "Time (in milliseconds) for an election to time out")->capture_default_str();
  app.add_option("--snapshot-count", o.snapshot_count, "Number of committed entries between snapshots")->capture_default_str();
  app.add_option("--snapshot-bytes", o.snapshot_bytes,
                 "Bytes of entries logged since the last snapshot that trigger one, however few they are")
      ->check(CLI::Range(uint64_t{1} << 20, uint64_t{1} << 40))->capture_default_str();
  app.add_option("--experimental-snapshot-catchup-entries", o.snapshot_catch_up_entries,
                 "Number of entries kept after a snapshot for slow followers to catch up")->capture_default_str();
  app.add_option("--max-snapshots", o.max_snapshots, "Maximum number of snapshot files to retain (0 is unlimited)")->capture_default_str();
  app.add_option("--max-wals", o.max_wals, "Maximum number of WAL files to retain (0 is unlimited)")->capture_default_str();
  app.add_option("--quota-backend-bytes", o.quota_bytes, "Raise an alarm when the backend size exceeds this (0: 2 GiB)")->capture_default_str();
  app.add_option("--auto-compaction-mode", auto_compaction_mode,
                 "Interpret --auto-compaction-retention as a time ('periodic') or as revisions ('revision')")
      ->capture_default_str();
  app.add_option("--auto-compaction-retention", auto_compaction_retention,
                 "Auto compaction retention: a duration (30m; a bare number is hours) or a revision count; 0 is off "
                 "(with --mount and neither flag set: 10000 revisions, fewer past half the quota)")
      ->capture_default_str();
  app.add_option("--max-txn-ops", o.max_txn_ops, "Maximum number of operations in one transaction")->capture_default_str();
  app.add_option("--max-request-bytes", o.max_request_bytes, "Maximum client request size in bytes")->capture_default_str();
  app.add_option("--listen-metrics-urls", listen_metrics_urls,
                 "URLs to serve /metrics, /health and /version on (default: none)");
  std::string mount_dir, mount_prefix = "/", mount_options;
  app.add_option("--mount", mount_dir, "Mount this member's replica as a filesystem on this directory, created if absent (etcfs(5))");
  app.add_option("--mount-prefix", mount_prefix, "The key prefix the mount shows; ends with '/'")->capture_default_str();
  app.add_option("--mount-options", mount_options,
                 "Comma-separated mount options (etcfs(5)): " + fs::MountOptionList());
  app.add_option("--log-level", log_level, "debug, info, warn, error, panic or fatal")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "panic", "fatal"}))->capture_default_str();
  app.config_formatter(std::make_shared<YamlConfig>());
  app.set_config("--config-file", "", "Path to a YAML file of these flags (names without dashes, as etcd's); "
                 "flags on the command line override it");
  app.allow_config_extras(CLI::config_extras_mode::ignore);
  CLI11_PARSE(app, argc, argv);
  if (auto* config = app.get_config_ptr(); config != nullptr && config->count() > 0) {
    // etcd's files hold settings etcfsd does not have (TLS, v2...): say so.
    for (const auto& item : YamlConfig().from_file(config->as<std::string>())) {
      if (!item.parents.empty() || app.get_option_no_throw("--" + item.name) == nullptr) {
        spdlog::warn("etcfsd: ignoring '{}' from the config file: etcfsd has no such setting", item.fullname());
      }
    }
  }

  spdlog::set_level(log_level == "panic" || log_level == "fatal" ? spdlog::level::critical
                                                                  : spdlog::level::from_str(log_level));
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "etcfsd: %s\n", s.message().c_str());
    return 1;
  };
  auto compaction = ParseAutoCompaction(auto_compaction_mode, auto_compaction_retention);
  if (!compaction.ok()) return fail(compaction.status());
  // A mount's files are rewritten in place: unless the operator chose, keep
  // their history from filling the quota (auto_compactor.h).
  if (!mount_dir.empty() && app.count("--auto-compaction-mode") == 0 &&
      app.count("--auto-compaction-retention") == 0) {
    compaction = AutoCompactionOptions::ForMounts();
  }
  o.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  o.election_timeout = std::chrono::milliseconds(election_ms);
  o.join_existing = initial_cluster_state == "existing";
  if (initial_cluster.empty()) initial_cluster = o.name + "=" + initial_advertise_peer_urls;
  auto cluster = member::ParseInitialCluster(initial_cluster);
  if (!cluster.ok()) return fail(cluster.status());
  o.initial_cluster = *cluster;
  auto peer_listen = member::UrlAddresses(listen_peer_urls);
  if (!peer_listen.ok()) return fail(peer_listen.status());
  o.listen_peer_address = (*peer_listen)[0];
  std::vector<std::string> metrics_listen;
  if (!listen_metrics_urls.empty()) {
    auto parsed = member::UrlAddresses(listen_metrics_urls);
    if (!parsed.ok()) return fail(parsed.status());
    metrics_listen = *parsed;
  }
  auto client_listen = member::UrlAddresses(listen_client_urls);
  if (!client_listen.ok()) return fail(client_listen.status());
  if (auto advertised = member::UrlAddresses(advertise_client_urls); !advertised.ok()) return fail(advertised.status());
  o.advertise_client_urls.clear();
  {
    std::stringstream in(advertise_client_urls);
    std::string url;
    while (std::getline(in, url, ',')) {
      if (!url.empty()) o.advertise_client_urls.push_back(url);
    }
  }

  fs::MountOptions mount;
  if (!mount_dir.empty()) {
    if (mount_prefix.empty() || mount_prefix.back() != '/') {
      return fail(Status::InvalidArgument("--mount-prefix " + mount_prefix + " must end with '/'"));
    }
    mount.prefix = mount_prefix;  // a prefix= in --mount-options comes after, as mount.etcfs takes it
    if (Status s = mount.Parse(mount_options); !s.ok()) return fail(s);
    mount.DefaultOwner(::geteuid(), ::getegid());
    // Absent: made. A stale mount left by a crash fails this and is cleared
    // next; a directory that cannot be made is reported by ClearStaleMount.
    std::error_code ignored;
    std::filesystem::create_directories(mount_dir, ignored);
    if (Status s = fs::ClearStaleMount(mount_dir); !s.ok()) return fail(s);
  }

  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // A removed member stops, as etcd's does.
  o.on_removed = [] { kill(getpid(), SIGTERM); };
  // A disk error stopped Raft: exit 1, so that a supervisor restarts the
  // member once the disk is fixed; it then catches up from its WAL and the
  // leader. Acknowledged writes are on the others.
  static std::atomic<bool> fatal{false};
  o.on_fatal = [](const Status& s) {
    spdlog::critical("etcfsd: stopping after a disk error: {}; free space or fix the disk, then start etcfsd again",
                     s.ToString());
    fatal = true;
    kill(getpid(), SIGTERM);
  };
  auto node = Node::Start(o);
  if (!node.ok()) return fail(node.status());
  KvService kv(node->get());
  WatchService watch(node->get());
  MaintenanceService maintenance(node->get());
  ClusterService cluster_service(node->get());
  Lessor lessor(node->get(), std::chrono::minutes(5));  // etcd's lease checkpoint interval
  LeaseService lease(node->get(), &lessor);
  // The client port is ours (gRPC and HTTP on one socket); gRPC gets the
  // connections that speak HTTP/2 and listens on nothing itself.
  auto client_port = ClientListener::Listen(*client_listen);
  if (!client_port.ok()) return fail(client_port.status());
  grpc::ServerBuilder builder;
  builder.RegisterService(&kv);
  builder.RegisterService(&watch);
  builder.RegisterService(&maintenance);
  builder.RegisterService(&lease);
  builder.RegisterService(&cluster_service);
  // etcd's keepalive policy (--grpc-keepalive-min-time 5s, -interval 2h,
  // -timeout 20s): clients may ping every 5 s, also without calls. gRPC's own
  // default (5 min) sends GOAWAY too_many_pings to etcd clients that ping
  // every 10 s, dropping their watch streams.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 2 * 3600 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.SetMaxReceiveMessageSize(static_cast<int>(o.max_request_bytes) + (1 << 20));
  // Maintenance and Cluster are on the sync server (the rest is callback
  // API). The sync server runs each call on a thread of its own and, by default,
  // ends any thread beyond two idle pollers once its call returns: under a
  // hundred concurrent clients it created and destroyed a thread per request
  // (a fifth of the CPU). Idle threads are kept instead.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1024);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return fail(Status::Internal("gRPC could not start its server; see the lines above"));
  HttpConnections client_http;
  HttpEndpoint::AddRoutes(client_http.server(), node->get());
  gateway::AddRoutes(client_http.server(), server.get());
  (*client_port)->Serve(server.get(), &client_http);
  auto http = HttpEndpoint::Start(node->get(), metrics_listen);
  if (!http.ok()) return fail(http.status());
  std::thread lessor_thread([&] { lessor.Run(std::chrono::milliseconds(100)); });
  auto compactor = std::make_unique<AutoCompactor>(node->get(), *compaction);
  spdlog::info("etcfsd: serving clients on {}", listen_client_urls);
  std::unique_ptr<LocalBackend> backend;
  std::unique_ptr<fs::Filesystem> filesystem;
  std::unique_ptr<fs::Mount> mounted;
  if (!mount_dir.empty()) {
    backend = std::make_unique<LocalBackend>(node->get());
    filesystem = std::make_unique<fs::Filesystem>(backend.get(), mount);
    if (Status s = filesystem->Start(); !s.ok()) return fail(s);
    auto m = fs::Mount::Create(filesystem.get(), mount_dir);
    if (!m.ok()) return fail(m.status());
    mounted = std::move(*m);
    // An API write is answered once this node's mount shows it (bounded:
    // a kernel slow to take invalidations must not stall the API).
    (*node)->SetLocalViewBarrier([fs = filesystem.get()] {
      if (!fs->AwaitInvalidations(std::chrono::seconds(1))) {
        spdlog::warn("fs: the mount took over 1 s to show a change; answering the write anyway");
      }
    });
  }
  // Under systemd (Type=notify), ready once this member has joined and
  // published itself, as etcd.
  std::atomic<bool> shutting_down{false};
  std::thread notifier([&] {
    while (!shutting_down && !(*node)->Published()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!shutting_down && sd_notify(0, "READY=1") > 0) spdlog::info("etcfsd: told systemd it is ready");
  });

  int sig = 0;
  sigwait(&signals, &sig);
  if (fatal) {
    // Nothing more can be persisted, and a clean close would make the store
    // write again (RocksDB asserts after a failed write): detach the mount so
    // that readers see it go rather than hang, then exit as a crash would.
    // Every acknowledged write is in the WAL here and on a majority.
    (*node)->SetLocalViewBarrier(nullptr);
    mounted.reset();
    spdlog::default_logger()->flush();
    _exit(1);
  }
  spdlog::info("etcfsd: received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  shutting_down = true;
  sd_notify(0, "STOPPING=1");
  notifier.join();
  // The mount goes first: its requests in flight still need the node.
  (*node)->SetLocalViewBarrier(nullptr);
  mounted.reset();
  filesystem.reset();
  lease.Stop();
  client_port->reset();
  client_http.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  lessor.Stop();
  lessor_thread.join();
  compactor.reset();
  http->reset();
  node->reset();
  spdlog::info("etcfsd: stopped");
  return 0;
}

}  // namespace
}  // namespace etcfs::server

int main(int argc, char** argv) { return etcfs::server::Main(argc, argv); }
