#include "consensus/transport.h"

#include <future>

#include <spdlog/spdlog.h>

#include "consensus/message_codec.h"
#include "consensus/peer_address.h"
#include "raft.pb.h"

namespace etcfs::consensus {

namespace {

using asio::ip::tcp;

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Transport::Transport(asio::io_context& io, TransportOptions options, TransportHandler* handler)
    : io_(io), options_(std::move(options)), handler_(handler), acceptor_(io), probe_timer_(io) {
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.self) peers_.Add(std::make_shared<Peer>(io_, id, addr));
  }
}

Transport::~Transport() = default;

Status Transport::Start() {
  ETCFS_ASSIGN_OR_RETURN(tcp::endpoint ep, PeerEndpoint(options_.listen_address));
  asio::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen for peers on " + options_.listen_address + ": " +
                               ec.message() +
                               (ec == asio::error::address_in_use
                                    ? " (another process uses it; stop it or pick another --listen-peer-urls)"
                                    : ""));
  }
  port_ = acceptor_.local_endpoint().port();
  asio::post(io_, [this] {
    Accept();
    for (auto& peer : peers_.All()) {
      if (options_.self < peer->id) Dial(peer);
    }
    Probe();
  });
  return Status::Ok();
}

void Transport::Stop() {
  if (stopped_.exchange(true)) return;
  auto closed = std::make_shared<std::promise<void>>();
  auto future = closed->get_future();
  asio::post(io_, [this, closed] {
    asio::error_code ec;
    acceptor_.close(ec);
    probe_timer_.cancel();
    for (auto& c : pending_) c->Close();
    pending_.clear();
    for (auto& peer : peers_.All()) {
      peer->redial.cancel();
      if (peer->conn) peer->conn->Close();
      peer->conn.reset();
    }
    closed->set_value();
  });
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    spdlog::warn("transport: the io thread did not close connections within 5 s (is it running?)");
  }
}

void Transport::AddPeer(NodeId id, const std::string& address) {
  if (id == options_.self) return;
  auto peer = std::make_shared<Peer>(io_, id, address);
  if (!peers_.Add(peer)) return;
  asio::post(io_, [this, peer] {
    if (options_.self < peer->id) Dial(peer);
  });
}

void Transport::RemovePeer(NodeId id) {
  std::shared_ptr<Peer> peer = peers_.Remove(id);
  if (!peer) return;
  asio::post(io_, [peer] {
    peer->removed = true;
    peer->redial.cancel();
    if (peer->conn) peer->conn->Close();
    peer->conn.reset();
    peer->connected = false;
  });
}

Transport::PeerStats Transport::Stats(NodeId id) const {
  auto peer = peers_.Find(id);
  if (!peer) return {};
  PeerStats stats{peer->sent.load(), peer->received.load(), peer->dropped.load(), peer->rtt.load(),
                  peer->connected.load()};
  if (stats.connected) {
    stats.connected_for = std::chrono::steady_clock::now().time_since_epoch() -
                          std::chrono::nanoseconds(peer->connected_since_ns.load());
  }
  return stats;
}

void Transport::Send(std::vector<Message> msgs) {
  std::map<NodeId, std::shared_ptr<Peer>> flush;
  std::vector<NodeId> unreachable;
  for (auto& m : msgs) {
    if (m.type == MessageType::kSnap) {
      asio::post(io_, [this, m = std::move(m)]() mutable { SendSnapshot(std::move(m)); });
      continue;
    }
    auto peer = peers_.Find(m.to);
    if (!peer) continue;  // not (or no longer) a peer
    std::lock_guard<std::mutex> lock(peer->mu);
    if (!peer->connected) {
      ++peer->dropped;
      unreachable.push_back(m.to);
      continue;
    }
    if (peer->queue.size() >= options_.queue_messages) {
      ++peer->dropped;  // Raft retransmits; never block the Raft loop
      continue;
    }
    peer->queue.push_back(std::move(m));
    if (!peer->flush_posted) {
      peer->flush_posted = true;
      flush[peer->id] = peer;
    }
  }
  for (auto& entry : flush) {
    asio::post(io_, [this, peer = entry.second] { Flush(peer); });
  }
  if (!unreachable.empty()) {
    asio::post(io_, [this, unreachable] {
      if (stopped_) return;
      const auto now = std::chrono::steady_clock::now();
      for (NodeId id : unreachable) {
        auto peer = peers_.Find(id);
        // One report per peer per 100 ms is plenty for Raft's probing.
        if (!peer || now - peer->last_unreachable_report < std::chrono::milliseconds(100)) continue;
        peer->last_unreachable_report = now;
        handler_->OnUnreachable(id);
      }
    });
  }
}

