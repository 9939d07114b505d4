#include "server/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "server/node.h"
#include "store/watch_hub.h"

namespace etcfs::server {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Gauge(std::string* out, const char* name, const char* help, double v, const char* type = "gauge") {
  Header(out, name, type, help);
  *out += std::string(name) + " " + Num(v) + "\n";
}

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

Histogram::Histogram(double start, double factor, int count) : counts_(count, 0) {
  for (int i = 0; i < count; ++i, start *= factor) bounds_.push_back(start);
}

void Histogram::Observe(double value) {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  sum_ += value;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++counts_[i];
      break;
    }
  }
}

void Histogram::Render(std::string* out, const std::string& name, const std::string& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string sep = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    *out += name + "_bucket{" + sep + "le=\"" + Num(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_bucket{" + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  *out += name + "_sum" + braces + " " + Num(sum_) + "\n";
  *out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void NodeMetrics::ObservePeerRtt(uint64_t peer, double seconds) {
  std::lock_guard<std::mutex> lock(peers_mu_);
  peer_rtt_.try_emplace(peer, 0.0001, 2, 16).first->second.Observe(seconds);
}

void NodeMetrics::RenderPeerRtt(std::string* out) const {
  Header(out, "etcd_network_peer_round_trip_time_seconds", "histogram", "Round-Trip-Time histogram between peers");
  std::lock_guard<std::mutex> lock(peers_mu_);
  for (const auto& [peer, h] : peer_rtt_) {
    char label[40];
    std::snprintf(label, sizeof label, "To=\"%llx\"", static_cast<unsigned long long>(peer));
    h.Render(out, "etcd_network_peer_round_trip_time_seconds", label);
  }
}

std::string RenderMetrics(Node& node) {
  std::string out;
  NodeMetrics& m = node.metrics();
  store::Store& st = node.store();
  const auto raft = node.driver().State();
  const bool has_leader = node.leader() != 0;
  Header(&out, "etcd_debugging_mvcc_keys_total", "gauge", "Total number of keys.");
  out += "etcd_debugging_mvcc_keys_total " + std::to_string(st.KeyCount()) + "\n";
  Gauge(&out, "etcd_debugging_mvcc_watcher_total", "Total number of watchers.",
        static_cast<double>(st.watch_hub().WatcherCount()));
  Header(&out, "etcd_disk_backend_commit_duration_seconds", "histogram",
         "The latency distributions of commit called by backend.");
  m.backend_commit.Render(&out, "etcd_disk_backend_commit_duration_seconds", "");
  Header(&out, "etcd_disk_wal_fsync_duration_seconds", "histogram", "The latency distributions of fsync called by WAL.");
  m.wal_fsync.Render(&out, "etcd_disk_wal_fsync_duration_seconds", "");
  Gauge(&out, "etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
        static_cast<double>(st.BackendSizeBytes()));
  Gauge(&out, "etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.",
        static_cast<double>(st.BackendSizeBytes()));
  m.RenderPeerRtt(&out);
  Gauge(&out, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", has_leader ? 1 : 0);
  Gauge(&out, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        node.leader() == node.member_id() ? 1 : 0);
  Gauge(&out, "etcd_server_leader_changes_seen_total", "The number of leader changes seen.",
        static_cast<double>(m.leader_changes.load()), "counter");
  Gauge(&out, "etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
        static_cast<double>(raft.applied.value()));
  Gauge(&out, "etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        static_cast<double>(raft.commit.value()));
  Gauge(&out, "etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
        static_cast<double>(m.proposals_failed.load()), "counter");
  Gauge(&out, "etcd_server_proposals_pending", "The current number of pending proposals to commit.",
        static_cast<double>(m.proposals_pending.load()));
  Gauge(&out, "etcfs_server_proposals_retried_total",
        "Requests proposed again after no answer within an election timeout.",
        static_cast<double>(m.proposals_retried.load()), "counter");
  Gauge(&out, "etcfs_server_duplicate_proposals_skipped_total",
        "Copies of a retried request not applied because an earlier copy was.",
        static_cast<double>(m.duplicates_skipped.load()), "counter");
  Gauge(&out, "etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.",
        static_cast<double>(st.QuotaBytes()));
  Header(&out, "etcfs_server_apply_duration_seconds", "histogram",
         "The latency distributions of applying one Ready's committed entries to the store.");
  m.apply.Render(&out, "etcfs_server_apply_duration_seconds", "");
  Gauge(&out, "process_resident_memory_bytes", "Resident memory size in bytes.", ResidentBytes());
  return out;
}

}  // namespace etcfs::server
