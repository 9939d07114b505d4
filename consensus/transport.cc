#include "consensus/transport.h"

#include <future>

#include <spdlog/spdlog.h>

#include "consensus/message_codec.h"
#include "raft.pb.h"

namespace etcfs::consensus {

struct HelloInfo {
  uint64_t cluster_id;
  NodeId from;
  NodeId to;
  raftpb::Hello::Stream stream;
};

namespace {

using asio::ip::tcp;

Result<tcp::endpoint> ParseAddress(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("address '" + address + "' has no port; expected host:port");
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host.empty()) host = "127.0.0.1";
  asio::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("address '" + address + "': '" + host + "' is not an IP address");
  char* end = nullptr;
  const long port = std::strtol(address.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Status::InvalidArgument("address '" + address + "' has a bad port");
  }
  return tcp::endpoint(ip, static_cast<uint16_t>(port));
}

std::string EncodeFrame(const raftpb::Frame& frame) {
  std::string body;
  frame.SerializeToString(&body);
  std::string out(4, '\0');
  const uint32_t n = static_cast<uint32_t>(body.size());
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  return out + body;
}

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

// One TCP connection, on the io thread only.
class Transport::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, size_t limit) : socket(std::move(socket)), limit(limit) {}

  // Reads frames until an error; calls `on_frame` with each body.
  void ReadLoop(std::function<void(const std::string&)> on_frame,
                std::function<void(const std::string&)> on_error) {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(header, 4), [self, on_frame, on_error](asio::error_code ec, size_t) {
      if (ec) return on_error(ec.message());
      const uint32_t n = (uint32_t(uint8_t(self->header[0])) << 24) | (uint32_t(uint8_t(self->header[1])) << 16) |
                         (uint32_t(uint8_t(self->header[2])) << 8) | uint32_t(uint8_t(self->header[3]));
      if (n > self->limit) {
        return on_error("a frame of " + std::to_string(n) + " bytes, over the limit of " +
                        std::to_string(self->limit));
      }
      self->body.resize(n);
      asio::async_read(self->socket, asio::buffer(self->body), [self, on_frame, on_error](asio::error_code ec, size_t) {
        if (ec) return on_error(ec.message());
        self->last_heard = std::chrono::steady_clock::now();
        on_frame(self->body);
        if (!self->closed) self->ReadLoop(on_frame, on_error);
      });
    });
  }

  void Write(std::string frame, std::function<void()> on_done = nullptr) {
    out.emplace_back(std::move(frame), std::move(on_done));
    if (!writing) DoWrite();
  }

  void Close() {
    if (closed) return;
    closed = true;
    asio::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  bool idle() const { return !writing && out.empty(); }

  tcp::socket socket;
  size_t limit;
  std::weak_ptr<Peer> peer;
  bool snapshot_stream = false;  // accepted for one snapshot, then closed
  bool closed = false;
  std::chrono::steady_clock::time_point last_heard = std::chrono::steady_clock::now();
  // Called when the write queue drains, to fetch more (the peer's batch).
  std::function<void()> on_drained;

 private:
  void DoWrite() {
    if (out.empty() || closed) {
      writing = false;
      if (on_drained && !closed) on_drained();
      return;
    }
    writing = true;
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out.front().first), [self](asio::error_code ec, size_t) {
      auto done = std::move(self->out.front().second);
      self->out.pop_front();
      if (ec) {
        self->writing = false;
        self->Close();
        return;
      }
      if (done) done();
      self->DoWrite();
    });
  }

  char header[4];
  std::string body;
  std::deque<std::pair<std::string, std::function<void()>>> out;
  bool writing = false;
};

struct Transport::Peer {
  Peer(asio::io_context& io, NodeId id, std::string address)
      : id(id), address(std::move(address)), redial(io) {}
  NodeId id;
  std::string address;
  std::mutex mu;
  std::deque<Message> queue;  // guarded by mu
  bool flush_posted = false;  // guarded by mu
  // io thread only:
  std::shared_ptr<Connection> conn;
  bool dialing = false;
  bool removed = false;
  std::chrono::milliseconds backoff{0};
  asio::steady_timer redial;
  std::chrono::steady_clock::time_point last_unreachable_report;
  // any thread:
  std::atomic<uint64_t> sent{0}, received{0}, dropped{0};
  std::atomic<double> rtt{0};
  std::atomic<bool> connected{false};
  std::atomic<int64_t> connected_since_ns{0};  // steady clock; valid while connected
};

