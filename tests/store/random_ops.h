// Random requests for the model and crash tests, generated from a seed and
// the reference model's state, and applied alike to the store and the model.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/apply_batch.h"
#include "tests/store/reference_model.h"

namespace etcfs::store {

struct RandomOp {
  enum class Kind { kPut, kDelete, kTxn, kCompact, kGrant, kRevoke } kind = Kind::kPut;
  std::string key, end, value;
  int64_t lease = 0;      // put: attach to; grant/revoke: the lease
  int64_t number = 0;     // compact: the revision; txn: the compared number
  int64_t time_ns = 0;
  kv::Compare::Target target = kv::Compare::Target::kValue;
  kv::Compare::Result result = kv::Compare::Result::kEqual;
  // txn branches: puts (value non-empty) and single-key deletes (value empty), distinct keys
  std::vector<std::pair<std::string, std::string>> success, failure;
};

// What a request did: the error code, and for successes what etcd reports.
struct Outcome {
  StatusCode code = StatusCode::kOk;
  int64_t revision = 0;
  int64_t deleted = 0;
  bool succeeded = false;
  bool operator==(const Outcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{code " << static_cast<int>(o.code) << ", rev " << o.revision << ", deleted "
            << o.deleted << ", succeeded " << o.succeeded << "}";
}

class RandomOps {
 public:
  explicit RandomOps(uint64_t seed) : rng_(seed) {}

  std::string Key() {
    static const char* kKeys[] = {"a", "b", "c", "d", "e", "f", "g", "h", "dir/", "dir/x", "dir/y"};
    int n = Int(0, 13);
    if (n < 11) return kKeys[n];
    if (n == 11) return std::string("nul\0key", 7);
    return "k" + std::to_string(Int(0, 30));
  }

  RandomOp Next(const ReferenceModel& model) {
    RandomOp op;
    op.time_ns = ++clock_;
    int dice = Int(0, 99);
    if (dice < 45) {
      op.kind = RandomOp::Kind::kPut;
      op.key = Key();
      op.value = "v" + std::to_string(Int(0, 999)) + (Int(0, 9) == 0 ? std::string(1, '\0') : "");
      if (Int(0, 3) == 0 && !leases_.empty()) op.lease = leases_[Int(0, leases_.size() - 1)];
      if (Int(0, 30) == 0) op.lease = 999999;  // no such lease
    } else if (dice < 60) {
      op.kind = RandomOp::Kind::kDelete;
      op.key = Key();
      if (Int(0, 2) == 0) op.end = Key();  // may be below key: deletes nothing
    } else if (dice < 80) {
      op.kind = RandomOp::Kind::kTxn;
      op.key = Key();
      op.target = static_cast<kv::Compare::Target>(Int(0, 4));
      op.result = static_cast<kv::Compare::Result>(Int(0, 3));
      op.value = "v" + std::to_string(Int(0, 999));
      op.number = Int(0, static_cast<int>(model.revision()));
      for (auto* branch : {&op.success, &op.failure}) {
        std::set<std::string> used;
        for (int i = Int(0, 3); i > 0; --i) {
          std::string k = Key();
          if (!used.insert(k).second) continue;
          branch->emplace_back(k, Int(0, 2) == 0 ? "" : "t" + std::to_string(Int(0, 99)));
        }
      }
    } else if (dice < 85) {
      op.kind = RandomOp::Kind::kCompact;
      // Mostly valid, sometimes already compacted or in the future.
      op.number = Int(std::max<int64_t>(0, model.compact_revision() - 1), model.revision() + 1);
    } else if (dice < 93) {
      op.kind = RandomOp::Kind::kGrant;
      op.lease = Int(1, 8);
      leases_.push_back(op.lease);
    } else {
      op.kind = RandomOp::Kind::kRevoke;
      op.lease = Int(1, 8);
    }
    return op;
  }

  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<int64_t> leases_;
  int64_t clock_ = 0;
};

inline std::vector<kv::RequestOp> BranchOps(const std::vector<std::pair<std::string, std::string>>& b) {
  std::vector<kv::RequestOp> ops;
  for (const auto& [k, v] : b) {
    if (v.empty()) {
      ops.emplace_back(kv::DeleteRangeRequest{k, "", false});
    } else {
      kv::PutRequest p;
      p.key = k;
      p.value = v;
      ops.emplace_back(p);
    }
  }
  return ops;
}

// Applies `op` to the store's batch.
inline Outcome ApplyToStore(ApplyBatch& batch, const RandomOp& op) {
  kv::ApplyContext ctx{op.time_ns};
  Outcome o;
  auto fail = [&o](const Status& s) {
    o.code = s.code();
    return o;
  };
  switch (op.kind) {
    case RandomOp::Kind::kPut: {
      kv::PutRequest p;
      p.key = op.key;
      p.value = op.value;
      p.lease = op.lease;
      auto r = batch.Put(p, ctx);
      if (!r.ok()) return fail(r.status());
      o.revision = r->revision;
      return o;
    }
    case RandomOp::Kind::kDelete: {
      auto r = batch.DeleteRange(kv::DeleteRangeRequest{op.key, op.end, false}, ctx);
      if (!r.ok()) return fail(r.status());
      o.revision = r->revision;
      o.deleted = r->deleted;
      return o;
    }
    case RandomOp::Kind::kTxn: {
      kv::TxnRequest t;
      kv::Compare c;
      c.key = op.key;
      c.target = op.target;
      c.result = op.result;
      c.number = op.number;
      c.value = op.value;
      t.compare = {c};
      t.success = BranchOps(op.success);
      t.failure = BranchOps(op.failure);
      auto r = batch.Txn(t, ctx);
      if (!r.ok()) return fail(r.status());
      o.revision = r->revision;
      o.succeeded = r->succeeded;
      return o;
    }
    case RandomOp::Kind::kCompact: {
      Status s = batch.Compact(op.number);
      if (!s.ok()) return fail(s);
      return o;
    }
    case RandomOp::Kind::kGrant: {
      auto r = batch.LeaseGrant({.ttl = 10, .id = op.lease});
      if (!r.ok()) return fail(r.status());
      return o;
    }
    case RandomOp::Kind::kRevoke: {
      auto r = batch.LeaseRevoke(op.lease, ctx);
      if (!r.ok()) return fail(r.status());
      o.revision = r->revision;
      return o;
    }
  }
  return o;
}

// Applies `op` to the model: the semantics written out by hand.
inline Outcome ApplyToModel(ReferenceModel& m, const RandomOp& op) {
  Outcome o;
  const int64_t main = m.revision() + 1;
  switch (op.kind) {
    case RandomOp::Kind::kPut:
      if (op.lease != 0 && !m.LeaseExists(op.lease)) {
        o.code = StatusCode::kNotFound;
        return o;
      }
      m.Put(op.key, op.value, op.lease, op.time_ns, main);
      m.FinishRequest(true);
      o.revision = m.revision();
      return o;
    case RandomOp::Kind::kDelete:
      o.deleted = m.DeleteRange(op.key, op.end, main, op.time_ns);
      m.FinishRequest(o.deleted > 0);
      o.revision = m.revision();
      return o;
    case RandomOp::Kind::kTxn: {
      auto kv = m.Live(op.key);
      bool holds;
      if (!kv && op.target == kv::Compare::Target::kValue) {
        holds = false;
      } else {
        kv::KeyValue cur = kv ? *kv : kv::KeyValue{};
        int c;
        if (op.target == kv::Compare::Target::kValue) {
          c = cur.value < op.value ? -1 : (cur.value > op.value ? 1 : 0);
        } else {
          int64_t v = op.target == kv::Compare::Target::kVersion ? cur.version
                      : op.target == kv::Compare::Target::kCreate ? cur.create_revision
                      : op.target == kv::Compare::Target::kMod    ? cur.mod_revision
                                                              : cur.lease;
          c = v < op.number ? -1 : (v > op.number ? 1 : 0);
        }
        holds = op.result == kv::Compare::Result::kEqual      ? c == 0
                : op.result == kv::Compare::Result::kNotEqual ? c != 0
                : op.result == kv::Compare::Result::kGreater  ? c > 0
                                                          : c < 0;
      }
      o.succeeded = holds;
      bool changed = false;
      for (const auto& [k, v] : holds ? op.success : op.failure) {
        if (v.empty()) {
          changed |= m.DeleteRange(k, "", main, op.time_ns) > 0;
        } else {
          m.Put(k, v, 0, op.time_ns, main);
          changed = true;
        }
      }
      m.FinishRequest(changed);
      o.revision = m.revision();
      return o;
    }
    case RandomOp::Kind::kCompact:
      if (op.number <= m.compact_revision()) {
        o.code = StatusCode::kCompacted;
      } else if (op.number > m.revision()) {
        o.code = StatusCode::kFutureRevision;
      } else {
        m.Compact(op.number);
      }
      return o;
    case RandomOp::Kind::kGrant:
      if (m.LeaseExists(op.lease)) {
        o.code = StatusCode::kAlreadyExists;
      } else {
        m.Grant(op.lease);
      }
      return o;
    case RandomOp::Kind::kRevoke:
      if (!m.LeaseExists(op.lease)) {
        o.code = StatusCode::kNotFound;
        return o;
      }
      m.FinishRequest(m.Revoke(op.lease, main, op.time_ns) > 0);
      o.revision = m.revision();
      return o;
  }
  return o;
}

}  // namespace etcfs::store
