// Peer and PeerRegistry: what the transport keeps for each member it talks
// to (the messages queued for it, its connection, its counters), by id.
//
// Threads: the registry is thread-safe. A Peer's fields say who may touch
// them: `mu` guards the queue; the connection state is the io thread's; the
// counters are atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio.hpp>

#include "consensus/peer_connection.h"
#include "consensus/types.h"

namespace etcfs::consensus {

struct Peer {
  Peer(asio::io_context& io, NodeId id, std::string address) : id(id), address(std::move(address)), redial(io) {}

  const NodeId id;
  const std::string address;  // host:port

  std::mutex mu;
  std::deque<Message> queue;  // guarded by mu
  bool flush_posted = false;  // guarded by mu

  // The io thread's:
  std::shared_ptr<PeerConnection> conn;
  bool dialing = false;
  bool removed = false;
  std::chrono::milliseconds backoff{0};
  asio::steady_timer redial;
  std::chrono::steady_clock::time_point last_unreachable_report;

  // Any thread's:
  std::atomic<uint64_t> sent{0}, received{0}, dropped{0};
  std::atomic<double> rtt{0};
  std::atomic<bool> connected{false};
  std::atomic<int64_t> connected_since_ns{0};  // steady clock; valid while connected
};

class PeerRegistry {
 public:
  std::shared_ptr<Peer> Find(NodeId id) const;
  // False (and nothing changes) when a peer with that id is there already.
  bool Add(std::shared_ptr<Peer> peer);
  // The peer removed, or nullptr.
  std::shared_ptr<Peer> Remove(NodeId id);
  std::vector<std::shared_ptr<Peer>> All() const;

 private:
  mutable std::mutex mu_;
  std::map<NodeId, std::shared_ptr<Peer>> peers_;  // guarded by mu_
};

}  // namespace etcfs::consensus
