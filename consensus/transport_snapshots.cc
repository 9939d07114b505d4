// Transport: the snapshot stream. A snapshot travels on a connection of its
// own (so it never stalls heartbeats): a Hello of stream SNAPSHOT, one frame
// with the snapshot message, then the receiver's acknowledgement, and the
// connection closes. The handler hears whether it arrived.
#include <spdlog/spdlog.h>

#include "consensus/message_codec.h"
#include "consensus/peer_address.h"
#include "consensus/transport.h"

namespace etcfs::consensus {

void Transport::SendSnapshot(Message m) {
  const NodeId to = m.to;
  auto peer = peers_.Find(to);
  auto fail = [this, to](const std::string& why) {
    if (stopped_) return;
    spdlog::warn("transport: sending a snapshot to peer {:x} failed: {}", to.value(), why);
    handler_->OnSnapshotSent(to, false);
  };
  if (!peer) return fail("not a peer");
  auto ep = PeerEndpoint(peer->address);
  if (!ep.ok()) return fail(ep.status().message());
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  socket->async_connect(*ep, [this, m = std::move(m), socket, fail, to](asio::error_code ec) mutable {
    if (stopped_) return;
    if (ec) return fail(ec.message());
    auto conn = std::make_shared<Connection>(std::move(*socket), 1 << 10);  // the answer is an ack
    conn->Write(EncodeHello(Hello{options_.cluster_id, options_.self, to, raftpb::Hello::SNAPSHOT}));
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

void Transport::ReceiveSnapshot(const raftpb::Frame& frame, Connection* conn, Peer* peer) {
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
  if (auto keep = Pending(conn)) {
    conn->Write(EncodeFrame(ack), [this, keep] {
      keep->Close();
      std::erase(pending_, keep);
    });
  }
}

}  // namespace etcfs::consensus
