#include "store/apply_batch.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "store/compactor.h"
#include "store/errors.h"
#include "store/key_codec.h"
#include "store/range.h"
#include "store/store.h"
#include "store/validation.h"
#include "store/watch_hub.h"

namespace etcfs::store {
namespace {

// etcd's MaxLeaseTTL.
constexpr int64_t kMaxLeaseTTL = 9000000000;

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// splitmix64: spreads a counter over the id space, deterministically.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool HasPut(const std::vector<kv::RequestOp>& ops) {
  for (const auto& op : ops) {
    if (std::holds_alternative<kv::PutRequest>(op)) return true;
    if (const auto* t = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
      if (*t && (HasPut((*t)->success) || HasPut((*t)->failure))) return true;
    }
  }
  return false;
}

}  // namespace

ApplyBatch::ApplyBatch(Store* store)
    : store_(store),
      reader_(store->db_.get(), &overlay_, &pending_history_),
      meta_(store->meta_),
      collect_events_(store->hub_->HasWatchers()),
      first_rev_(store->meta_.revision + 1) {}

ApplyBatch::~ApplyBatch() { store_->batch_open_.store(false); }

void ApplyBatch::PutReadable(rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                             std::string_view value) {
  wb_.Put(cf, ToSlice(key), ToSlice(value)).PermitUncheckedError();
  overlay_.Put(cf->GetID(), key, value);
}

void ApplyBatch::DeleteReadable(rocksdb::ColumnFamilyHandle* cf, std::string_view key) {
  wb_.Delete(cf, ToSlice(key)).PermitUncheckedError();
  overlay_.Delete(cf->GetID(), key);
}

void ApplyBatch::FinishScope(const WriteScope& scope) {
  if (scope.changed()) meta_.revision = scope.main;
}

template <typename Response>
Result<Response> ApplyBatch::Finish(Result<Response> resp, const WriteScope& scope) {
  if (!resp.ok()) {
    // Checks passed, so the failure came mid-write: the batch is half-done.
    broken_ = resp.status();
    return resp;
  }
  FinishScope(scope);
  resp->revision = meta_.revision;
  return resp;
}

Result<bool> ApplyBatch::LeaseExists(int64_t id) {
  std::string v;
  bool found = false;
  ETCFS_RETURN_IF_ERROR(reader_.Get(store_->db_->leases(), LeaseKey(id), &v, &found));
  return found;
}

Status ApplyBatch::CheckPut(const kv::PutRequest& req) {
  if (req.ignore_value || req.ignore_lease) {
    ETCFS_ASSIGN_OR_RETURN(std::optional<Record> prev, reader_.GetLive(req.key));
    if (!prev) return ErrKeyNotFound();
  }
  if (req.lease != 0) {
    ETCFS_ASSIGN_OR_RETURN(bool exists, LeaseExists(req.lease));
    if (!exists) return ErrLeaseNotFound();
  }
  return Status::Ok();
}

Status ApplyBatch::CheckRange(const kv::RangeRequest& req, int64_t current_rev) {
  if (req.revision > current_rev) return ErrFutureRevision();
  if (req.revision > 0 && req.revision < meta_.compact_revision) return ErrCompacted();
  return Status::Ok();
}

Result<kv::PutResponse> ApplyBatch::Put(const kv::PutRequest& req, const kv::ApplyContext& ctx) {
  ETCFS_RETURN_IF_ERROR(ValidatePut(req));
  if (meta_.HasAlarm(kv::AlarmType::kNoSpace)) return ErrNoSpace();
  ETCFS_RETURN_IF_ERROR(CheckPut(req));
  WriteScope scope{meta_.revision + 1, 0, ctx.time_ns};
  auto resp = DoPut(req, ctx, &scope);
  return Finish(std::move(resp), scope);
}

