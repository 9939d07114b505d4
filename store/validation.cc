#include "store/validation.h"

#include <set>
#include <string>
#include <vector>

#include "store/errors.h"
#include "store/range.h"

namespace etcfs::store {
namespace {

struct Writes {
  std::set<std::string> puts;
  std::vector<std::pair<std::string, std::string>> dels;  // (key, range_end)

  bool Deleted(const std::string& k) const {
    for (const auto& [key, end] : dels) {
      if (KeyInterval{key, end}.Contains(k)) return true;
    }
    return false;
  }
};

// etcd's checkIntervals: the puts and deletes of one branch, including the
// branches of nested transactions. The two branches of a nested transaction
// exclude each other, so they may put the same key.
Status CollectWrites(const std::vector<kv::RequestOp>& ops, Writes* out) {
  for (const auto& op : ops) {
    if (const auto* d = std::get_if<kv::DeleteRangeRequest>(&op)) {
      out->dels.emplace_back(d->key, d->range_end);
    }
  }
  for (const auto& op : ops) {
    const auto* t = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op);
    if (t == nullptr || *t == nullptr) continue;
    Writes then_w, else_w;
    ETCFS_RETURN_IF_ERROR(CollectWrites((*t)->success, &then_w));
    ETCFS_RETURN_IF_ERROR(CollectWrites((*t)->failure, &else_w));
    for (const auto& k : then_w.puts) {
      if (out->puts.count(k) || out->Deleted(k)) return ErrDuplicateKey();
      out->puts.insert(k);
    }
    for (const auto& k : else_w.puts) {
      if (out->puts.count(k) && !then_w.puts.count(k)) return ErrDuplicateKey();
      if (out->Deleted(k)) return ErrDuplicateKey();
      out->puts.insert(k);
    }
    out->dels.insert(out->dels.end(), then_w.dels.begin(), then_w.dels.end());
    out->dels.insert(out->dels.end(), else_w.dels.begin(), else_w.dels.end());
  }
  for (const auto& op : ops) {
    const auto* p = std::get_if<kv::PutRequest>(&op);
    if (p == nullptr) continue;
    if (out->puts.count(p->key) || out->Deleted(p->key)) return ErrDuplicateKey();
    out->puts.insert(p->key);
  }
  return Status::Ok();
}

Status ValidateOps(const std::vector<kv::RequestOp>& ops, int max_txn_ops);

Status ValidateOne(const kv::TxnRequest& req, int max_txn_ops) {
  const size_t limit = static_cast<size_t>(max_txn_ops);
  if (req.compare.size() > limit || req.success.size() > limit || req.failure.size() > limit) {
    return ErrTooManyOps();
  }
  for (const auto& c : req.compare) {
    if (c.key.empty()) return ErrEmptyKey();
  }
  ETCFS_RETURN_IF_ERROR(ValidateOps(req.success, max_txn_ops));
  return ValidateOps(req.failure, max_txn_ops);
}

Status ValidateOps(const std::vector<kv::RequestOp>& ops, int max_txn_ops) {
  for (const auto& op : ops) {
    Status s = std::visit(
        [max_txn_ops](const auto& r) -> Status {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, kv::RangeRequest>) return ValidateRange(r);
          if constexpr (std::is_same_v<T, kv::PutRequest>) return ValidatePut(r);
          if constexpr (std::is_same_v<T, kv::DeleteRangeRequest>) return ValidateDeleteRange(r);
          if constexpr (std::is_same_v<T, std::shared_ptr<const kv::TxnRequest>>) {
            if (r == nullptr) return Status::InvalidArgument("etcdserver: empty nested txn request");
            return ValidateOne(*r, max_txn_ops);
          }
        },
        op);
    ETCFS_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRange(const kv::RangeRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status ValidatePut(const kv::PutRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  if (req.ignore_value && !req.value.empty()) {
    return Status::InvalidArgument("etcdserver: value is provided");
  }
  if (req.ignore_lease && req.lease != 0) {
    return Status::InvalidArgument("etcdserver: lease is provided");
  }
  return Status::Ok();
}

Status ValidateDeleteRange(const kv::DeleteRangeRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status ValidateTxn(const kv::TxnRequest& req, int max_txn_ops) {
  ETCFS_RETURN_IF_ERROR(ValidateOne(req, max_txn_ops));
  Writes then_w, else_w;
  ETCFS_RETURN_IF_ERROR(CollectWrites(req.success, &then_w));
  return CollectWrites(req.failure, &else_w);
}

int64_t PutBytes(const kv::TxnRequest& req) {
  int64_t n = 0;
  for (const auto* ops : {&req.success, &req.failure}) {
    for (const kv::RequestOp& op : *ops) {
      if (const auto* put = std::get_if<kv::PutRequest>(&op)) {
        n += static_cast<int64_t>(put->key.size() + put->value.size());
      } else if (const auto* txn = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
        n += PutBytes(**txn);
      }
    }
  }
  return n;
}

}  // namespace etcfs::store