void Transport::Flush(std::shared_ptr<Peer> peer) {
  std::deque<Message> batch;
  {
    std::lock_guard<std::mutex> lock(peer->mu);
    peer->flush_posted = false;
    if (!peer->conn || !peer->conn->idle()) return;  // the write in flight calls us again
    batch.swap(peer->queue);
  }
  if (batch.empty()) return;
  // Everything queued goes in one frame (or a few, for very large batches).
  raftpb::Frame frame;
  size_t bytes = 0;
  auto emit = [&] {
    if (frame.batch().messages_size() == 0) return;
    peer->conn->Write(EncodeFrame(frame));
    peer->sent += frame.batch().messages_size();
    frame.Clear();
    bytes = 0;
  };
  for (const auto& m : batch) {
    ToProto(m, frame.mutable_batch()->add_messages());
    for (const auto& e : m.entries) bytes += e.data.size() + 32;
    if (bytes > options_.max_frame_bytes / 2) emit();
  }
  emit();
}

void Transport::Accept() {
  acceptor_.async_accept([this](asio::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopped_ && ec != asio::error::operation_aborted) {
        spdlog::warn("transport: accepting a peer connection failed: {}", ec.message());
        Accept();
      }
      return;
    }
    asio::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<Connection>(std::move(socket), options_.max_frame_bytes);
    pending_.push_back(conn);
    std::weak_ptr<Connection> weak = conn;
    conn->ReadLoop(
        [this, weak](const std::string& body) {
          auto c = weak.lock();
          if (c) Deliver(body, c.get());
        },
        [this, weak](const std::string& why) {
          auto c = weak.lock();
          if (!c) return;
          std::erase(pending_, c);
          if (auto peer = c->peer.lock(); peer && !c->snapshot_stream) {
            if (!c->closed() && !stopped_) {
              spdlog::info("transport: connection from peer {:x} ended: {}", peer->id.value(), why);
            }
            Detach(peer.get(), c.get());
          }
          c->Close();
        });
    Accept();
  });
}

std::shared_ptr<Transport::Connection> Transport::Pending(Connection* conn) const {
  for (const auto& p : pending_) {
    if (p.get() == conn) return p;
  }
  return nullptr;
}

void Transport::Deliver(const std::string& body, Connection* conn) {
  if (stopped_) return;
  raftpb::Frame frame;
  if (!frame.ParseFromString(body)) {
    spdlog::warn("transport: undecodable frame from {}; closing the connection",
                 conn->peer.lock() ? std::to_string(conn->peer.lock()->id.value()) : "an unidentified caller");
    conn->Close();
    return;
  }
  auto peer = conn->peer.lock();
  if (!peer) {
    // Only a Hello may come first.
    if (!frame.has_hello()) {
      spdlog::warn("transport: a caller spoke before saying hello; closing the connection");
      conn->Close();
      return;
    }
    if (auto p = Pending(conn)) OnHello(p, HelloOf(frame.hello()));
    return;
  }
  if (conn->snapshot_stream) {
    ReceiveSnapshot(frame, conn, peer.get());
    return;
  }
  switch (frame.body_case()) {
    case raftpb::Frame::kBatch:
      DeliverMessages(frame, peer.get());
      break;
    case raftpb::Frame::kPing: {
      raftpb::Frame pong;
      pong.mutable_pong()->set_sent_ns(frame.ping().sent_ns());
      conn->Write(EncodeFrame(pong));
      break;
    }
    case raftpb::Frame::kPong:
      peer->rtt = static_cast<double>(NowNs() - frame.pong().sent_ns()) / 1e9;
      if (options_.on_rtt) options_.on_rtt(peer->id, peer->rtt.load());
      break;
    default:
      break;
  }
}

void Transport::DeliverMessages(const raftpb::Frame& frame, Peer* peer) {
  for (const auto& pm : frame.batch().messages()) {
    Message m;
    Status s = FromProto(pm, &m);
    if (!s.ok() || m.to != options_.self || m.from != peer->id) {
      spdlog::warn("transport: dropping a bad message from peer {:x}: {}", peer->id.value(),
                   s.ok() ? "wrong sender or recipient" : s.message());
      continue;
    }
    ++peer->received;
    handler_->OnMessage(std::move(m));
  }
}

void Transport::OnHello(std::shared_ptr<Connection> conn, const Hello& hello) {
  std::erase(pending_, conn);
  if (hello.stream == raftpb::Hello::CLUSTER) {
    // A joining member: it cannot name itself or the cluster yet.
    if (!options_.describe_cluster) {
      ++refused_;
      conn->Close();
      return;
    }
    raftpb::Frame info;
    info.set_cluster_info(options_.describe_cluster());
    conn->Write(EncodeFrame(info), [conn] { conn->Close(); });
    return;
  }
  auto peer = peers_.Find(hello.from);
  std::string refuse;
  if (hello.cluster_id != options_.cluster_id) {
    refuse = "it belongs to cluster " + std::to_string(hello.cluster_id);
  } else if (hello.to != options_.self) {
    refuse = "it is for member " + std::to_string(hello.to.value());
  } else if (!peer) {
    refuse = "member " + std::to_string(hello.from.value()) + " is not a peer";
  }
  if (!refuse.empty()) {
    spdlog::warn("transport: refusing a peer connection: {}", refuse);
    ++refused_;
    conn->Close();
    return;
  }
  if (hello.stream == raftpb::Hello::SNAPSHOT) {
    // One frame with the snapshot, then an acknowledgement (see Deliver).
    conn->snapshot_stream = true;
    conn->set_limit(options_.max_snapshot_bytes);
    conn->peer = peer;
    pending_.push_back(conn);
    return;
  }
  Attach(peer, conn);
}

