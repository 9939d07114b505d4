#include "store/store.h"

#include <chrono>
#include <filesystem>

#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "store/apply_batch.h"
#include "store/compactor.h"
#include "store/errors.h"
#include "store/key_codec.h"
#include "store/range.h"
#include "store/reader.h"
#include "store/validation.h"
#include "store/watch_hub.h"

namespace etcfs::store {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

Status StoreOptions::Validate() const {
  if (dir.empty()) return Status::InvalidArgument("store: no data directory given");
  if (background == nullptr) return Status::InvalidArgument("store: no background executor given");
  if (quota_bytes <= 0) return Status::InvalidArgument("store: quota must be positive");
  if (compaction_batch_limit <= 0) {
    return Status::InvalidArgument("store: compaction batch limit must be positive");
  }
  return Status::Ok();
}

Store::Store(const StoreOptions& options) : options_(options) {}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  ETCFS_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Store> store(new Store(options));
  ETCFS_RETURN_IF_ERROR(store->Init());
  return store;
}

Status Store::LoadMeta(StoreMeta* meta, int64_t* compact_done) const {
  std::string v;
  rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), db_->meta(), ToSlice(kMetaStateKey), &v);
  *meta = StoreMeta{};
  if (s.ok()) {
    if (!DecodeMeta(v, meta)) {
      return Status::Corruption("store metadata in " + options_.dir +
                                " is undecodable; restore this member from a snapshot");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading store metadata");
  }
  *compact_done = 0;
  s = db_->db()->Get(rocksdb::ReadOptions(), db_->meta(), ToSlice(kMetaCompactDoneKey), &v);
  if (s.ok()) {
    std::string_view in(v);
    uint64_t done;
    if (!GetVarint64(&in, &done)) return Status::Corruption("compaction progress is undecodable");
    *compact_done = static_cast<int64_t>(done);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading compaction progress");
  }
  return Status::Ok();
}

Status Store::Init() {
  ETCFS_ASSIGN_OR_RETURN(db_, Db::Open(options_));
  int64_t compact_done = 0;
  ETCFS_RETURN_IF_ERROR(LoadMeta(&meta_, &compact_done));
  Publish(meta_);
  hub_ = std::make_unique<WatchHub>(db_.get(), [this] { return State(); }, options_.background);
  compactor_ = std::make_unique<Compactor>(this, compact_done);
  spdlog::info("store: opened {} at revision {} (compacted {}, applied index {} term {}, {} keys)",
               options_.dir, meta_.revision, meta_.compact_revision, meta_.applied_index,
               meta_.applied_term, meta_.key_count);
  if (compact_done < meta_.compact_revision) {
    spdlog::info("store: resuming compaction from revision {} to {}", compact_done,
                 meta_.compact_revision);
    compactor_->Schedule();
  }
  return Status::Ok();
}

Store::~Store() {
  // Background work refers to the store: stop it before the members go.
  compactor_.reset();
  hub_.reset();
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    state_.reset();
  }
  // Flush the memory tables, so that the next open has no log to replay
  // (0.7 s for 100,000 keys). A failure only costs that replay.
  if (!db_) return;  // never opened
  rocksdb::Status s = db_->db()->Flush(rocksdb::FlushOptions(), db_->all());
  if (!s.ok()) spdlog::warn("store: flushing {} on close failed ({}); the next open replays its log", options_.dir, s.ToString());
}

void Store::Publish(const StoreMeta& meta) {
  rocksdb::DB* db = db_->db();
  auto state = std::make_shared<ReadState>();
  state->snapshot = std::shared_ptr<const rocksdb::Snapshot>(
      db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  state->meta = meta;
  std::lock_guard<std::mutex> lock(state_mu_);
  state_ = std::move(state);
}

std::shared_ptr<const ReadState> Store::State() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return state_;
}

int64_t Store::CurrentRevision() const { return State()->meta.revision; }
int64_t Store::CompactedRevision() const { return State()->meta.compact_revision; }
RaftIndex Store::AppliedIndex() const { return RaftIndex(State()->meta.applied_index); }
RaftTerm Store::AppliedTerm() const { return RaftTerm(State()->meta.applied_term); }
int64_t Store::KeyCount() const { return State()->meta.key_count; }
std::vector<kv::AlarmMember> Store::Alarms() const { return State()->meta.alarms; }

Result<kv::RangeResponse> Store::Range(const kv::RangeRequest& req) const {
  ETCFS_RETURN_IF_ERROR(ValidateRange(req));
  auto state = State();
  SnapshotReader reader(db_.get(), state->snapshot.get());
  return EvaluateRange(reader, req, state->meta.revision, state->meta.compact_revision);
}

