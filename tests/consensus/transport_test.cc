// The peer transport on real loopback sockets: one connection per pair
// carrying both directions, batching, bounded queues that drop and count,
// round-trip probes, refusal of strangers and oversized frames, snapshots on
// their own stream, and redialing after a peer restarts.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <thread>

#include "consensus/cluster_query.h"
#include "consensus/transport.h"

namespace etcfs::consensus {
namespace {

class RecordingHandler : public TransportHandler {
 public:
  void OnMessage(Message m) override {
    std::lock_guard<std::mutex> lock(mu);
    messages.push_back(std::move(m));
  }
  void OnUnreachable(NodeId) override { ++unreachable; }
  void OnSnapshotSent(NodeId, bool ok) override { (ok ? snapshots_ok : snapshots_failed)++; }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return messages.size();
  }
  std::mutex mu;
  std::vector<Message> messages;
  std::atomic<int> unreachable{0}, snapshots_ok{0}, snapshots_failed{0};
};

// A transport with its own io thread, stopped and joined on destruction.
struct Endpoint {
  Endpoint(uint64_t id, TransportOptions o, uint16_t port = 0) {
    o.self = NodeId(id);
    o.listen_address = "127.0.0.1:" + std::to_string(port);
    transport = std::make_unique<Transport>(io, o, &handler);
    Status s = transport->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    thread = std::thread([this] { io.run(); });
  }
  ~Endpoint() {
    transport->Stop();
    work.reset();
    io.stop();
    thread.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(transport->port()); }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  RecordingHandler handler;
  std::unique_ptr<Transport> transport;
  std::thread thread;
};

bool WaitFor(const std::function<bool()>& cond, double seconds = 10) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

Message Heartbeat(uint64_t from, uint64_t to, std::string ctx = "") {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = NodeId(from);
  m.to = NodeId(to);
  m.term = Term(3);
  m.context = std::move(ctx);
  return m;
}

void Connect(Endpoint& a, Endpoint& b) {
  a.transport->AddPeer(NodeId(2), b.address());
  b.transport->AddPeer(NodeId(1), a.address());
  ASSERT_TRUE(WaitFor([&] {
    return a.transport->Stats(NodeId(2)).connected && b.transport->Stats(NodeId(1)).connected;
  }));
}

TEST(Transport, MessagesFlowBothWaysOnOneConnection) {
  Endpoint a(1, {}), b(2, {});
  Connect(a, b);
  a.transport->Send({Heartbeat(1, 2, "ping")});
  b.transport->Send({Heartbeat(2, 1, "pong")});
  ASSERT_TRUE(WaitFor([&] { return a.handler.count() == 1 && b.handler.count() == 1; }));
  EXPECT_EQ("ping", b.handler.messages[0].context);
  EXPECT_EQ("pong", a.handler.messages[0].context);
  EXPECT_EQ(Term(3), b.handler.messages[0].term);
}

TEST(Transport, EntriesArriveIntactAndInOrder) {
  Endpoint a(1, {}), b(2, {});
  Connect(a, b);
  std::vector<Message> batch;
  for (int i = 0; i < 200; ++i) {
    Message m = Heartbeat(1, 2);
    m.type = MessageType::kApp;
    m.index = Index(i);
    m.entries.push_back(Entry{Term(3), Index(i + 1), EntryType::kNormal, std::string(i, 'x')});
    batch.push_back(m);
  }
  a.transport->Send(batch);
  ASSERT_TRUE(WaitFor([&] { return b.handler.count() == 200; }));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(batch[i], b.handler.messages[i]);
}

TEST(Transport, AFullQueueDropsAndCountsInsteadOfBlocking) {
  TransportOptions o;
  o.queue_messages = 4;
  Endpoint a(1, o), b(2, {});
  Connect(a, b);
  std::vector<Message> many(1000, Heartbeat(1, 2));
  a.transport->Send(many);  // returns at once
  ASSERT_TRUE(WaitFor([&] {
    auto st = a.transport->Stats(NodeId(2));
    return st.sent + st.dropped == 1000 && b.handler.count() == st.sent;
  }));
  EXPECT_GT(a.transport->Stats(NodeId(2)).dropped, 0u);
}

TEST(Transport, SendingToAPeerThatIsDownReportsItUnreachable) {
  Endpoint a(1, {});
  a.transport->AddPeer(NodeId(2), "127.0.0.1:1");  // nothing listens there
  a.transport->Send({Heartbeat(1, 2)});
  ASSERT_TRUE(WaitFor([&] { return a.handler.unreachable > 0; }));
  EXPECT_EQ(1u, a.transport->Stats(NodeId(2)).dropped);
}

TEST(Transport, RoundTripTimeIsMeasured) {
  TransportOptions o;
  o.probe_interval = std::chrono::milliseconds(20);
  Endpoint a(1, o), b(2, o);
  Connect(a, b);
  ASSERT_TRUE(WaitFor([&] { return a.transport->Stats(NodeId(2)).rtt_seconds > 0; }));
  EXPECT_LT(a.transport->Stats(NodeId(2)).rtt_seconds, 1.0);
}

TEST(Transport, ACallerFromAnotherClusterIsRefused) {
  TransportOptions other;
  other.cluster_id = 99;
  Endpoint a(1, other), b(2, {});
  a.transport->AddPeer(NodeId(2), b.address());
  b.transport->AddPeer(NodeId(1), a.address());
  ASSERT_TRUE(WaitFor([&] { return b.transport->refused_connections() > 0; }));
  EXPECT_FALSE(b.transport->Stats(NodeId(1)).connected);
  EXPECT_EQ(0u, b.handler.count());
}

// A peer that takes the connection and then refuses it (here: it is another
// member than the one dialed) is redialed with a growing backoff, not every
// 50 ms with two log lines each time. Without the backoff, 1.5 s holds
// about 30 refusals; with it, 6 at most (50, 100, 200, 400, 800 ms apart).
TEST(Transport, APeerThatRefusesUsIsRedialedWithAGrowingBackoff) {
  Endpoint a(1, {}), b(3, {});
  a.transport->AddPeer(NodeId(2), b.address());
  ASSERT_TRUE(WaitFor([&] { return b.transport->refused_connections() > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_LE(b.transport->refused_connections(), 7u);
  EXPECT_FALSE(a.transport->Stats(NodeId(2)).connected);
}

TEST(Transport, AnOversizedFrameClosesTheConnection) {
  TransportOptions small;
  small.max_frame_bytes = 1024;
  Endpoint a(1, {}), b(2, small);
  Connect(a, b);
  Message big = Heartbeat(1, 2);
  big.type = MessageType::kApp;
  big.entries.push_back(Entry{Term(3), Index(1), EntryType::kNormal, std::string(10000, 'z')});
  a.transport->Send({big});
  ASSERT_TRUE(WaitFor([&] { return !b.transport->Stats(NodeId(1)).connected; }));
  EXPECT_EQ(0u, b.handler.count());
  // The dialer comes back, and small messages flow again.
  ASSERT_TRUE(WaitFor([&] { return a.transport->Stats(NodeId(2)).connected; }));
  ASSERT_TRUE(WaitFor([&] {
    a.transport->Send({Heartbeat(1, 2)});
    return b.handler.count() > 0;
  }));
}

TEST(Transport, ASnapshotTravelsOnItsOwnStream) {
  Endpoint a(1, {}), b(2, {});
  Connect(a, b);
  Message snap = Heartbeat(1, 2);
  snap.type = MessageType::kSnap;
  snap.snapshot = Snapshot{SnapshotMeta{Index(500), Term(3), ConfState{{NodeId(1), NodeId(2)}, {}}},
                           std::string(4 << 20, 's')};  // over the message stream's usual batches
  a.transport->Send({snap, Heartbeat(1, 2, "alongside")});
  ASSERT_TRUE(WaitFor([&] { return a.handler.snapshots_ok == 1; }));
  ASSERT_TRUE(WaitFor([&] { return b.handler.count() == 2; }));
  bool got_snapshot = false;
  for (const auto& m : b.handler.messages) {
    if (m.type == MessageType::kSnap) {
      got_snapshot = true;
      EXPECT_EQ(snap.snapshot, m.snapshot);
    }
  }
  EXPECT_TRUE(got_snapshot);
  EXPECT_TRUE(b.transport->Stats(NodeId(1)).connected) << "the message stream is untouched";
}

TEST(Transport, TheDialerReconnectsAfterThePeerRestarts) {
  TransportOptions o;
  o.min_backoff = std::chrono::milliseconds(10);
  o.max_backoff = std::chrono::milliseconds(50);
  Endpoint a(1, o);
  uint16_t port;
  {
    Endpoint b(2, o);
    Connect(a, b);
    port = b.transport->port();
  }
  ASSERT_TRUE(WaitFor([&] { return !a.transport->Stats(NodeId(2)).connected; }));
  Endpoint b2(2, o, port);
  b2.transport->AddPeer(NodeId(1), a.address());
  ASSERT_TRUE(WaitFor([&] { return a.transport->Stats(NodeId(2)).connected; }));
  ASSERT_TRUE(WaitFor([&] {
    a.transport->Send({Heartbeat(1, 2)});
    return b2.handler.count() > 0;
  }));
}

TEST(Transport, AJoiningMemberLearnsAboutTheClusterFromAnyMember) {
  TransportOptions o;
  o.describe_cluster = [] { return std::string("members: 1, 2"); };
  Endpoint member(1, o);
  auto answer = QueryCluster(member.address(), std::chrono::seconds(5));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ("members: 1, 2", *answer);

  // A member that does not answer such queries refuses them clearly.
  Endpoint silent(3, TransportOptions{});
  auto refused = QueryCluster(silent.address(), std::chrono::seconds(5));
  EXPECT_EQ(StatusCode::kUnavailable, refused.status().code());
  EXPECT_NE(std::string::npos, refused.status().message().find("refused")) << refused.status().ToString();
  // And nobody listening at all is Unavailable too, naming the address.
  const std::string gone = silent.address();
  auto nobody = QueryCluster("127.0.0.1:1", std::chrono::seconds(5));
  EXPECT_EQ(StatusCode::kUnavailable, nobody.status().code());
  EXPECT_NE(std::string::npos, nobody.status().message().find("127.0.0.1:1"));
}

TEST(Transport, AnAddressInUseIsAClearError) {
  Endpoint a(1, {});
  asio::io_context io;
  RecordingHandler h;
  TransportOptions o;
  o.self = NodeId(2);
  o.listen_address = a.address();
  Transport t(io, o, &h);
  Status s = t.Start();
  EXPECT_EQ(StatusCode::kUnavailable, s.code());
  EXPECT_NE(std::string::npos, s.message().find("another process uses it"));
}

}  // namespace
}  // namespace etcfs::consensus