Transport::Transport(asio::io_context& io, TransportOptions options, TransportHandler* handler)
    : io_(io), options_(std::move(options)), handler_(handler), acceptor_(io), probe_timer_(io) {
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.self) peers_[id] = std::make_shared<Peer>(io_, id, addr);
  }
}

Transport::~Transport() = default;

Status Transport::Start() {
  ETCFS_ASSIGN_OR_RETURN(tcp::endpoint ep, ParseAddress(options_.listen_address));
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
    std::vector<std::shared_ptr<Peer>> peers;
    {
      std::lock_guard<std::mutex> lock(peers_mu_);
      for (auto& [id, peer] : peers_) peers.push_back(peer);
    }
    for (auto& peer : peers) {
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
    std::lock_guard<std::mutex> lock(peers_mu_);
    for (auto& [id, peer] : peers_) {
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

std::shared_ptr<Transport::Peer> Transport::FindPeer(NodeId id) const {
  std::lock_guard<std::mutex> lock(peers_mu_);
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

void Transport::AddPeer(NodeId id, const std::string& address) {
  if (id == options_.self) return;
  auto peer = std::make_shared<Peer>(io_, id, address);
  {
    std::lock_guard<std::mutex> lock(peers_mu_);
    if (peers_.count(id)) return;
    peers_[id] = peer;
  }
  asio::post(io_, [this, peer] {
    if (options_.self < peer->id) Dial(peer);
  });
}

void Transport::RemovePeer(NodeId id) {
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard<std::mutex> lock(peers_mu_);
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    peer = it->second;
    peers_.erase(it);
  }
  asio::post(io_, [peer] {
    peer->removed = true;
    peer->redial.cancel();
    if (peer->conn) peer->conn->Close();
    peer->conn.reset();
    peer->connected = false;
  });
}

Transport::PeerStats Transport::Stats(NodeId id) const {
  auto peer = FindPeer(id);
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
    auto peer = FindPeer(m.to);
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
        auto peer = FindPeer(id);
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
            if (!c->closed && !stopped_) {
              spdlog::info("transport: connection from peer {:x} ended: {}", peer->id.value(), why);
            }
            Detach(peer.get(), c.get());
          }
          c->Close();
        });
    Accept();
  });
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
    const auto& h = frame.hello();
    HelloInfo hello{h.cluster_id(), NodeId(h.from()), NodeId(h.to()), h.stream()};
    for (auto& p : pending_) {
      if (p.get() == conn) {
        OnHello(p, hello);
        break;
      }
    }
    return;
  }
  if (conn->snapshot_stream) {
    Message m;
    const bool ok = frame.has_batch() && frame.batch().messages_size() == 1 &&
                    FromProto(frame.batch().messages(0), &m).ok() && m.type == MessageType::kSnap &&
                    m.to == options_.self && m.from == peer->id;
    if (ok) {
      ++peer->received;
      handler_->OnMessage(std::move(m));
    }
    raftpb::Frame ack;
    ack.mutable_snapshot_ack()->set_ok(ok);
    for (auto& p : pending_) {
      if (p.get() != conn) continue;
      auto keep = p;
      conn->Write(EncodeFrame(ack), [this, keep] {
        keep->Close();
        std::erase(pending_, keep);
      });
      break;
    }
    return;
  }
  switch (frame.body_case()) {
    case raftpb::Frame::kBatch:
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

void Transport::OnHello(std::shared_ptr<Connection> conn, const HelloInfo& hello) {
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
  auto peer = FindPeer(hello.from);
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
    conn->limit = options_.max_snapshot_bytes;
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
  peer->backoff = std::chrono::milliseconds(0);
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
  {
    std::lock_guard<std::mutex> lock(peer->mu);
    peer->connected = false;
    peer->dropped += peer->queue.size();
    peer->queue.clear();
  }
  if (stopped_ || peer->removed) return;
  spdlog::info("transport: lost the connection to peer {:x}", peer->id.value());
  if (options_.self < peer->id) {
    auto p = FindPeer(peer->id);
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
  auto ep = ParseAddress(peer->address);
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
    raftpb::Frame hello;
    hello.mutable_hello()->set_cluster_id(options_.cluster_id);
    hello.mutable_hello()->set_from(options_.self.value());
    hello.mutable_hello()->set_to(peer->id.value());
    hello.mutable_hello()->set_stream(raftpb::Hello::MESSAGES);
    conn->Write(EncodeFrame(hello));
    Attach(peer, conn);
    std::weak_ptr<Connection> weak = conn;
    conn->ReadLoop(
        [this, weak](const std::string& body) {
          if (auto c = weak.lock()) Deliver(body, c.get());
        },
        [this, weak, peer](const std::string& why) {
          auto c = weak.lock();
          if (!c) return;
          if (!c->closed && !stopped_) {
            spdlog::info("transport: connection to peer {:x} ended: {}", peer->id.value(), why);
          }
          c->Close();
          Detach(peer.get(), c.get());
        });
  });
}