void Transport::Attach(std::shared_ptr<Peer> peer, std::shared_ptr<Connection> conn) {
  if (peer->removed) {
    conn->Close();
    return;
  }
  if (peer->conn && peer->conn != conn) peer->conn->Close();
  peer->conn = conn;
  conn->peer = peer;
  {
    std::lock_guard<std::mutex> lock(peer->mu);
    peer->connected_since_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch()).count();
    peer->connected = true;
  }
  std::weak_ptr<Peer> weak_peer = peer;
  conn->on_drained = [this, weak_peer] {
    if (auto p = weak_peer.lock()) Flush(p);
  };
  spdlog::info("transport: connected to peer {:x} at {}", peer->id.value(), peer->address);
}

void Transport::Detach(Peer* peer, Connection* conn) {
  if (peer->conn.get() != conn) return;
  peer->conn.reset();
  int64_t connected_since_ns;
  {
    std::lock_guard<std::mutex> lock(peer->mu);
    connected_since_ns = peer->connected_since_ns;
    peer->connected = false;
    peer->dropped += peer->queue.size();
    peer->queue.clear();
  }
  if (stopped_ || peer->removed) return;
  // A connection that lasted is redialed at once; one the peer ends as soon
  // as it is made (it refuses us: another member now, or another cluster)
  // only after the backoff, which keeps growing.
  const auto lasted =
      std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(connected_since_ns);
  if (lasted >= options_.max_backoff) peer->backoff = std::chrono::milliseconds(0);
  spdlog::info("transport: lost the connection to peer {:x}", peer->id.value());
  if (options_.self < peer->id) {
    auto p = peers_.Find(peer->id);
    if (p) ScheduleRedial(p);
  }
}

void Transport::ScheduleRedial(std::shared_ptr<Peer> peer) {
  peer->backoff = std::clamp(peer->backoff * 2, options_.min_backoff, options_.max_backoff);
  peer->redial.expires_after(peer->backoff);
  peer->redial.async_wait([this, peer](asio::error_code ec) {
    if (!ec && !stopped_) Dial(peer);
  });
}

void Transport::Dial(std::shared_ptr<Peer> peer) {
  if (peer->conn || peer->dialing || peer->removed || stopped_) return;
  auto ep = PeerEndpoint(peer->address);
  if (!ep.ok()) {
    spdlog::error("transport: cannot dial peer {:x}: {}", peer->id.value(), ep.status().message());
    return;
  }
  peer->dialing = true;
  auto socket = std::make_shared<tcp::socket>(io_);
  socket->async_connect(*ep, [this, peer, socket](asio::error_code ec) {
    peer->dialing = false;
    if (stopped_ || peer->removed) return;
    if (ec) {
      ScheduleRedial(peer);
      return;
    }
    asio::error_code ignored;
    socket->set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<Connection>(std::move(*socket), options_.max_frame_bytes);
    conn->Write(EncodeHello(Hello{options_.cluster_id, options_.self, peer->id, raftpb::Hello::MESSAGES}));
    Attach(peer, conn);
    std::weak_ptr<Connection> weak = conn;
    conn->ReadLoop(
        [this, weak](const std::string& body) {
          if (auto c = weak.lock()) Deliver(body, c.get());
        },
        [this, weak, peer](const std::string& why) {
          auto c = weak.lock();
          if (!c) return;
          if (!c->closed() && !stopped_) {
            spdlog::info("transport: connection to peer {:x} ended: {}", peer->id.value(), why);
          }
          c->Close();
          Detach(peer.get(), c.get());
        });
  });
}

void Transport::Probe() {
  if (stopped_) return;
  const auto now = std::chrono::steady_clock::now();
  for (auto& peer : peers_.All()) {
    if (!peer->conn) continue;
    if (now - peer->conn->last_heard() > 5 * options_.probe_interval) {
      spdlog::warn("transport: no word from peer {:x} for {} ms; reconnecting", peer->id.value(),
                   (5 * options_.probe_interval).count());
      auto conn = peer->conn;
      conn->Close();
      Detach(peer.get(), conn.get());
      continue;
    }
    raftpb::Frame ping;
    ping.mutable_ping()->set_sent_ns(NowNs());
    peer->conn->Write(EncodeFrame(ping));
  }
  probe_timer_.expires_after(options_.probe_interval);
  probe_timer_.async_wait([this](asio::error_code ec) {
    if (!ec) Probe();
  });
}

}  // namespace etcfs::consensus
