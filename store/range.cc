#include "store/range.h"

#include <algorithm>
#include <map>

#include "base/coding.h"
#include "kv/compare.h"
#include "store/errors.h"
#include "store/key_codec.h"

namespace etcfs::store {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

Status Undecodable(std::string_view family) {
  return Status::Corruption("undecodable entry in the " + std::string(family) +
                            " family; the store is damaged: restore this member from a snapshot");
}

Status ForEachCommittedAt(KvReader& reader, KeyInterval interval, int64_t rev,
                          const std::function<bool(Record&&)>& visit);

// Visits the version of each key in `interval` that is visible at main
// revision `rev`, in key order, skipping keys deleted at that revision.
Status ForEachAt(KvReader& reader, KeyInterval interval, int64_t rev,
                 const std::function<bool(Record&&)>& visit) {
  const std::vector<Record>* pending = reader.pending_history();
  if (interval.single() || pending == nullptr || pending->empty() ||
      rev < pending->front().kv.mod_revision) {
    return ForEachCommittedAt(reader, interval, rev, visit);
  }
  // A revision written by the uncommitted batch: lay its changes over the
  // committed state. Rare (a read of a revision that nobody has been told
  // about yet), so simplicity wins over speed here.
  std::map<std::string, Record> merged;
  ETCFS_RETURN_IF_ERROR(ForEachCommittedAt(reader, interval, rev, [&](Record&& r) {
    std::string key = r.kv.key;
    merged.emplace(std::move(key), std::move(r));
    return true;
  }));
  for (const Record& r : *pending) {
    if (r.kv.mod_revision > rev || !interval.Contains(r.kv.key)) continue;
    if (r.tombstone) {
      merged.erase(r.kv.key);
    } else {
      merged[r.kv.key] = r;
    }
  }
  for (auto& [key, r] : merged) {
    if (!visit(std::move(r))) break;
  }
  return Status::Ok();
}

Status ForEachCommittedAt(KvReader& reader, KeyInterval interval, int64_t rev,
                          const std::function<bool(Record&&)>& visit) {
  if (interval.single()) {
    ETCFS_ASSIGN_OR_RETURN(std::optional<Record> r, reader.GetAt(interval.key, rev));
    if (r) visit(std::move(*r));
    return Status::Ok();
  }
  std::string end_prefix;
  if (!interval.unbounded()) end_prefix = VersionKeyPrefix(interval.range_end);
  auto it = reader.NewIterator(reader.db().versions());
  std::string seek_key = VersionKeyPrefix(interval.key);
  it->Seek(ToSlice(seek_key));
  while (it->Valid()) {
    std::string_view k = ToView(it->key());
    if (!end_prefix.empty() && k >= std::string_view(end_prefix)) break;
    std::string_view prefix;
    int64_t main;
    if (!SplitVersionKey(k, &prefix, &main)) return Undecodable("versions");
    if (main > rev) {
      // Jump to this key's newest version at or below rev (or the next key).
      seek_key.assign(prefix);
      PutFixed64BE(&seek_key, ~static_cast<uint64_t>(rev));
      it->Seek(ToSlice(seek_key));
      continue;
    }
    int64_t sub;
    bool tombstone;
    if (!DecodeVersionValue(ToView(it->value()), &sub, &tombstone)) return Undecodable("versions");
    // Copy the prefix before the iterator moves on.
    seek_key.assign(prefix);
    if (!tombstone) {
      ETCFS_ASSIGN_OR_RETURN(Record r, reader.GetRevision(Rev{main, sub}));
      if (!visit(std::move(r))) return Status::Ok();
    }
    // Skip this key's older versions: no version has main 0, so this lands
    // on the next key.
    PutFixed64BE(&seek_key, ~uint64_t{0});
    it->Seek(ToSlice(seek_key));
  }
  return FromRocks(it->status(), "scanning key versions");
}

bool PassesFilters(const kv::RangeRequest& req, const kv::KeyValue& kv) {
  if (req.min_mod_revision > 0 && kv.mod_revision < req.min_mod_revision) return false;
  if (req.max_mod_revision > 0 && kv.mod_revision > req.max_mod_revision) return false;
  if (req.min_create_revision > 0 && kv.create_revision < req.min_create_revision) return false;
  if (req.max_create_revision > 0 && kv.create_revision > req.max_create_revision) return false;
  return true;
}

void SortKvs(std::vector<kv::KeyValue>* kvs, kv::SortOrder order, kv::SortTarget target) {
  auto less = [target](const kv::KeyValue& a, const kv::KeyValue& b) {
    switch (target) {
      case kv::SortTarget::kKey: return a.key < b.key;
      case kv::SortTarget::kVersion: return a.version < b.version;
      case kv::SortTarget::kCreate: return a.create_revision < b.create_revision;
      case kv::SortTarget::kMod: return a.mod_revision < b.mod_revision;
      case kv::SortTarget::kValue: return a.value < b.value;
    }
    return false;
  };
  // Stable, so that ties keep ascending key order in either direction.
  if (order == kv::SortOrder::kAscend) {
    std::stable_sort(kvs->begin(), kvs->end(), less);
  } else {
    std::stable_sort(kvs->begin(), kvs->end(),
                     [&less](const kv::KeyValue& a, const kv::KeyValue& b) { return less(b, a); });
  }
}

}  // namespace

