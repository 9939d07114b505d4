// A store in a temporary directory, with helpers that make tests read like
// specs: Put("foo", "bar"); EXPECT_EQ("bar", Get("foo")).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/executor.h"
#include "store/apply_batch.h"
#include "store/store.h"
#include "store/watch_hub.h"
#include "tests/support/temp_dir.h"

namespace etcfs::store {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  StoreOptions Options() {
    StoreOptions o;
    o.dir = dir_.Sub("db");
    o.background = background_.get();
    o.compaction_batch_limit = compaction_batch_limit_;
    if (quota_ > 0) o.quota_bytes = quota_;
    return o;
  }

  void Reopen() {
    store_.reset();
    auto s = Store::Open(Options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // Applies one request in a batch of its own and commits it.
  template <typename Fn>
  auto Apply(Fn&& fn) {
    auto batch = store_->BeginBatch();
    auto result = fn(*batch);
    batch->SetApplied(RaftIndex(++index_), RaftTerm(1));
    Status s = batch->Commit();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }

  Result<kv::PutResponse> Put(const std::string& k, const std::string& v, int64_t lease = 0) {
    kv::PutRequest req;
    req.key = k;
    req.value = v;
    req.lease = lease;
    req.prev_kv = true;
    return Apply([&](ApplyBatch& b) { return b.Put(req, Ctx()); });
  }
  Result<kv::DeleteRangeResponse> Delete(const std::string& k, const std::string& end = "") {
    kv::DeleteRangeRequest req{k, end, true};
    return Apply([&](ApplyBatch& b) { return b.DeleteRange(req, Ctx()); });
  }
  Result<kv::TxnResponse> Txn(const kv::TxnRequest& req) {
    return Apply([&](ApplyBatch& b) { return b.Txn(req, Ctx()); });
  }
  Status Compact(int64_t rev) {
    return Apply([&](ApplyBatch& b) { return b.Compact(rev); });
  }
  // The value of `k` at `rev` (0 = now), or "<none>".
  std::string Get(const std::string& k, int64_t rev = 0) {
    kv::RangeRequest req;
    req.key = k;
    req.revision = rev;
    auto r = store_->Range(req);
    if (!r.ok()) return r.status().ToString();
    if (r->kvs.empty()) return "<none>";
    return r->kvs[0].value;
  }
  std::optional<kv::KeyValue> GetKv(const std::string& k, int64_t rev = 0) {
    kv::RangeRequest req;
    req.key = k;
    req.revision = rev;
    auto r = store_->Range(req);
    if (!r.ok() || r->kvs.empty()) return std::nullopt;
    return r->kvs[0];
  }
  // Keys in [k, end) at `rev`, joined by ','.
  std::string Keys(const std::string& k, const std::string& end, int64_t rev = 0) {
    kv::RangeRequest req;
    req.key = k;
    req.range_end = end;
    req.revision = rev;
    auto r = store_->Range(req);
    if (!r.ok()) return r.status().ToString();
    std::string out;
    for (const auto& kv : r->kvs) out += (out.empty() ? "" : ",") + kv.key;
    return out;
  }

  kv::ApplyContext Ctx() { return kv::ApplyContext{++clock_ns_}; }

  // Polls `cond` until it holds or `seconds` pass.
  static bool WaitFor(const std::function<bool()>& cond, double seconds = 10) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  testing::TempDir dir_;
  std::unique_ptr<WorkerThread> background_ = std::make_unique<WorkerThread>("store-bg");
  std::unique_ptr<Store> store_;
  uint64_t index_ = 0;
  int64_t clock_ns_ = 1'000'000'000;
  int compaction_batch_limit_ = 1000;
  int64_t quota_ = 0;
};

}  // namespace etcfs::store