Result<kv::PutResponse> ApplyBatch::DoPut(const kv::PutRequest& req, const kv::ApplyContext& ctx,
                                      WriteScope* scope) {
  ETCFS_ASSIGN_OR_RETURN(std::optional<Record> prev, reader_.GetLive(req.key));
  Record r;
  kv::KeyValue& kv = r.kv;
  kv.key = req.key;
  kv.mod_revision = scope->main;
  r.sub = scope->next_sub++;
  kv.create_revision = prev ? prev->kv.create_revision : scope->main;
  kv.version = prev ? prev->kv.version + 1 : 1;
  kv.value = req.ignore_value ? prev->kv.value : req.value;
  kv.lease = req.ignore_lease ? prev->kv.lease : req.lease;
  if (req.attr) {
    kv.attr = *req.attr;
  } else if (prev) {
    kv.attr = prev->kv.attr;  // a write without a record keeps the key's, time stamped anew
    kv.attr.mtime_ns = 0;
  }
  if (kv.attr.mtime_ns == 0) kv.attr.mtime_ns = ctx.time_ns;
  if (kv.attr.atime_ns == kv::kAtimeOfEntry) kv.attr.atime_ns = ctx.time_ns;
  kv.ctime_ns = ctx.time_ns;

  std::string live;
  EncodeRecord(r, &live);
  PutReadable(store_->db_->live(), req.key, live);
  WriteVersion(r);
  const int64_t prev_lease = prev ? prev->kv.lease : 0;
  if (prev_lease != kv.lease) {
    if (prev_lease != 0) DetachLease(prev_lease, req.key);
    if (kv.lease != 0) AttachLease(kv.lease, req.key);
  }
  if (!prev) ++meta_.key_count;

  kv::PutResponse resp;
  if (req.prev_kv && prev) resp.prev_kv = prev->kv;
  if (collect_events_) {
    kv::Event ev{kv::Event::Type::kPut, std::move(kv), std::nullopt};
    if (prev) ev.prev_kv = std::move(prev->kv);
    events_.push_back(std::move(ev));
  }
  return resp;
}

void ApplyBatch::WriteVersion(const Record& r) {
  // History is not in the overlay: only reads of revisions written by this
  // very batch need it, and they use pending_history_ (see BatchReader).
  std::string keyed;
  EncodeKeyedRecord(r, &keyed);
  wb_.Put(store_->db_->revs(), RevKey(Rev{r.kv.mod_revision, r.sub}), keyed).PermitUncheckedError();
  wb_.Put(store_->db_->versions(), VersionKey(r.kv.key, r.kv.mod_revision),
          EncodeVersionValue(r.sub, r.tombstone)).PermitUncheckedError();
  pending_history_.push_back(r);
}

void ApplyBatch::AttachLease(int64_t lease, const std::string& key) {
  PutReadable(store_->db_->lease_keys(), LeaseKeyEntry(lease, key), "");
}

void ApplyBatch::DetachLease(int64_t lease, const std::string& key) {
  DeleteReadable(store_->db_->lease_keys(), LeaseKeyEntry(lease, key));
}

Status ApplyBatch::DeleteKey(Record&& prev, WriteScope* scope) {
  Record t;
  t.tombstone = true;
  t.kv.key = prev.kv.key;
  t.kv.mod_revision = scope->main;
  t.kv.ctime_ns = scope->time_ns;
  t.sub = scope->next_sub++;
  DeleteReadable(store_->db_->live(), prev.kv.key);
  WriteVersion(t);
  if (prev.kv.lease != 0) DetachLease(prev.kv.lease, prev.kv.key);
  --meta_.key_count;
  if (collect_events_) {
    events_.push_back(kv::Event{kv::Event::Type::kDelete, std::move(t.kv), std::move(prev.kv)});
  }
  return Status::Ok();
}

Result<kv::DeleteRangeResponse> ApplyBatch::DeleteRange(const kv::DeleteRangeRequest& req,
                                                    const kv::ApplyContext& ctx) {
  ETCFS_RETURN_IF_ERROR(ValidateDeleteRange(req));
  WriteScope scope{meta_.revision + 1, 0, ctx.time_ns};
  auto resp = DoDeleteRange(req, &scope);
  return Finish(std::move(resp), scope);
}

