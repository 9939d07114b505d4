#include "store/compactor.h"

#include <chrono>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "store/key_codec.h"
#include "store/record_codec.h"
#include "store/store.h"

namespace etcfs::store {
namespace {

std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

Compactor::Compactor(Store* store, int64_t done) : store_(store), done_(done) {}

Compactor::~Compactor() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.wait(lock, [this] { return !running_; });
}

int64_t Compactor::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

void Compactor::Schedule() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ || stopping_) return;
    running_ = true;
  }
  store_->options_.background->Post([this] { Run(); });
}

Status Compactor::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return !running_ && (done_ >= store_->CompactedRevision() || !error_.ok() || stopping_);
  });
  return error_;
}

Status Compactor::RunIdle(const std::function<Status(int64_t done)>& fn) {
  for (;;) {
    ETCFS_RETURN_IF_ERROR(Wait());
    std::unique_lock<std::mutex> lock(mu_);
    // Between steps and with everything scheduled done, the records on disk
    // are exactly those that compaction at done_ keeps.
    if (running_ || done_ < store_->CompactedRevision()) continue;
    ++holds_;
    const int64_t done = done_;
    lock.unlock();
    Status s = fn(done);
    lock.lock();
    --holds_;
    cv_.notify_all();
    return s;
  }
}

void Compactor::Reset(int64_t done) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ = done;
  error_ = Status::Ok();
}

void Compactor::Run() {
  const auto start = std::chrono::steady_clock::now();
  int64_t removed_total = 0;
  for (;;) {
    int64_t target, from;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return holds_ == 0 || stopping_; });
      target = store_->CompactedRevision();
      if (stopping_ || done_ >= target || !error_.ok()) {
        running_ = false;
        cv_.notify_all();
        if (removed_total > 0) {
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start).count();
          spdlog::info("store: compacted history up to revision {} ({} old versions removed in {} ms)",
                       done_, removed_total, ms);
        }
        return;
      }
      from = done_;
    }
    // Start at `from` itself: scanning it again is harmless (steps are idempotent).
    Rev cursor{from, 0};
    Status s;
    while (s.ok() && cursor.main <= target) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return holds_ == 0 || stopping_; });
      if (stopping_) break;
      lock.unlock();
      int64_t removed = 0;
      s = Step(target, &cursor, &removed);
      removed_total += removed;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!s.ok()) {
      error_ = s;
      spdlog::error("store: compaction to revision {} failed: {}", target, s.ToString());
    } else if (cursor.main > target) {
      done_ = target;
    }
  }
}

Status Compactor::Step(int64_t target, Rev* cursor, int64_t* removed) {
  const Db& db = *store_->db_;
  const int limit = store_->options_.compaction_batch_limit;
  std::set<std::string> keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.revs()));
    it->Seek(RevKey(*cursor));
    int n = 0;
    for (; it->Valid() && n < limit; it->Next(), ++n) {
      Rev rev = DecodeRevKey(ToView(it->key()));
      if (rev.main > target) break;
      Record r;
      if (!DecodeKeyedRecord(ToView(it->value()), &r)) {
        return Status::Corruption("undecodable record at revision " + std::to_string(rev.main) +
                                  " found while compacting; restore this member from a snapshot");
      }
      keys.insert(std::move(r.kv.key));
    }
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "scanning history to compact"));
    if (it->Valid() && n == limit) {
      Rev next = DecodeRevKey(ToView(it->key()));
      *cursor = next.main > target ? Rev{target + 1, 0} : next;
    } else {
      *cursor = Rev{target + 1, 0};
    }
  }

  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db()->NewIterator(rocksdb::ReadOptions(), db.versions()));
  for (const auto& key : keys) {
    const std::string prefix = VersionKeyPrefix(key);
    bool newest = true;
    for (it->Seek(VersionKey(key, target)); it->Valid(); it->Next()) {
      std::string_view k = ToView(it->key());
      std::string_view found_prefix;
      int64_t main, sub;
      bool tombstone;
      if (!SplitVersionKey(k, &found_prefix, &main) || found_prefix != prefix) break;
      if (!DecodeVersionValue(ToView(it->value()), &sub, &tombstone)) {
        return Status::Corruption("undecodable version of key '" + key +
                                  "' found while compacting; restore this member from a snapshot");
      }
      // The newest version at or below target stays, unless it is a delete
      // (etcd drops those, even at exactly the target); all older ones go, in
      // this same batch.
      const bool keep = newest && !tombstone;
      newest = false;
      if (keep) continue;
      wb.Delete(db.versions(), it->key());
      wb.Delete(db.revs(), RevKey(Rev{main, sub}));
      ++*removed;
    }
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "reading versions to compact"));
  }
  if (cursor->main > target) {
    std::string v;
    PutVarint64(&v, static_cast<uint64_t>(target));
    wb.Put(db.meta(), rocksdb::Slice(kMetaCompactDoneKey.data(), kMetaCompactDoneKey.size()), v);
  }
  return FromRocks(db.db()->Write(rocksdb::WriteOptions(), &wb), "writing a compaction step");
}

}  // namespace etcfs::store