Result<kv::LeaseTimeToLiveResponse> Store::LeaseTimeToLive(int64_t id, bool with_keys) const {
  auto state = State();
  SnapshotReader reader(db_.get(), state->snapshot.get());
  std::string v;
  bool found = false;
  ETCFS_RETURN_IF_ERROR(reader.Get(db_->leases(), LeaseKey(id), &v, &found));
  if (!found) return ErrLeaseNotFound();
  kv::LeaseTimeToLiveResponse resp;
  if (!DecodeLease(v, id, &resp.lease)) {
    return Status::Corruption("undecodable lease " + std::to_string(id));
  }
  if (with_keys) {
    const std::string prefix = LeaseKey(id);
    auto it = reader.NewIterator(db_->lease_keys());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      resp.keys.emplace_back(ToView(it->key()).substr(prefix.size()));
    }
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "reading the keys of a lease"));
  }
  return resp;
}

Result<std::vector<kv::LeaseInfo>> Store::Leases() const {
  auto state = State();
  SnapshotReader reader(db_.get(), state->snapshot.get());
  std::vector<kv::LeaseInfo> out;
  auto it = reader.NewIterator(db_->leases());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("malformed lease id in the store");
    kv::LeaseInfo lease;
    int64_t id = static_cast<int64_t>(DecodeFixed64BE(it->key().data()));
    if (!DecodeLease(ToView(it->value()), id, &lease)) {
      return Status::Corruption("undecodable lease " + std::to_string(id));
    }
    out.push_back(lease);
  }
  ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "listing leases"));
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> Store::ListMetadata(std::string_view prefix) const {
  auto state = State();
  SnapshotReader reader(db_.get(), state->snapshot.get());
  const std::string full = std::string(kMetaAppPrefix) + std::string(prefix);
  std::vector<std::pair<std::string, std::string>> out;
  auto it = reader.NewIterator(db_->meta());
  for (it->Seek(full); it->Valid() && it->key().starts_with(full); it->Next()) {
    out.emplace_back(ToView(it->key()).substr(kMetaAppPrefix.size()), it->value().ToString());
  }
  ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "listing metadata"));
  return out;
}

int64_t Store::BackendSizeBytes() const {
  uint64_t sst = 0;
  db_->db()->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &sst);
  // The current log holds what the memory tables hold: flushes are atomic
  // across families, so older logs live only while a flush runs. (Not
  // GetSortedWalFiles: it toggles file deletions and logs a line each call,
  // and this runs before every put.)
  uint64_t log = 0;
  std::unique_ptr<rocksdb::LogFile> current;
  if (db_->db()->GetCurrentWalFile(&current).ok() && current) log = current->SizeFileBytes();
  return static_cast<int64_t>(sst + log);
}

bool Store::QuotaAvailable(int64_t cost) const {
  constexpr int64_t kMeasureEveryNs = 50'000'000;
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t at = measured_at_ns_.load(std::memory_order_relaxed);
  // One caller at a time measures; the others use the estimate meanwhile.
  if (now - at >= kMeasureEveryNs && measured_at_ns_.compare_exchange_strong(at, now)) {
    committed_since_measure_.store(0);
    measured_size_.store(BackendSizeBytes());
  }
  return measured_size_.load() + committed_since_measure_.load() + cost <= options_.quota_bytes;
}

Status Store::WaitForCompaction() { return compactor_->Wait(); }

Status Store::Defragment() {
  const auto start = std::chrono::steady_clock::now();
  const int64_t before = BackendSizeBytes();
  rocksdb::CompactRangeOptions opts;
  opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* cf : db_->all()) {
    ETCFS_RETURN_IF_ERROR(FromRocks(db_->db()->CompactRange(opts, cf, nullptr, nullptr),
                                    "defragmenting the store"));
  }
  spdlog::info("store: defragmented {} from {} to {} bytes in {} ms", options_.dir, before,
               BackendSizeBytes(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start).count());
  return Status::Ok();
}

Status Store::Sync() { return FromRocks(db_->db()->SyncWAL(), "syncing the store's log"); }

Status Store::CreateSnapshot(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  ETCFS_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_->db(), &raw),
                                  "preparing a snapshot"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: flush memtables so the snapshot is SST files only.
  return FromRocks(checkpoint->CreateCheckpoint(dir, 0), "writing a snapshot to " + dir);
}