Result<kv::DeleteRangeResponse> ApplyBatch::DoDeleteRange(const kv::DeleteRangeRequest& req,
                                                      WriteScope* scope) {
  // Collect first: the batch must not change under an open iterator.
  std::vector<Record> doomed;
  ETCFS_RETURN_IF_ERROR(ForEachLive(reader_, KeyInterval{req.key, req.range_end}, [&](Record&& r) {
    doomed.push_back(std::move(r));
    return true;
  }));
  kv::DeleteRangeResponse resp;
  resp.deleted = static_cast<int64_t>(doomed.size());
  for (auto& r : doomed) {
    if (req.prev_kv) resp.prev_kvs.push_back(r.kv);
    ETCFS_RETURN_IF_ERROR(DeleteKey(std::move(r), scope));
  }
  return resp;
}

Result<kv::RangeResponse> ApplyBatch::Range(const kv::RangeRequest& req) {
  ETCFS_RETURN_IF_ERROR(ValidateRange(req));
  return EvaluateRange(reader_, req, meta_.revision, meta_.compact_revision);
}

Status ApplyBatch::CompareToPath(const kv::TxnRequest& req, std::vector<bool>* path) {
  bool ok = true;
  for (const auto& c : req.compare) {
    ETCFS_ASSIGN_OR_RETURN(bool r, EvaluateCompare(reader_, c));
    if (!r) {
      ok = false;
      break;
    }
  }
  path->push_back(ok);
  for (const auto& op : ok ? req.success : req.failure) {
    if (const auto* t = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
      ETCFS_RETURN_IF_ERROR(CompareToPath(**t, path));
    }
  }
  return Status::Ok();
}

Status ApplyBatch::CheckTxn(const kv::TxnRequest& req, const std::vector<bool>& path, size_t* pos,
                            int64_t current_rev) {
  const bool ok = path[(*pos)++];
  for (const auto& op : ok ? req.success : req.failure) {
    if (const auto* p = std::get_if<kv::PutRequest>(&op)) {
      ETCFS_RETURN_IF_ERROR(CheckPut(*p));
    } else if (const auto* r = std::get_if<kv::RangeRequest>(&op)) {
      ETCFS_RETURN_IF_ERROR(CheckRange(*r, current_rev));
    } else if (const auto* t = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
      ETCFS_RETURN_IF_ERROR(CheckTxn(**t, path, pos, current_rev));
    }
  }
  return Status::Ok();
}

Result<kv::TxnResponse> ApplyBatch::Txn(const kv::TxnRequest& req, const kv::ApplyContext& ctx,
                                    int max_txn_ops) {
  ETCFS_RETURN_IF_ERROR(ValidateTxn(req, max_txn_ops));
  // As etcd: a transaction that could put anything is refused while the
  // NOSPACE alarm is raised; deletes and reads go through.
  if (meta_.HasAlarm(kv::AlarmType::kNoSpace) && (HasPut(req.success) || HasPut(req.failure))) {
    return ErrNoSpace();
  }
  std::vector<bool> path;
  ETCFS_RETURN_IF_ERROR(CompareToPath(req, &path));
  size_t pos = 0;
  ETCFS_RETURN_IF_ERROR(CheckTxn(req, path, &pos, meta_.revision));

  WriteScope scope{meta_.revision + 1, 0, ctx.time_ns};
  pos = 0;
  auto resp = DoTxnOps(req, ctx, path, &pos, &scope);
  return Finish(std::move(resp), scope);
}

