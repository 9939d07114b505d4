// Store's two hashes: HashKV (etcd's: the key history up to a revision, equal
// across members that applied the same entries) and Hash (etcd's Maintenance
// Hash: every record of this member's backend).
#include <xxhash.h>

#include <memory>

#include "store/compactor.h"
#include "store/errors.h"
#include "store/key_codec.h"
#include "store/meta.h"
#include "store/reader.h"
#include "store/store.h"

namespace etcfs::store {
namespace {

std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// XXH3 over a sequence of byte strings, each prefixed by its length so that
// ("ab","c") and ("a","bc") differ.
class Hasher {
 public:
  Hasher() : state_(XXH3_createState(), XXH3_freeState) { XXH3_64bits_reset(state_.get()); }
  void Add(std::string_view bytes) {
    const uint64_t size = bytes.size();
    XXH3_64bits_update(state_.get(), &size, sizeof(size));
    XXH3_64bits_update(state_.get(), bytes.data(), bytes.size());
  }
  uint64_t Digest() const { return XXH3_64bits_digest(state_.get()); }

 private:
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state_;
};

}  // namespace

Result<HashKVResult> Store::HashKV(int64_t revision) {
  HashKVResult result;
  Status s = compactor_->RunIdle([&](int64_t done) -> Status {
    auto state = State();
    const int64_t rev = revision > 0 ? revision : state->meta.revision;
    if (rev > state->meta.revision) return ErrFutureRevision();
    if (rev < done) return ErrCompacted();
    XXH3_state_t* h = XXH3_createState();
    XXH3_64bits_reset(h);
    // A fresh snapshot, not the published one: that may predate the removal
    // of records that compaction has finished since. Later batches in it
    // do not matter (only revisions <= rev are hashed), and compaction is
    // held still while we read.
    rocksdb::DB* db = db_->db();
    std::shared_ptr<const rocksdb::Snapshot> now(
        db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
    SnapshotReader reader(db_.get(), now.get());
    auto it = reader.NewIterator(db_->revs());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (DecodeRevKey(ToView(it->key())).main > rev) break;
      XXH3_64bits_update(h, it->key().data(), it->key().size());
      XXH3_64bits_update(h, it->value().data(), it->value().size());
    }
    result.hash = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    result.revision = rev;
    result.compact_revision = done;
    return FromRocks(it->status(), "hashing the store");
  });
  if (!s.ok()) return s;
  return result;
}

Result<BackendHash> Store::Hash() const {
  // Every column family, by name, then its records in key order, from one
  // snapshot. The Raft position applied is left out (etcd leaves out its
  // consistent index alike): it moves with entries that change no data.
  rocksdb::DB* db = db_->db();
  std::shared_ptr<const rocksdb::Snapshot> now(db->GetSnapshot(),
                                               [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  SnapshotReader reader(db_.get(), now.get());
  Hasher hasher;
  BackendHash result;
  for (rocksdb::ColumnFamilyHandle* cf : db_->all()) {
    hasher.Add(cf->GetName());
    auto it = reader.NewIterator(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = ToView(it->key());
      std::string_view value = ToView(it->value());
      std::string without_position;
      if (cf == db_->meta() && key == kMetaStateKey) {
        StoreMeta meta;
        if (!DecodeMeta(value, &meta)) return Status::Corruption("store: undecodable metadata while hashing");
        result.revision = meta.revision;
        meta.applied_index = 0;
        meta.applied_term = 0;
        without_position = EncodeMeta(meta);
        value = without_position;
      }
      hasher.Add(key);
      hasher.Add(value);
    }
    ETCFS_RETURN_IF_ERROR(FromRocks(it->status(), "hashing the backend"));
  }
  const uint64_t digest = hasher.Digest();
  result.hash = static_cast<uint32_t>(digest ^ (digest >> 32));
  return result;
}

}  // namespace etcfs::store
