#include "server/leader_link.h"

#include <condition_variable>
#include <deque>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace etcfs::server {

// One keep-alive stream to one leader. It holds itself until gRPC is done
// with it (OnDone), so that dropping it never waits; whoever renews through
// it shares it meanwhile.
class LeaderLink::Stream final
    : public grpc::ClientBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse> {
 public:
  static std::shared_ptr<Stream> Open(uint64_t leader, const std::string& target) {
    std::shared_ptr<Stream> stream(new Stream(leader, target));
    stream->self_ = stream;
    stream->stub_->async()->LeaseKeepAlive(&stream->ctx_, stream.get());
    stream->StartRead(&stream->response_);
    stream->StartCall();
    return stream;
  }

  uint64_t leader() const { return leader_; }

  // Queues a renewal; false when the stream already ended.
  bool Renew(int64_t id, Done done) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return false;
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(id);
    to_write_.push_back(std::move(req));
    waiting_.push_back(std::move(done));
    if (!writing_) {
      writing_ = true;
      StartWrite(&to_write_.front());
    }
    return true;
  }

  // Ends the stream: what waits hears Unavailable.
  void Cancel() { ctx_.TryCancel(); }
  // Waits until gRPC is done with the stream.
  void AwaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_; });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    to_write_.pop_front();
    if (!ok || to_write_.empty()) {
      writing_ = false;  // a failed write: OnDone follows
      return;
    }
    StartWrite(&to_write_.front());
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    Done done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (waiting_.empty()) {
        spdlog::warn("etcfsd: the leader answered a lease renewal nobody asked for; ignoring it");
      } else {
        done = std::move(waiting_.front());
        waiting_.pop_front();
      }
    }
    const int64_t ttl = response_.ttl();
    StartRead(&response_);
    if (done) done(ttl);
  }

  void OnDone(const grpc::Status& status) override {
    std::deque<Done> failed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      failed.swap(waiting_);
    }
    if (!failed.empty()) {
      spdlog::info("etcfsd: the lease stream to leader {:x} ended ({}); {} renewals answered as unavailable",
                   leader_, status.error_message(), failed.size());
    }
    for (auto& done : failed) done(Status::Unavailable("etcdserver: leader changed"));
    std::shared_ptr<Stream> last;
    std::lock_guard<std::mutex> lock(mu_);
    last = std::move(self_);  // released after the lock
    done_ = true;
    done_cv_.notify_all();
  }

 private:
  Stream(uint64_t leader, const std::string& target)
      : leader_(leader),
        channel_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
        stub_(etcdserverpb::Lease::NewStub(channel_)) {}

  const uint64_t leader_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::Lease::Stub> stub_;
  grpc::ClientContext ctx_;
  etcdserverpb::LeaseKeepAliveResponse response_;  // the read in flight

  std::mutex mu_;
  std::condition_variable done_cv_;
  std::deque<etcdserverpb::LeaseKeepAliveRequest> to_write_;  // front in flight when writing_; guarded by mu_
  std::deque<Done> waiting_;                                   // in the order written; guarded by mu_
  bool writing_ = false;                                       // guarded by mu_
  bool ended_ = false;                                         // no more renewals; guarded by mu_
  bool done_ = false;                                          // gRPC is done with it; guarded by mu_
  std::shared_ptr<Stream> self_;                               // until OnDone; guarded by mu_
};

namespace {

// The leader's client address, empty when unknown (or when it is this
// member, which would forward to itself).
std::string LeaderTarget(Node* node, uint64_t leader) {
  if (leader == 0 || leader == node->member_id()) return "";
  for (const auto& m : node->Members()) {
    if (m.id() != leader || m.clienturls_size() == 0) continue;
    std::string url = m.clienturls(0);
    if (url.rfind("http://", 0) == 0) url = url.substr(7);
    return url;
  }
  return "";
}

}  // namespace

LeaderLink::~LeaderLink() { Close(); }

void LeaderLink::Close() {
  std::shared_ptr<Stream> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    last = std::move(stream_);
  }
  if (last) {
    last->Cancel();
    last->AwaitDone();
  }
}

void LeaderLink::Renew(int64_t id, Done done) {
  const uint64_t leader = node_->leader();
  std::shared_ptr<Stream> old;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<Stream> stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) break;
      if (!stream_ || stream_->leader() != leader) {
        const std::string target = LeaderTarget(node_, leader);
        if (target.empty()) break;
        old = std::move(stream_);
        stream_ = Stream::Open(leader, target);
      }
      stream = stream_;
    }
    if (old) {
      // The former leader's stream: its waiting renewals fail, and it goes.
      old->Cancel();
      old.reset();
    }
    if (stream->Renew(id, done)) return;
    // It had ended (the leader went away meanwhile): a new one, once.
    std::lock_guard<std::mutex> lock(mu_);
    if (stream_ == stream) stream_.reset();
  }
  bool closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed = closed_;
  }
  done(Status::Unavailable(closed         ? "etcdserver: server stopped"
                           : leader == 0 ? "etcdserver: no leader"
                                         : "etcdserver: leader changed"));
}

}  // namespace etcfs::server