Result<kv::TxnResponse> ApplyBatch::DoTxnOps(const kv::TxnRequest& req, const kv::ApplyContext& ctx,
                                         const std::vector<bool>& path, size_t* pos,
                                         WriteScope* scope) {
  kv::TxnResponse resp;
  resp.succeeded = path[(*pos)++];
  for (const auto& op : resp.succeeded ? req.success : req.failure) {
    const int64_t current = scope->changed() ? scope->main : meta_.revision;
    if (const auto* r = std::get_if<kv::RangeRequest>(&op)) {
      ETCFS_ASSIGN_OR_RETURN(kv::RangeResponse rr,
                             EvaluateRange(reader_, *r, current, meta_.compact_revision));
      resp.responses.emplace_back(std::move(rr));
    } else if (const auto* p = std::get_if<kv::PutRequest>(&op)) {
      ETCFS_ASSIGN_OR_RETURN(kv::PutResponse pr, DoPut(*p, ctx, scope));
      pr.revision = scope->main;
      resp.responses.emplace_back(std::move(pr));
    } else if (const auto* d = std::get_if<kv::DeleteRangeRequest>(&op)) {
      ETCFS_ASSIGN_OR_RETURN(kv::DeleteRangeResponse dr, DoDeleteRange(*d, scope));
      dr.revision = scope->changed() ? scope->main : meta_.revision;
      resp.responses.emplace_back(std::move(dr));
    } else {
      const auto& nested = std::get<std::shared_ptr<const kv::TxnRequest>>(op);
      ETCFS_ASSIGN_OR_RETURN(kv::TxnResponse tr, DoTxnOps(*nested, ctx, path, pos, scope));
      tr.revision = scope->changed() ? scope->main : meta_.revision;
      resp.responses.emplace_back(std::make_shared<const kv::TxnResponse>(std::move(tr)));
    }
  }
  return resp;
}

Status ApplyBatch::Compact(int64_t revision) {
  if (revision <= meta_.compact_revision) return ErrCompacted();
  if (revision > meta_.revision) return ErrFutureRevision();
  meta_.compact_revision = revision;
  compaction_requested_ = true;
  return Status::Ok();
}

Result<kv::LeaseGrantResponse> ApplyBatch::LeaseGrant(const kv::LeaseGrantRequest& req) {
  if (meta_.HasAlarm(kv::AlarmType::kNoSpace)) return ErrNoSpace();
  if (req.ttl > kMaxLeaseTTL) return ErrLeaseTTLTooLarge();
  int64_t id = req.id;
  if (id == 0) {
    for (;;) {
      id = static_cast<int64_t>(Mix(++meta_.lease_seq) >> 1);  // positive, like etcd's ids
      if (id == 0) continue;
      ETCFS_ASSIGN_OR_RETURN(bool taken, LeaseExists(id));
      if (!taken) break;
    }
  } else {
    ETCFS_ASSIGN_OR_RETURN(bool taken, LeaseExists(id));
    if (taken) return ErrLeaseExists();
  }
  PutReadable(store_->db_->leases(), LeaseKey(id), EncodeLease(kv::LeaseInfo{id, req.ttl, 0}));
  return kv::LeaseGrantResponse{id, req.ttl};
}

Result<kv::LeaseRevokeResponse> ApplyBatch::LeaseRevoke(int64_t id, const kv::ApplyContext& ctx) {
  ETCFS_ASSIGN_OR_RETURN(bool exists, LeaseExists(id));
  if (!exists) return ErrLeaseNotFound();
  std::vector<std::string> keys;
  {
    const std::string prefix = LeaseKey(id);
    auto it = reader_.NewIterator(store_->db_->lease_keys());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      keys.emplace_back(ToView(it->key()).substr(prefix.size()));
    }
    if (!it->status().ok()) {
      broken_ = FromRocks(it->status(), "reading the keys of a lease");
      return broken_;
    }
  }
  // Keys come sorted, so every replica deletes them in the same sub-revision order.
  WriteScope scope{meta_.revision + 1, 0, ctx.time_ns};
  for (const auto& key : keys) {
    auto prev = reader_.GetLive(key);
    if (!prev.ok()) {
      broken_ = prev.status();
      return broken_;
    }
    if (*prev && (*prev)->kv.lease == id) {
      Status s = DeleteKey(std::move(**prev), &scope);
      if (!s.ok()) {
        broken_ = s;
        return s;
      }
    } else {
      DetachLease(id, key);  // stale entry; cannot normally happen
    }
  }
  DeleteReadable(store_->db_->leases(), LeaseKey(id));
  FinishScope(scope);
  return kv::LeaseRevokeResponse{meta_.revision};
}

