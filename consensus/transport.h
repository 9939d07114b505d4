// Transport: Raft messages between cluster members over TCP, on standalone
// Asio.
//
// - One long-lived connection per pair of members carries messages both ways;
//   the member with the lower id dials it, and redials with exponential
//   backoff when it breaks. Every connection opens with a Hello naming the
//   cluster, the caller and the callee; anything else is refused.
// - Frames are a 4-byte big-endian length then a raftpb::Frame; a frame over
//   the limit closes the connection with a log line.
// - Send() never blocks the Raft loop: each peer has a bounded queue; when it
//   is full, or the peer is not connected, messages are dropped and counted
//   (Raft retransmits), and the handler hears that the peer is unreachable.
//   Everything queued when the socket becomes writable goes in one frame.
// - A snapshot travels on a connection of its own, so it never stalls
//   heartbeats; the handler hears whether it arrived.
// - A member about to join an existing cluster knows neither its own id nor
//   the cluster's; QueryCluster asks a member's peer port, and that member
//   answers with what describe_cluster returns, then closes.
// - Pings measure the round-trip time to each peer, and a connection that
//   has been silent for several probe intervals is closed and redialed.
//
// Threads: the caller runs the io_context (one thread). Send, AddPeer,
// RemovePeer and Stats are thread-safe; handler callbacks run on the io
// thread and must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio.hpp>

#include "base/result.h"
#include "consensus/types.h"

namespace etcfs::consensus {

class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  virtual void OnMessage(Message m) = 0;
  virtual void OnUnreachable(NodeId peer) = 0;
  virtual void OnSnapshotSent(NodeId peer, bool ok) = 0;
};

struct TransportOptions {
  NodeId self;
  // Connections from another cluster are refused. Default: 0.
  uint64_t cluster_id = 0;
  // host:port to listen on; port 0 picks a free one. Default: none.
  std::string listen_address;
  // Peers' host:port, by id. Default: none.
  std::map<NodeId, std::string> peers;
  // Largest frame accepted on the message stream. Default: 64 MiB.
  size_t max_frame_bytes = size_t{64} << 20;
  // Largest snapshot frame accepted. Default: 4 GiB.
  size_t max_snapshot_bytes = size_t{4} << 30;
  // Messages queued per peer before new ones are dropped. Default: 4096.
  size_t queue_messages = 4096;
  // Redial backoff. Defaults: 50 ms doubling to 2 s.
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // Round-trip probes; a connection silent for 5 intervals is closed.
  // Default: 1 s.
  std::chrono::milliseconds probe_interval{1000};
  // Answers QueryCluster (on the io thread; must not block). Default: none,
  // and such queries are refused.
  std::function<std::string()> describe_cluster;
  // Called with each measured round trip (io thread; must not block), for
  // etcd_network_peer_round_trip_time_seconds. Default: none.
  std::function<void(NodeId, double)> on_rtt;
};

class Transport {
 public:
  Transport(asio::io_context& io, TransportOptions options, TransportHandler* handler);
  ~Transport();  // REQUIRES: Stop() was called, or the io_context is not running

  // Binds the listener and starts dialing. Errors: Unavailable (address in
  // use), InvalidArgument (a malformed address).
  Status Start();
  // Closes every connection; no callback follows its return.
  void Stop();

  // Asks the member listening at `address` (host:port) to describe the
  // cluster (TransportOptions::describe_cluster). Blocking; for a member
  // joining a cluster before it starts. Errors: Unavailable (unreachable,
  // refused, or no answer within `timeout`).
  static Result<std::string> QueryCluster(const std::string& address, std::chrono::milliseconds timeout);

  void Send(std::vector<Message> msgs);
  void AddPeer(NodeId id, const std::string& address);
  void RemovePeer(NodeId id);

  struct PeerStats {
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t dropped = 0;
    double rtt_seconds = 0;  // last measured; 0 before the first probe returns
    bool connected = false;
    std::chrono::steady_clock::duration connected_for{};  // while connected
  };
  PeerStats Stats(NodeId id) const;
  // Incoming connections turned away (wrong cluster, unknown caller, ...).
  uint64_t refused_connections() const { return refused_.load(); }
  uint16_t port() const { return port_; }

 private:
  class Connection;
  struct Peer;

  void Accept();
  void OnHello(std::shared_ptr<Connection> conn, const struct HelloInfo& hello);
  void Dial(std::shared_ptr<Peer> peer);
  void ScheduleRedial(std::shared_ptr<Peer> peer);
  void Attach(std::shared_ptr<Peer> peer, std::shared_ptr<Connection> conn);
  void Detach(Peer* peer, Connection* conn);
  void Flush(std::shared_ptr<Peer> peer);
  void SendSnapshot(Message m);
  void Probe();
  std::shared_ptr<Peer> FindPeer(NodeId id) const;
  void Deliver(const std::string& frame_bytes, Connection* conn);

  asio::io_context& io_;
  TransportOptions options_;
  TransportHandler* handler_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer probe_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> refused_{0};
  mutable std::mutex peers_mu_;
  std::map<NodeId, std::shared_ptr<Peer>> peers_;  // guarded by peers_mu_
  std::vector<std::shared_ptr<Connection>> pending_;  // accepted, before Hello; io thread
};

}  // namespace etcfs::consensus