Status Store::RestoreSnapshot(const std::string& snapshot_dir, const std::string& target_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(target_dir, ec) && !fs::is_empty(target_dir, ec)) {
    return Status::FailedPrecondition("cannot restore into " + target_dir +
                                      ": it is not empty; remove it or choose another directory");
  }
  if (!fs::is_directory(snapshot_dir, ec)) {
    return Status::NotFound("snapshot directory " + snapshot_dir + " does not exist");
  }
  fs::create_directories(target_dir, ec);
  if (ec) return Status::IOError("cannot create " + target_dir + ": " + ec.message());
  fs::copy(snapshot_dir, target_dir, fs::copy_options::recursive, ec);
  if (ec) {
    return Status::IOError("copying snapshot " + snapshot_dir + " to " + target_dir + ": " +
                           ec.message());
  }
  // Check that it opens, reading only metadata.
  WorkerThread probe_thread("store-restore");
  StoreOptions probe;
  probe.dir = target_dir;
  probe.background = &probe_thread;
  auto opened = Open(probe);
  if (!opened.ok()) {
    return Status::Corruption("restored snapshot in " + target_dir + " does not open: " +
                              opened.status().ToString());
  }
  return Status::Ok();
}

Status Store::ForEachRecord(const RecordFn& fn) const {
  auto state = State();
  SnapshotReader reader(db_.get(), state->snapshot.get());
  // The metadata first, from the published state: an empty store has none on disk.
  ETCFS_RETURN_IF_ERROR(fn(0, kMetaStateKey, EncodeMeta(state->meta)));
  const auto& cfs = db_->all();
  for (size_t i = 0; i < cfs.size(); ++i) {
    auto it = reader.NewIterator(cfs[i]);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (i == 0 && ToView(it->key()) == kMetaStateKey) continue;
      ETCFS_RETURN_IF_ERROR(fn(static_cast<uint8_t>(i), ToView(it->key()), ToView(it->value())));
    }
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "reading the store's records"));
  }
  return Status::Ok();
}

Status Store::WriteImage(const ImageSink& sink) const {
  ImageWriter out(sink);
  ETCFS_RETURN_IF_ERROR(ForEachRecord(
      [&out](uint8_t cf, std::string_view key, std::string_view value) { return out.Add(cf, key, value); }));
  return out.Finish();
}

Status Store::InstallImage(std::string_view image) {
  StoreMeta meta;
  ETCFS_RETURN_IF_ERROR(VerifyImage(image, &meta));
  if (batch_open_.load()) return Status::Internal("store: InstallImage with an apply batch open");
  if (!failed_.ok()) return failed_;
  const int64_t old_revision = meta_.revision;
  int64_t compact_done = 0;
  // Compaction is held still: it must not delete from the new contents with
  // the old bookkeeping.
  Status s = compactor_->RunIdle([&](int64_t) -> Status {
    rocksdb::WriteBatch wb;
    rocksdb::DB* db = db_->db();
    const auto& cfs = db_->all();
    // Key by key: RocksDB 7.8's DeleteRange breaks the memtable insert hint
    // the revs family uses (an assertion in the skip list).
    for (auto* cf : cfs) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ETCFS_RETURN_IF_ERROR(FromRocks(wb.Delete(cf, it->key()), "clearing the store"));
      }
      ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "reading the store before an install"));
    }
    ETCFS_RETURN_IF_ERROR(ForEachImageRecord(image, [&](uint8_t cf, std::string_view k, std::string_view v) {
      if (cf >= cfs.size()) {
        return Status::Corruption("store image names column family " + std::to_string(cf) +
                                  ", which this build does not have");
      }
      return FromRocks(wb.Put(cfs[cf], ToSlice(k), ToSlice(v)), "building the install batch");
    }));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    Status w = FromRocks(db->Write(wo, &wb), "installing a store image");
    if (!w.ok()) {
      failed_ = w;
      return w;
    }
    StoreMeta loaded;
    ETCFS_RETURN_IF_ERROR(LoadMeta(&loaded, &compact_done));
    compactor_->Reset(compact_done);
    return Status::Ok();
  });
  ETCFS_RETURN_IF_ERROR(s);
  meta_ = meta;
  Publish(meta_);
  // Watchers resume from the new history: what they missed is replayed, or
  // they are canceled as compacted, as a watcher behind a compaction is.
  if (meta_.revision > old_revision) hub_->Notify(old_revision + 1, meta_.revision, nullptr);
  if (compact_done < meta_.compact_revision) compactor_->Schedule();
  spdlog::info("store: installed an image of {} bytes: revision {} (compacted {}), applied index {}, {} keys",
               image.size(), meta_.revision, meta_.compact_revision, meta_.applied_index, meta_.key_count);
  return Status::Ok();
}

std::unique_ptr<ApplyBatch> Store::BeginBatch() {
  if (batch_open_.exchange(true)) {
    spdlog::critical("store: two apply batches open at once; this is a bug");
    std::abort();
  }
  return std::unique_ptr<ApplyBatch>(new ApplyBatch(this));
}

}  // namespace etcfs::store