Status ApplyBatch::LeaseCheckpoint(int64_t id, int64_t remaining_ttl) {
  std::string v;
  bool found = false;
  ETCFS_RETURN_IF_ERROR(reader_.Get(store_->db_->leases(), LeaseKey(id), &v, &found));
  if (!found) return Status::Ok();
  kv::LeaseInfo lease;
  if (!DecodeLease(v, id, &lease)) {
    return Status::Corruption("undecodable lease " + std::to_string(id) +
                              "; restore this member from a snapshot");
  }
  lease.remaining_ttl = remaining_ttl;
  PutReadable(store_->db_->leases(), LeaseKey(id), EncodeLease(lease));
  return Status::Ok();
}

std::vector<kv::AlarmMember> ApplyBatch::ActivateAlarm(kv::AlarmMember alarm) {
  auto& alarms = meta_.alarms;
  if (std::find(alarms.begin(), alarms.end(), alarm) == alarms.end()) {
    alarms.push_back(alarm);
    std::sort(alarms.begin(), alarms.end(), [](const kv::AlarmMember& a, const kv::AlarmMember& b) {
      return std::pair(a.member_id, a.alarm) < std::pair(b.member_id, b.alarm);
    });
  }
  return {alarm};
}

std::vector<kv::AlarmMember> ApplyBatch::DeactivateAlarm(kv::AlarmMember alarm) {
  if (std::erase(meta_.alarms, alarm) == 0) return {};
  return {alarm};
}

void ApplyBatch::PutMetadata(std::string_view key, std::string_view value) {
  PutReadable(store_->db_->meta(), std::string(kMetaAppPrefix) + std::string(key), value);
}

void ApplyBatch::DeleteMetadata(std::string_view key) {
  DeleteReadable(store_->db_->meta(), std::string(kMetaAppPrefix) + std::string(key));
}

Result<std::optional<std::string>> ApplyBatch::GetMetadata(std::string_view key) {
  std::string v;
  bool found = false;
  ETCFS_RETURN_IF_ERROR(reader_.Get(store_->db_->meta(), std::string(kMetaAppPrefix) + std::string(key), &v, &found));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::move(v));
}

void ApplyBatch::SetApplied(RaftIndex index, RaftTerm term) {
  meta_.applied_index = index.value();
  meta_.applied_term = term.value();
}

Status ApplyBatch::Commit() {
  if (committed_) return Status::Internal("ApplyBatch committed twice");
  if (!store_->failed_.ok()) return store_->failed_;
  if (!broken_.ok()) {
    store_->failed_ = broken_;
    spdlog::error("store: a write failed half-way ({}); refusing further writes until restart",
                  broken_.ToString());
    return broken_;
  }
  wb_.Put(store_->db_->meta(), ToSlice(kMetaStateKey), EncodeMeta(meta_)).PermitUncheckedError();
  rocksdb::WriteOptions wo;
  Status s = FromRocks(store_->db_->db()->Write(wo, &wb_), "committing a batch");
  if (!s.ok()) {
    store_->failed_ = s;
    spdlog::error("store: commit failed ({}); refusing further writes until restart", s.ToString());
    return s;
  }
  committed_ = true;
  store_->committed_since_measure_ += static_cast<int64_t>(wb_.GetDataSize());
  store_->meta_ = meta_;
  store_->Publish(meta_);
  if (meta_.revision >= first_rev_) {
    store_->hub_->Notify(first_rev_, meta_.revision, collect_events_ ? &events_ : nullptr);
  }
  if (compaction_requested_) store_->compactor_->Schedule();
  return Status::Ok();
}

}  // namespace etcfs::store