bool KeyInterval::Contains(std::string_view k) const {
  if (single()) return k == key;
  if (k < key) return false;
  return unbounded() || k < range_end;
}

Status ForEachLive(KvReader& reader, KeyInterval interval, const std::function<bool(Record&&)>& visit,
                   bool with_values) {
  if (interval.single()) {
    ETCFS_ASSIGN_OR_RETURN(std::optional<Record> r, reader.GetLive(interval.key));
    if (r) visit(std::move(*r));
    return Status::Ok();
  }
  auto it = reader.NewIterator(reader.db().live());
  for (it->Seek(ToSlice(interval.key)); it->Valid(); it->Next()) {
    std::string_view k = ToView(it->key());
    if (!interval.unbounded() && k >= interval.range_end) break;
    Record r;
    if (!DecodeRecord(ToView(it->value()), k, &r, with_values)) return Undecodable("live");
    if (!visit(std::move(r))) return Status::Ok();
  }
  return FromRocks(it->status(), "scanning live keys");
}

Result<kv::RangeResponse> EvaluateRange(KvReader& reader, const kv::RangeRequest& req, int64_t current_rev,
                                    int64_t compact_rev) {
  int64_t rev = req.revision > 0 ? req.revision : current_rev;
  if (rev > current_rev) return ErrFutureRevision();
  if (rev < compact_rev) return ErrCompacted();

  kv::RangeResponse resp;
  resp.revision = current_rev;
  const bool needs_all = req.sort_order != kv::SortOrder::kNone || req.min_mod_revision != 0 ||
                         req.max_mod_revision != 0 || req.min_create_revision != 0 ||
                         req.max_create_revision != 0;
  // Like etcd, fetch one more than the limit to learn whether there are more.
  const int64_t fetch = (needs_all || req.limit <= 0) ? 0 : req.limit + 1;

  KeyInterval interval{req.key, req.range_end};
  if (interval.single() && rev == current_rev && !needs_all) {
    // The common point read, without the machinery below.
    ETCFS_ASSIGN_OR_RETURN(std::optional<Record> r, reader.GetLive(req.key));
    if (r) {
      resp.count = 1;
      if (req.count_only) return resp;
      if (req.keys_only) r->kv.value.clear();
      resp.kvs.push_back(std::move(r->kv));
    }
    return resp;
  }
  // Values a keys-only range will not send go as they are read, unless the
  // sort needs them: a range of everything then holds only the keys.
  const bool drop_values = req.keys_only && req.sort_target != kv::SortTarget::kValue;
  auto visit = [&](Record&& r) {
    ++resp.count;
    if (req.count_only) return true;
    if (fetch > 0 && static_cast<int64_t>(resp.kvs.size()) >= fetch) return true;
    if (drop_values) r.kv.value = std::string();
    resp.kvs.push_back(std::move(r.kv));
    return true;
  };
  if (rev == current_rev) {
    ETCFS_RETURN_IF_ERROR(ForEachLive(reader, interval, visit, !drop_values && !req.count_only));
  } else {
    ETCFS_RETURN_IF_ERROR(ForEachAt(reader, interval, rev, visit));
  }
  if (req.count_only) return resp;

  if (needs_all) {
    std::erase_if(resp.kvs, [&req](const kv::KeyValue& kv) { return !PassesFilters(req, kv); });
  }
  kv::SortOrder order = req.sort_order;
  if (order == kv::SortOrder::kNone && req.sort_target != kv::SortTarget::kKey) order = kv::SortOrder::kAscend;
  if (order != kv::SortOrder::kNone && !(order == kv::SortOrder::kAscend && req.sort_target == kv::SortTarget::kKey)) {
    SortKvs(&resp.kvs, order, req.sort_target);
  }
  if (req.limit > 0 && static_cast<int64_t>(resp.kvs.size()) > req.limit) {
    resp.kvs.resize(req.limit);
    resp.more = true;
  }
  if (req.keys_only) {
    for (auto& kv : resp.kvs) kv.value = std::string();
  }
  return resp;
}

Result<bool> EvaluateCompare(KvReader& reader, const kv::Compare& cmp) {
  bool all = true;
  bool any = false;
  ETCFS_RETURN_IF_ERROR(ForEachLive(reader, KeyInterval{cmp.key, cmp.range_end}, [&](Record&& r) {
    any = true;
    all = kv::Satisfies(cmp, r.kv);
    return all;
  }));
  return any ? all : kv::HoldsWithoutKeys(cmp);
}

}  // namespace etcfs::store
