// MemoryBackend: a KvBackend in memory with the store's semantics for what
// the filesystem uses (ranges of a prefix, transactions of compares, puts and
// deletes, watches from a revision, compaction), for the filesystem's unit
// tests. Changes "made elsewhere" (another member, the etcd API) are made
// with Put, Delete and Txn directly.
//
// Watch deliveries go out on the thread that made the change, before Txn
// returns (as the local backend delivers on the apply path), unless held:
// Hold() queues them until Release() or the mount's next Txn (whose answer,
// as the local backend's, comes after every earlier change reached the
// watch). That is how a test makes a mount's watch lag behind the cluster. Time is a counter, so mtimes are
// deterministic.
//
// Threads: thread-safe; deliveries are serialized, in revision order.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "fs/kv_backend.h"

namespace etcfs::fs::testing {

class MemoryBackend : public KvBackend {
 public:
  MemoryBackend();
  ~MemoryBackend() override;

  // --- KvBackend ---
  Result<kv::RangeResponse> Range(const kv::RangeRequest& req) override;
  Result<kv::TxnResponse> Txn(const kv::TxnRequest& req, const CallOptions& call) override;
  Result<std::unique_ptr<KvWatch>> Watch(std::string prefix, int64_t from_revision,
                                         std::function<void(WatchUpdate)> on_update) override;
  Result<int64_t> LinearizableRevision(const CallOptions& call) override;
  Status ConfirmWritable(const CallOptions& call) override;
  Result<BackendUsage> Usage() override;
  BackendLimits limits() const override { return limits_; }

  // --- changes made elsewhere (they commit even while SetUnavailable) ---
  int64_t Put(const std::string& key, const std::string& value, std::optional<kv::FileAttr> attr = {});
  int64_t Delete(const std::string& key, const std::string& range_end = "");
  // Any transaction; returns its response once its events went out and,
  // unless held, the barrier ran.
  kv::TxnResponse Commit(const kv::TxnRequest& req);
  // Runs after each change made elsewhere, as etcfsd answers an API write
  // only once its own mount shows it (Node::SetLocalViewBarrier).
  void SetLocalViewBarrier(std::function<void()> barrier);
  // Drops history before `revision`: a watch still behind it is told to range again.
  void Compact(int64_t revision);

  // Watch deliveries wait until Release or the next Txn (which send them, in order).
  void Hold();
  void Release();
  // Unavailable: writes and linearizable reads fail as without quorum.
  void SetUnavailable(bool unavailable);
  void set_limits(const BackendLimits& limits) { limits_ = limits; }

  std::optional<kv::KeyValue> Get(const std::string& key) const;
  int64_t revision() const;
  // Transactions this mount sent (Txn calls that reached the data).
  size_t txns() const;

 private:
  class MemoryWatch;
  struct Watcher {
    std::string prefix;
    int64_t next = 0;  // the next revision it is owed
    std::function<void(WatchUpdate)> on_update;
  };

  // Commits `req` and delivers its events (unless held).
  kv::TxnResponse Apply(const kv::TxnRequest& req);
  // Applies `ops` at the next revision (REQUIRES: mu_ held); the events go
  // to `events`.
  void ApplyOps(const std::vector<kv::RequestOp>& ops, int64_t rev, std::vector<kv::ResponseOp>* out,
                std::vector<kv::Event>* events);
  bool Holds(const kv::Compare& cmp) const;  // REQUIRES: mu_ held
  // Sends what watchers are owed, unless held.
  void Deliver();
  void Cancel(uint64_t id);

  BackendLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, kv::KeyValue> live_;  // guarded by mu_
  std::vector<kv::Event> history_;            // guarded by mu_; every event since compacted_
  int64_t revision_ = 1;                         // guarded by mu_ (etcd starts at 1)
  int64_t compacted_ = 0;                        // guarded by mu_
  int64_t clock_ns_ = 1'000'000'000;             // guarded by mu_
  bool unavailable_ = false;                     // guarded by mu_
  size_t txns_ = 0;                              // guarded by mu_
  bool held_ = false;                            // guarded by mu_
  std::function<void()> barrier_;                // guarded by mu_
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers_;  // guarded by mu_
  uint64_t next_watch_ = 1;                                // guarded by mu_

  std::recursive_mutex deliver_mu_;  // serializes deliveries (a callback may cancel)
};

}  // namespace etcfs::fs::testing
