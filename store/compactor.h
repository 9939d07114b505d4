// Compactor: removes, in the background, the key versions that a Compact made
// unreachable. Compacting at revision C keeps, for every key, its newest
// version at or below C unless that version is a delete, and every version
// above C. As in etcd 3.4, a delete at exactly C goes too: a watch from C does
// not see it (a range at C never could). Nothing else a read or watch at or
// above C could return is removed.
//
// It works in steps of options.compaction_batch_limit records, each one write
// batch that removes a key's older versions no later than its tombstone, so
// readers at any allowed revision see a correct state throughout. Progress is
// persisted (kMetaCompactDoneKey); after a crash the work resumes at Open.
//
// Threads: Schedule from the apply thread; the work runs on the background
// executor; Wait from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "base/status.h"
#include "store/key_codec.h"

namespace etcfs::store {

class Store;

class Compactor {
 public:
  Compactor(Store* store, int64_t done);
  ~Compactor();  // waits for a running step to finish

  // Starts work up to the store's published compact revision, if not running.
  void Schedule();
  // Blocks until everything scheduled is done (or has failed).
  Status Wait();
  // The revision up to which records have been removed.
  int64_t done() const;

  // Runs `fn` with compaction held between steps, once everything scheduled
  // is done: `fn` sees a database whose physical state is exactly the one the
  // compact revision prescribes.
  Status RunIdle(const std::function<Status(int64_t done)>& fn);
  // Restarts the bookkeeping after the store's contents were replaced
  // wholesale (Store::InstallImage, from inside RunIdle).
  void Reset(int64_t done);

 private:
  void Run();
  // Removes what compaction at `target` drops among the keys of up to
  // compaction_batch_limit records from *cursor on, and advances *cursor.
  Status Step(int64_t target, Rev* cursor, int64_t* removed);

  Store* store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t done_;           // guarded by mu_
  bool running_ = false;   // guarded by mu_: a Run is posted or executing
  bool stopping_ = false;  // guarded by mu_
  int holds_ = 0;          // guarded by mu_: RunIdle callers holding steps off
  Status error_;           // guarded by mu_
};

}  // namespace etcfs::store
