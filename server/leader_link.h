// LeaderLink: a follower's way to renew its clients' leases. Only the
// leader's lessor tracks expiry, so a follower forwards each keep-alive to
// the leader's client port, as etcd forwards them to its leader: over one
// stream shared by all of this member's clients, opened when first needed
// and again when the leader changes. The leader answers a stream's requests
// in the order they came, so answers are matched to requests first in,
// first out.
//
// Threads: Renew from any thread; `done` runs on a gRPC thread, or on the
// caller's when the leader is unknown.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "base/result.h"
#include "server/node.h"

namespace etcfs::server {

class LeaderLink {
 public:
  // What a renewal produced: the lease's TTL (0: unknown lease), or
  // Unavailable when the leader is unknown or its stream broke (the client
  // tries again, as with etcd).
  using Done = std::function<void(Result<int64_t>)>;

  explicit LeaderLink(Node* node) : node_(node) {}
  // Ends the stream; renewals still waiting hear Unavailable first.
  ~LeaderLink();
  LeaderLink(const LeaderLink&) = delete;
  LeaderLink& operator=(const LeaderLink&) = delete;

  void Renew(int64_t id, Done done);
  // Answers what waits, and every later renewal, with Unavailable: before
  // the server shuts down, which waits for every keep-alive stream to end,
  // and a leader that never answers (stopped, cut off) would hold it.
  void Close();

 private:
  class Stream;

  Node* const node_;
  std::mutex mu_;
  std::shared_ptr<Stream> stream_;  // to the leader it was opened for; guarded by mu_
  bool closed_ = false;             // guarded by mu_
};

}  // namespace etcfs::server
