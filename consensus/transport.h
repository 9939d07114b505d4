// Transport: Raft messages between cluster members over TCP, on standalone
// Asio.
//
// - One long-lived connection per pair of members carries messages both ways;
//   the member with the lower id dials it, and redials with exponential
//   backoff when it breaks. Every connection opens with a Hello naming the
//   cluster, the caller and the callee; anything else is refused.
// - Frames (frame_codec.h) travel on PeerConnections; a frame over the limit
//   closes the connection with a log line.
// - Send() never blocks the Raft loop: each peer has a bounded queue; when it
//   is full, or the peer is not connected, messages are dropped and counted
//   (Raft retransmits), and the handler hears that the peer is unreachable.
//   Everything queued when the socket becomes writable goes in one frame.
// - A snapshot travels on a connection of its own, so it never stalls
//   heartbeats; the handler hears whether it arrived.
// - A member about to join an existing cluster asks a member's peer port
//   about the cluster (cluster_query.h); the answer is describe_cluster's.
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
#include "consensus/frame_codec.h"
#include "consensus/peer_registry.h"
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
  using Connection = PeerConnection;

  void Accept();
  void OnHello(std::shared_ptr<Connection> conn, const Hello& hello);
  void Dial(std::shared_ptr<Peer> peer);
  void ScheduleRedial(std::shared_ptr<Peer> peer);
  void Attach(std::shared_ptr<Peer> peer, std::shared_ptr<Connection> conn);
  void Detach(Peer* peer, Connection* conn);
  void Flush(std::shared_ptr<Peer> peer);
  void Probe();
  void Deliver(const std::string& frame_bytes, Connection* conn);
  void DeliverMessages(const raftpb::Frame& frame, Peer* peer);
  // The snapshot stream (transport_snapshots.cc): a connection of its own
  // per snapshot, one frame and an acknowledgement.
  void SendSnapshot(Message m);
  void ReceiveSnapshot(const raftpb::Frame& frame, Connection* conn, Peer* peer);
  // `conn` if it is among the accepted connections awaiting their Hello.
  std::shared_ptr<Connection> Pending(Connection* conn) const;

  asio::io_context& io_;
  TransportOptions options_;
  TransportHandler* handler_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer probe_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> refused_{0};
  PeerRegistry peers_;
  std::vector<std::shared_ptr<Connection>> pending_;  // accepted, before Hello; io thread
};

}  // namespace etcfs::consensus
