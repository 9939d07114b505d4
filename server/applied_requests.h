// AppliedRequests: which client requests the store has applied, so that a
// request proposed more than once (a proposer re-proposes while a leader
// change may have lost its first copy) changes the store once.
//
// As LogCabin's client sessions: each proposer (one etcfsd process) numbers
// its requests 1, 2, 3... within a session of its own, and every request
// carries the lowest number the proposer still waits for. Below that number
// nothing is applied any more (the proposer has its answer, or gave up and
// told its client the outcome is unknown); at or above it, the numbers
// applied are kept, as intervals (they are nearly contiguous). So a session
// holds about as many numbers as the proposer has requests in flight, however
// fast it writes.
//
// A session's state is store metadata, written in the same batch as the
// effects (once per batch, not per request), so it is exactly as durable as
// the change and travels in store images to members that catch up by
// snapshot. Sessions are evicted least recently used first beyond
// kMaxSessions; the decision uses only the log, so every member keeps the
// same sessions. (A live session is used with each of its writes; only a
// process long gone is ever evicted.)
//
// Threads: used by the apply path only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "store/apply_batch.h"
#include "store/store.h"

namespace etcfs::server {

class AppliedRequests {
 public:
  // Sessions kept; one is a process lifetime of a member.
  static constexpr size_t kMaxSessions = 1024;

  // Loads the sessions from the store (at start, and after an image install).
  Status Load(const store::Store& store);
  // Whether request `id` of `session` was applied already (or will never be:
  // it is below what its proposer still waits for). If not, it is recorded.
  // `first_outstanding`: the lowest id its proposer waited for when it
  // proposed; `index`: the entry's Raft index. Session 0 is never a duplicate.
  bool CheckAndRecord(uint64_t session, uint64_t id, uint64_t first_outstanding, uint64_t index);
  // Writes the sessions changed since the last Flush into `batch`, and
  // evicts beyond kMaxSessions. Call once per batch, before its commit.
  void Flush(store::ApplyBatch& batch);

  size_t sessions() const { return sessions_.size(); }
  // Numbers held for `session` (applied at or above its floor).
  size_t held(uint64_t session) const;

 private:
  struct Session {
    uint64_t floor = 0;                // below it, nothing is applied any more
    std::map<uint64_t, uint64_t> applied;  // [first, last] intervals at or above floor
    uint64_t last_index = 0;           // the newest entry of this session
  };
  static std::string Encode(const Session& s);
  static bool Decode(std::string_view in, Session* s);

  std::unordered_map<uint64_t, Session> sessions_;
  std::set<uint64_t> dirty_;  // changed since the last Flush
};

}  // namespace etcfs::server
