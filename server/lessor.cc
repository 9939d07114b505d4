#include "server/lessor.h"

#include <spdlog/spdlog.h>

#include "server/node.h"

namespace etcfs::server {

void Lessor::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void Lessor::Run(std::chrono::milliseconds tick) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, tick, [this] { return stopping_; })) return;
    }
    Step();
  }
}

void Lessor::Step() {
  const bool leader = node_->leader() == node_->member_id() && node_->leader() != 0;
  auto leases = node_->store().Leases();
  if (!leases.ok()) return;
  const auto now = Clock::now();
  std::vector<int64_t> expired;
  std::vector<std::pair<int64_t, int64_t>> checkpoints;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leader) {
      leading_ = false;
      expiry_.clear();
      revoking_.clear();
      return;
    }
    if (!leading_) {
      // Newly leading: every lease starts afresh from what survived (its
      // checkpointed remainder), like etcd's lessor on promotion.
      leading_ = true;
      expiry_.clear();
      last_checkpoint_ = now;
    }
    std::map<int64_t, Clock::time_point> live;
    for (const auto& l : *leases) {
      auto it = expiry_.find(l.id);
      if (it != expiry_.end()) {
        live[l.id] = it->second;
      } else {
        const int64_t secs = l.remaining_ttl > 0 ? l.remaining_ttl : l.ttl;
        live[l.id] = now + std::chrono::seconds(secs);
      }
    }
    expiry_ = std::move(live);
    for (const auto& [id, when] : expiry_) {
      auto r = revoking_.find(id);
      // Retry a revoke that has not come through in a while.
      if (when <= now && (r == revoking_.end() || now - r->second > std::chrono::seconds(3))) {
        expired.push_back(id);
        revoking_[id] = now;
      }
    }
    std::erase_if(revoking_, [&](const auto& kv) { return !expiry_.count(kv.first); });
    if (now - last_checkpoint_ >= checkpoint_interval_) {
      last_checkpoint_ = now;
      for (const auto& [id, when] : expiry_) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(when - now).count();
        if (left > 0) checkpoints.emplace_back(id, left);
      }
    }
  }
  for (int64_t id : expired) {
    spdlog::info("etcfsd: lease {:x} expired; revoking it", id);
    requestpb::Request req;
    req.mutable_lease_revoke()->set_id(id);
    Propose(std::move(req));
  }
  for (auto [id, left] : checkpoints) {
    requestpb::Request req;
    req.mutable_lease_checkpoint()->set_id(id);
    req.mutable_lease_checkpoint()->set_remaining_ttl(left);
    Propose(std::move(req));
  }
}

void Lessor::Propose(requestpb::Request req) {
  proposer_.Post([this, req = std::move(req)]() mutable {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    // A failure (lost leadership, timeout) is retried by a later step.
    node_->Write(std::move(req)).status().IgnoreError();
  });
}

Result<int64_t> Lessor::Renew(int64_t id) {
  if (node_->leader() != node_->member_id()) {
    return Status::FailedPrecondition("etcdserver: not leader");
  }
  auto info = node_->store().LeaseTimeToLive(id, false);
  if (!info.ok()) return int64_t{0};  // etcd answers TTL 0 for an unknown lease
  std::lock_guard<std::mutex> lock(mu_);
  expiry_[id] = Clock::now() + std::chrono::seconds(info->lease.ttl);
  revoking_.erase(id);
  return info->lease.ttl;
}

int64_t Lessor::Remaining(int64_t id, int64_t granted_ttl, int64_t checkpointed) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t from_store = checkpointed > 0 ? checkpointed : granted_ttl;
  if (!leading_) return from_store;
  // A lease granted since the last Step starts its clock now, as Step would
  // start it: etcd's clock starts at the grant, so a fresh lease already
  // says one second less than granted (59 of 60), and so does ours.
  auto it = expiry_.try_emplace(id, Clock::now() + std::chrono::seconds(from_store)).first;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second - Clock::now()).count();
  return std::max<int64_t>(left, 0);
}

}  // namespace etcfs::server
