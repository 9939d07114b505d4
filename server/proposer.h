// Proposer: a write's way through Raft. Each request is proposed with this
// process's session and a request id, proposed again while it may have been
// lost, and answered once this member applied it (the apply path reports the
// outcome of this session's requests through Resolve).
//
// A proposal can vanish without a word: forwarded to a leader that steps
// down, or appended by one whose entries the next leader overwrites. So the
// same request (same id) is proposed again every election timeout until it
// is applied, and the apply path applies it once (AppliedRequests). A drop
// (no leader yet) is retried after a heartbeat.
//
// Nothing waits on a thread per request: Submit registers the request and
// returns; its answer is given to its callback exactly once, on the apply
// thread when it was applied (so a response leaves from where its entry was
// applied), or on the proposer's own timer thread when it failed (timeout,
// refusal, the caller's cancel). Write is Submit and a wait, for callers that
// have a thread to spare.
//
// Threads: Submit and Write from any thread; Resolve from the apply thread;
// the timer thread is the proposer's own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "base/result.h"
#include "etcfs/request.pb.h"
#include "kv/types.h"
#include "server/metrics.h"

namespace etcfs::server {

// What a write's request produced, once applied.
using WriteResponse = std::variant<std::monostate, kv::PutResponse, kv::DeleteRangeResponse, kv::TxnResponse,
                                   kv::LeaseGrantResponse, kv::LeaseRevokeResponse, std::vector<kv::AlarmMember>>;

// How long one write may wait, and whether its caller gave up.
struct WriteControl {
  // 0: --request-timeout.
  std::chrono::milliseconds timeout{0};
  // Polled while waiting (every 20 ms); true ends the wait with Cancelled.
  // The request may still be applied, as after a timeout.
  std::function<bool()> cancelled;
};

struct ProposerOptions {
  size_t max_request_bytes = 1536 * 1024;
  std::chrono::milliseconds request_timeout{7000};
  std::chrono::milliseconds election_timeout{1000};
  std::chrono::milliseconds heartbeat{100};
  // Hands an entry to Raft; `on_drop` hears (on the Raft loop) if it was
  // refused before being appended. Must not block.
  std::function<void(std::string data, std::function<void(const Status&)> on_drop)> propose;
  // Whether a leader is known (for the timeout's message).
  std::function<bool()> has_leader;
};

class Proposer {
 public:
  using Done = std::function<void(Result<WriteResponse>)>;

  Proposer(ProposerOptions options, NodeMetrics* metrics);
  // Fails what is still pending with Unavailable, then stops the timer thread.
  ~Proposer();
  Proposer(const Proposer&) = delete;
  Proposer& operator=(const Proposer&) = delete;

  // This process's proposer session, never 0.
  uint64_t session() const { return session_; }
  // Proposes `req`; `done` hears its outcome exactly once (see above).
  // Errors given to it: the store's (compacted, no space, ...),
  // ResourceExhausted (too large: at once, on the caller's thread),
  // Unavailable (no leader, stopping), Timeout, Cancelled.
  void Submit(requestpb::Request req, const WriteControl& control, Done done);
  // Submit, waiting for the outcome.
  Result<WriteResponse> Write(requestpb::Request req, const WriteControl& control);
  // The apply thread: request `id` of this session was applied with `result`.
  void Resolve(uint64_t id, Result<WriteResponse> result);

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::string data;  // the serialized request, for proposing again
    Done done;
    std::function<bool()> cancelled;
    Clock::time_point deadline;
    Clock::time_point repropose_at;
    std::optional<Status> dropped;  // the last proposal's drop, until proposed again
  };

  void Propose(uint64_t id, const std::string& data);
  // The timer thread: proposes again what may be lost, fails what timed out,
  // was refused or was given up.
  void Run();

  const ProposerOptions options_;
  NodeMetrics* const metrics_;
  const uint64_t session_;

  std::mutex mu_;
  std::condition_variable cv_;  // the timer thread waits on it
  // In flight, by request id; the first is the lowest this session awaits.
  std::map<uint64_t, Pending> pending_;  // guarded by mu_
  uint64_t next_id_ = 1;                 // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  std::thread timer_;
};

}  // namespace etcfs::server
