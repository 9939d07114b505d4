// ApplyBatch: the changes of a run of committed Raft entries, applied to the
// store as one RocksDB write batch together with the applied index and term.
// Each write request gets one main revision (a transaction too) and each
// change in it a sub-revision. A request that fails changes nothing and
// consumes no revision. Nothing is visible to readers or watchers until
// Commit() succeeds; a failed Commit leaves the store refusing further batches
// (the node must restart and replay its log).
//
// Threads: the apply thread only. Requests in a batch see the effects of the
// requests before them.
#pragma once

#include <memory>
#include <vector>

#include <rocksdb/write_batch.h>

#include "base/result.h"
#include "base/strong_int.h"
#include "store/batch_overlay.h"
#include "store/meta.h"
#include "store/reader.h"
#include "kv/types.h"

namespace etcfs::store {

class Store;

class ApplyBatch {
 public:
  ~ApplyBatch();  // an uncommitted batch is discarded
  ApplyBatch(const ApplyBatch&) = delete;
  ApplyBatch& operator=(const ApplyBatch&) = delete;

  // Errors: InvalidArgument (validation), NotFound (lease or, with
  // ignore_value/ignore_lease, key), NoSpace (alarm active).
  Result<kv::PutResponse> Put(const kv::PutRequest& req, const kv::ApplyContext& ctx);
  // Errors: InvalidArgument.
  Result<kv::DeleteRangeResponse> DeleteRange(const kv::DeleteRangeRequest& req, const kv::ApplyContext& ctx);
  // Compares (of nested transactions too) are evaluated against the state
  // before the transaction; operations see earlier operations' writes.
  // Errors: InvalidArgument (duplicate key, too many ops), NotFound,
  // Compacted/FutureRevision (a range op), NoSpace (a put while the alarm is active).
  Result<kv::TxnResponse> Txn(const kv::TxnRequest& req, const kv::ApplyContext& ctx, int max_txn_ops = 128);
  // A read in the order of the log (serialized reads).
  Result<kv::RangeResponse> Range(const kv::RangeRequest& req);
  // Compacts history below `revision`: reads at lower revisions fail from now
  // on; the records are removed in the background after Commit.
  // Errors: Compacted (not above the last compaction), FutureRevision.
  Status Compact(int64_t revision);

  // Errors: AlreadyExists (id in use), InvalidArgument (TTL too large), NoSpace.
  Result<kv::LeaseGrantResponse> LeaseGrant(const kv::LeaseGrantRequest& req);
  // Deletes every attached key in one revision. Errors: NotFound.
  Result<kv::LeaseRevokeResponse> LeaseRevoke(int64_t id, const kv::ApplyContext& ctx);
  // Records the remaining TTL so that it survives a leader change. A lease
  // that no longer exists is ignored.
  Status LeaseCheckpoint(int64_t id, int64_t remaining_ttl);

  // Raises or clears an alarm. As etcd, activation answers the alarm (new or
  // already raised); deactivation the alarm it cleared, or none.
  std::vector<kv::AlarmMember> ActivateAlarm(kv::AlarmMember alarm);
  std::vector<kv::AlarmMember> DeactivateAlarm(kv::AlarmMember alarm);

  // Replicated metadata of the layers above (e.g. cluster membership), kept
  // apart from the key space: not visible to ranges, watches or hashes.
  void PutMetadata(std::string_view key, std::string_view value);
  void DeleteMetadata(std::string_view key);
  // The metadata under `key` as this batch has left it; nullopt when absent.
  Result<std::optional<std::string>> GetMetadata(std::string_view key);

  // The Raft position this batch brings the store to.
  void SetApplied(RaftIndex index, RaftTerm term);
  int64_t revision() const { return meta_.revision; }

  // Writes everything atomically, then publishes it to readers and watchers.
  // Errors: IOError (the batch is lost and the store refuses further batches).
  Status Commit();

 private:
  friend class Store;
  explicit ApplyBatch(Store* store);

  // The revision being written by the current request.
  struct WriteScope {
    int64_t main;
    int64_t next_sub = 0;
    int64_t time_ns = 0;  // the entry's time: stamps what it writes and deletes
    bool changed() const { return next_sub > 0; }
  };

  // Check a request against the state before it (lease exists, key exists).
  Status CheckPut(const kv::PutRequest& req);
  Status CheckRange(const kv::RangeRequest& req, int64_t current_rev);
  // A transaction's path: whether each (nested) transaction on the taken
  // branches succeeds, in depth-first order, decided on the state before it.
  Status CompareToPath(const kv::TxnRequest& req, std::vector<bool>* path);
  Status CheckTxn(const kv::TxnRequest& req, const std::vector<bool>& path, size_t* pos,
                  int64_t current_rev);

  // The writes themselves; validation and checks have passed.
  Result<kv::PutResponse> DoPut(const kv::PutRequest& req, const kv::ApplyContext& ctx, WriteScope* scope);
  Result<kv::DeleteRangeResponse> DoDeleteRange(const kv::DeleteRangeRequest& req, WriteScope* scope);
  Status DeleteKey(Record&& prev, WriteScope* scope);
  Result<kv::TxnResponse> DoTxnOps(const kv::TxnRequest& req, const kv::ApplyContext& ctx,
                               const std::vector<bool>& path, size_t* path_pos, WriteScope* scope);
  void WriteVersion(const Record& r);
  void AttachLease(int64_t lease, const std::string& key);
  void DetachLease(int64_t lease, const std::string& key);
  Result<bool> LeaseExists(int64_t id);
  void FinishScope(const WriteScope& scope);
  // Ends a write request: on success the revision advances and is reported.
  template <typename Response>
  Result<Response> Finish(Result<Response> resp, const WriteScope& scope);

  // Writes to a family that the batch reads back: into the batch and the overlay.
  void PutReadable(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value);
  void DeleteReadable(rocksdb::ColumnFamilyHandle* cf, std::string_view key);

  Store* store_;
  rocksdb::WriteBatch wb_;                // everything, written atomically at Commit
  BatchOverlay overlay_;                  // live, leases, lease_keys as the batch left them
  std::vector<Record> pending_history_;   // what this batch wrote to revs/versions
  BatchReader reader_;
  StoreMeta meta_;  // the store's metadata as this batch leaves it
  bool compaction_requested_ = false;
  // Events for the watch hub, gathered only when somebody is watching.
  bool collect_events_;
  std::vector<kv::Event> events_;
  int64_t first_rev_;  // the first revision this batch may write
  bool committed_ = false;
  // An error in the middle of a write leaves the batch half-done: Commit refuses it.
  Status broken_;
};

}  // namespace etcfs::store
