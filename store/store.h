// Store: the MVCC key-value state machine every node applies committed Raft
// entries to, on RocksDB. etcd v3 semantics: revisions, ranges at any
// uncompacted revision, transactions, leases, compaction, watches.
//
// Threads: reads (Range, lease and alarm queries, HashKV, snapshots) are safe
// from any thread and see whole committed batches. Writes happen only through
// ApplyBatch, from one thread at a time (the apply thread). Physical
// compaction and watcher catch-up run on the options' background executor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/strong_int.h"
#include "store/db.h"
#include "store/image.h"
#include "store/options.h"
#include "store/read_state.h"
#include "kv/types.h"

namespace etcfs::store {

class ApplyBatch;
class Compactor;
class WatchHub;

struct HashKVResult {
  uint64_t hash = 0;
  int64_t revision = 0;          // hashed up to this revision
  int64_t compact_revision = 0;  // history before it is gone
};

// etcd's Maintenance Hash: of the whole backend, as this member holds it.
struct BackendHash {
  uint32_t hash = 0;
  int64_t revision = 0;  // the store's revision in the state hashed
};

class Store {
 public:
  // Opens or creates the store in options.dir. Reads only metadata: opening
  // costs the same for ten keys and ten million. Resumes a physical compaction
  // that a crash interrupted. Errors: InvalidArgument (options), Unavailable
  // (directory in use), Corruption, IOError.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  // Waits for background work of this store to stop.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- Reads: any thread ----

  // Errors: Compacted, FutureRevision, Corruption, IOError.
  Result<kv::RangeResponse> Range(const kv::RangeRequest& req) const;
  int64_t CurrentRevision() const;
  int64_t CompactedRevision() const;
  RaftIndex AppliedIndex() const;
  RaftTerm AppliedTerm() const;
  int64_t KeyCount() const;
  // The latest committed state, for readers that need several reads to agree.
  std::shared_ptr<const ReadState> State() const;

  // Errors: NotFound (ErrLeaseNotFound).
  Result<kv::LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t id, bool with_keys) const;
  Result<std::vector<kv::LeaseInfo>> Leases() const;
  std::vector<kv::AlarmMember> Alarms() const;
  // The metadata written with ApplyBatch::PutMetadata under `prefix`, by key.
  Result<std::vector<std::pair<std::string, std::string>>> ListMetadata(std::string_view prefix) const;

  // Bytes the backend holds on disk: its table files, and its current log for
  // what is still only in memory tables. (Memory tables' own size counts the
  // arena blocks they reserve, several times the data in them.)
  int64_t BackendSizeBytes() const;
  // Whether a write of `cost` more bytes fits under the quota. Local and
  // approximate, as in etcd: the server checks it before proposing a write
  // and raises the NOSPACE alarm (through Raft) when it fails. Cheap enough
  // for every request: the backend size is measured at most every 50 ms, and
  // the bytes committed since are added to the last measure.
  bool QuotaAvailable(int64_t cost) const;
  int64_t QuotaBytes() const { return options_.quota_bytes; }

  // A hash of every stored key version up to `revision` (0 = current), equal
  // on any two stores that applied the same entries. Waits for pending
  // physical compaction first. Errors: Compacted, FutureRevision, IOError.
  Result<HashKVResult> HashKV(int64_t revision);
  // A hash of every record this member's backend holds (all history kept,
  // leases, metadata), except the Raft position applied: the same until a
  // write or a compaction changes them, also across restarts. Errors:
  // Corruption, IOError.
  Result<BackendHash> Hash() const;

  // ---- Maintenance: any thread ----

  // Blocks until physical compaction has caught up with the last Compact.
  Status WaitForCompaction();
  // Rewrites the backend to reclaim the space of removed data, while serving.
  Status Defragment();
  // Makes everything committed so far durable (fsyncs RocksDB's log).
  Status Sync();
  // Writes a consistent copy of the store (a RocksDB checkpoint) to `dir`,
  // which must not exist. Writes may go on meanwhile.
  Status CreateSnapshot(const std::string& dir);
  // Copies the snapshot files in `snapshot_dir` into `target_dir`, which must
  // be absent or empty, and checks that they open as a store.
  static Status RestoreSnapshot(const std::string& snapshot_dir, const std::string& target_dir);
  // Calls `fn` for every record of the latest committed state: column family
  // (as Db::all() numbers them), key, value; the metadata first, then each
  // column family in key order. Writes may go on meanwhile. Errors: fn's, IOError.
  using RecordFn = std::function<Status(uint8_t column_family, std::string_view key, std::string_view value)>;
  Status ForEachRecord(const RecordFn& fn) const;
  // Writes an image (store/image.h) of the latest committed state to `sink`,
  // in chunks. Writes go on meanwhile. Errors: the sink's, IOError.
  Status WriteImage(const ImageSink& sink) const;

  WatchHub& watch_hub() { return *hub_; }

  // ---- Writes: the apply thread only ----

  // Starts a batch of changes; see ApplyBatch. One batch at a time.
  std::unique_ptr<ApplyBatch> BeginBatch();
  // Replaces the whole state with `image`'s, durably and as one write (a
  // follower installing the leader's state). Readers keep the state they
  // hold; watchers catch up from the new history, or are canceled when it
  // was compacted. Errors: Corruption (a bad image; nothing changed), IOError.
  Status InstallImage(std::string_view image);

 private:
  friend class ApplyBatch;
  friend class Compactor;

  explicit Store(const StoreOptions& options);
  Status Init();
  // Reads the metadata and compaction progress written in the database.
  Status LoadMeta(StoreMeta* meta, int64_t* compact_done) const;
  // Publishes `meta` with a fresh snapshot. REQUIRES: the apply thread.
  void Publish(const StoreMeta& meta);

  StoreOptions options_;
  std::unique_ptr<Db> db_;
  mutable std::mutex state_mu_;
  std::shared_ptr<const ReadState> state_;  // guarded by state_mu_
  StoreMeta meta_;                          // the apply thread's copy
  std::atomic<bool> batch_open_{false};
  Status failed_;  // set by a failed commit; the apply thread only
  // QuotaAvailable's estimate: the last measured BackendSizeBytes, when it
  // was taken, and the bytes committed since.
  mutable std::atomic<int64_t> measured_size_{0};
  mutable std::atomic<int64_t> measured_at_ns_{0};
  mutable std::atomic<int64_t> committed_since_measure_{0};
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<Compactor> compactor_;
};

}  // namespace etcfs::store
