// WatchHub: fans committed changes out to watchers of a key or a range.
//
// A watcher is "synced" when it has everything up to the last committed
// revision: new batches are handed to it directly, on the apply thread. A
// watcher that starts in the past, or whose sink refuses an update because it
// is full, is "unsynced": a catch-up task on the background executor replays
// stored history to it, in chunks, without holding up writers or other
// watchers, until it is synced again. Every watcher gets each matching event
// once, in revision order. A watcher whose next revision has been compacted
// gets one update with `canceled` and the compact revision, and is removed.
//
// Threads: all methods are thread-safe. Sinks are called with the hub's lock
// held: they must not block and must not call back into the hub.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/executor.h"
#include "store/db.h"
#include "store/read_state.h"
#include "kv/types.h"

namespace etcfs::store {

using WatchId = int64_t;

struct WatchRequest {
  std::string key;
  std::string range_end;  // as in kv::RangeRequest
  int64_t start_revision = 0;  // <= 0: from the next revision
  bool prev_kv = false;
  bool filter_put = false;     // etcd's NOPUT
  bool filter_delete = false;  // etcd's NODELETE
  int64_t tag = 0;             // the caller's own id for the watch, echoed in every update
};

// An event as the hub hands it out: built once per revision and shared by
// every watcher it goes to. Its prev_kv is there when any watcher asked for
// previous values; an update says whether its watcher did (prev_kv).
using SharedEvent = std::shared_ptr<const kv::Event>;

struct WatchUpdate {
  WatchId id = 0;
  int64_t tag = 0;                  // WatchRequest::tag
  std::vector<SharedEvent> events;  // in revision order; may be empty (progress)
  bool prev_kv = false;             // the watcher wants events' previous values
  int64_t revision = 0;             // the watcher has seen everything up to here
  bool canceled = false;
  int64_t compact_revision = 0;     // with canceled: history the watcher needed is gone

  // The watcher's view of event `i`: without prev_kv unless it asked.
  kv::Event EventAt(size_t i) const;
};

class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // Takes an update. Returns false to refuse it (buffer full); the hub then
  // replays the same events later from history. Called with the hub's lock
  // held: must not block or call into the hub.
  virtual bool Deliver(WatchUpdate&& update) = 0;
};

class WatchHub {
 public:
  using StateFn = std::function<std::shared_ptr<const ReadState>()>;
  // `state` gives the latest published store state; `db` and `background`
  // must outlive the hub.
  WatchHub(const Db* db, StateFn state, Executor* background);
  ~WatchHub();  // waits for a running catch-up task

  // Registers a watcher. Its updates go to `sink`, which must stay valid until
  // Cancel(id) returns or a canceled update has been delivered.
  WatchId Watch(const WatchRequest& req, WatchSink* sink);
  // Removes a watcher; no update reaches its sink after this returns.
  // Returns false when there was no such watcher.
  bool Cancel(WatchId id);
  // Sends the watcher an empty update at the current revision if it is synced
  // (etcd's progress notification). Returns whether it was sent.
  bool RequestProgress(WatchId id);
  // etcd 3.4's progress for a whole stream: the revision every update up to
  // which was already delivered to all of `ids`, or nullopt when one of them
  // is still catching up (then no progress is sent, as etcd).
  std::optional<int64_t> ProgressRevision(const std::vector<WatchId>& ids) const;

  bool HasWatchers() const;
  size_t WatcherCount() const;

  // From the apply thread after a commit: revisions [first, last] are now
  // readable. `events` holds their events when the batch gathered them (they
  // are moved out); when null, watchers that need those revisions are caught
  // up from history.
  void Notify(int64_t first, int64_t last, std::vector<kv::Event>* events);

 private:
  struct Watcher {
    WatchId id;
    WatchRequest req;
    WatchSink* sink;
    int64_t next_rev;  // the first revision not yet delivered
    bool synced;
    // Notify's: the round that last gave this watcher events, and where.
    uint64_t notify_round = 0;
    size_t notify_slot = 0;
    bool Matches(const kv::Event& ev) const;
  };

  void AddSynced(Watcher* w);   // REQUIRES: mu_ held
  void RemoveSynced(Watcher* w);  // REQUIRES: mu_ held
  void MakeUnsynced(Watcher* w);  // REQUIRES: mu_ held
  void ScheduleCatchUp();       // REQUIRES: mu_ held
  void CatchUp();
  // One round of catch-up; returns false when there is nothing more to do now.
  bool CatchUpRound();

  const Db* db_;
  StateFn state_;
  Executor* background_;

  mutable std::mutex mu_;
  std::unordered_map<WatchId, std::unique_ptr<Watcher>> watchers_;  // guarded by mu_
  // Synced watchers of a single key, by key; synced range watchers.
  std::unordered_map<std::string, std::vector<Watcher*>> synced_keys_;  // guarded by mu_
  std::vector<Watcher*> synced_ranges_;                                 // guarded by mu_
  uint64_t notify_round_ = 0;                                           // guarded by mu_
  size_t unsynced_ = 0;             // guarded by mu_
  WatchId next_id_ = 1;             // guarded by mu_
  int64_t notified_rev_;            // guarded by mu_: last revision handed to Notify
  bool catch_up_running_ = false;   // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::condition_variable idle_cv_;
};

}  // namespace etcfs::store