void Transport::SendSnapshot(Message m) {
  const NodeId to = m.to;
  auto peer = FindPeer(to);
  auto fail = [this, to](const std::string& why) {
    if (stopped_) return;
    spdlog::warn("transport: sending a snapshot to peer {:x} failed: {}", to.value(), why);
    handler_->OnSnapshotSent(to, false);
  };
  if (!peer) return fail("not a peer");
  auto ep = ParseAddress(peer->address);
  if (!ep.ok()) return fail(ep.status().message());
  auto socket = std::make_shared<tcp::socket>(io_);
  socket->async_connect(*ep, [this, m = std::move(m), socket, fail, to](asio::error_code ec) mutable {
    if (stopped_) return;
    if (ec) return fail(ec.message());
    auto conn = std::make_shared<Connection>(std::move(*socket), 1 << 10);
    raftpb::Frame hello;
    hello.mutable_hello()->set_cluster_id(options_.cluster_id);
    hello.mutable_hello()->set_from(options_.self.value());
    hello.mutable_hello()->set_to(to.value());
    hello.mutable_hello()->set_stream(raftpb::Hello::SNAPSHOT);
    conn->Write(EncodeFrame(hello));
    raftpb::Frame body;
    ToProto(m, body.mutable_batch()->add_messages());
    conn->Write(EncodeFrame(body));
    auto answered = std::make_shared<bool>(false);
    conn->ReadLoop(
        [this, conn, to, answered, fail](const std::string& frame_bytes) {
          raftpb::Frame ack;
          *answered = true;
          const bool ok = ack.ParseFromString(frame_bytes) && ack.has_snapshot_ack() && ack.snapshot_ack().ok();
          conn->Close();
          if (stopped_) return;
          if (!ok) return fail("the peer refused it");
          handler_->OnSnapshotSent(to, true);
        },
        [conn, answered, fail](const std::string& why) {
          conn->Close();
          if (!*answered) fail(why);
        });
  });
}

Result<std::string> Transport::QueryCluster(const std::string& address, std::chrono::milliseconds timeout) {
  ETCFS_ASSIGN_OR_RETURN(tcp::endpoint ep, ParseAddress(address));
  asio::io_context io;
  tcp::socket socket(io);
  std::string error = "no answer within " + std::to_string(timeout.count()) + " ms";
  std::string answer;
  bool answered = false;
  char header[4];
  std::string body;
  raftpb::Frame hello;
  hello.mutable_hello()->set_stream(raftpb::Hello::CLUSTER);
  const std::string hello_bytes = EncodeFrame(hello);
  socket.async_connect(ep, [&](asio::error_code ec) {
    if (ec) {
      error = ec.message();
      return;
    }
    asio::async_write(socket, asio::buffer(hello_bytes), [&](asio::error_code ec, size_t) {
      if (ec) {
        error = ec.message();
        return;
      }
      asio::async_read(socket, asio::buffer(header, 4), [&](asio::error_code ec, size_t) {
        if (ec) {
          error = ec == asio::error::eof ? "the member refused the query" : ec.message();
          return;
        }
        const uint32_t n = (uint32_t(uint8_t(header[0])) << 24) | (uint32_t(uint8_t(header[1])) << 16) |
                           (uint32_t(uint8_t(header[2])) << 8) | uint32_t(uint8_t(header[3]));
        if (n > (64u << 20)) {
          error = "an oversized answer";
          return;
        }
        body.resize(n);
        asio::async_read(socket, asio::buffer(body), [&](asio::error_code ec, size_t) {
          raftpb::Frame frame;
          if (ec || !frame.ParseFromString(body) || !frame.has_cluster_info()) {
            error = ec ? ec.message() : "a malformed answer";
            return;
          }
          answer = frame.cluster_info();
          answered = true;
        });
      });
    });
  });
  io.run_for(timeout);
  if (!answered) return Status::Unavailable("asking the member at " + address + " about its cluster: " + error);
  return answer;
}

void Transport::Probe() {
  if (stopped_) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Peer>> peers;
  {
    std::lock_guard<std::mutex> lock(peers_mu_);
    for (auto& [id, p] : peers_) peers.push_back(p);
  }
  for (auto& peer : peers) {
    if (!peer->conn) continue;
    if (now - peer->conn->last_heard > 5 * options_.probe_interval) {
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
