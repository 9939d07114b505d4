#include "consensus/peer_registry.h"

namespace etcfs::consensus {

std::shared_ptr<Peer> PeerRegistry::Find(NodeId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

bool PeerRegistry::Add(std::shared_ptr<Peer> peer) {
  std::lock_guard<std::mutex> lock(mu_);
  return peers_.emplace(peer->id, std::move(peer)).second;
}

std::shared_ptr<Peer> PeerRegistry::Remove(NodeId id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(id);
  if (it == peers_.end()) return nullptr;
  auto peer = std::move(it->second);
  peers_.erase(it);
  return peer;
}

std::vector<std::shared_ptr<Peer>> PeerRegistry::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Peer>> out;
  out.reserve(peers_.size());
  for (const auto& [id, peer] : peers_) out.push_back(peer);
  return out;
}

}  // namespace etcfs::consensus
