// Transactions: compares, branches, nesting, one revision per txn, and
// etcd's refusal of a branch that writes a key twice.
#include "tests/store/store_fixture.h"

namespace etcfs::store {
namespace {

using StoreTxn = StoreTest;

kv::Compare ValueIs(const std::string& k, const std::string& v) {
  kv::Compare c;
  c.key = k;
  c.target = kv::Compare::Target::kValue;
  c.result = kv::Compare::Result::kEqual;
  c.value = v;
  return c;
}

kv::Compare Number(const std::string& k, kv::Compare::Target t, kv::Compare::Result r, int64_t n) {
  kv::Compare c;
  c.key = k;
  c.target = t;
  c.result = r;
  c.number = n;
  return c;
}

kv::PutRequest P(const std::string& k, const std::string& v) {
  kv::PutRequest p;
  p.key = k;
  p.value = v;
  return p;
}

TEST_F(StoreTxn, ATxnBumpsTheRevisionOnce) {
  kv::TxnRequest t;
  t.success = {P("a", "1"), P("b", "2"), kv::DeleteRangeRequest{"c", "", false}};
  ASSERT_TRUE(Put("c", "x").ok());  // rev 2
  auto r = Txn(t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(3, r->revision);
  EXPECT_EQ(3, store_->CurrentRevision());
  EXPECT_EQ(3, GetKv("a")->mod_revision);
  EXPECT_EQ(3, GetKv("b")->mod_revision);
  EXPECT_EQ("<none>", Get("c"));
}

TEST_F(StoreTxn, CompareChoosesTheBranch) {
  ASSERT_TRUE(Put("k", "v1").ok());
  kv::TxnRequest t;
  t.compare = {ValueIs("k", "v1")};
  t.success = {P("k", "ok")};
  t.failure = {P("k", "failed")};
  auto r = Txn(t);
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ("ok", Get("k"));
  r = Txn(t);  // now k is "ok"
  EXPECT_FALSE(r->succeeded);
  EXPECT_EQ("failed", Get("k"));
}

TEST_F(StoreTxn, CompareTargets) {
  ASSERT_TRUE(Put("k", "v").ok());  // create 2, mod 2, version 1
  ASSERT_TRUE(Put("k", "w").ok());  // mod 3, version 2
  using T = kv::Compare::Target;
  using R = kv::Compare::Result;
  auto holds = [&](kv::Compare c) {
    kv::TxnRequest t;
    t.compare = {c};
    return Txn(t)->succeeded;
  };
  EXPECT_TRUE(holds(Number("k", T::kVersion, R::kEqual, 2)));
  EXPECT_TRUE(holds(Number("k", T::kCreate, R::kEqual, 2)));
  EXPECT_TRUE(holds(Number("k", T::kMod, R::kGreater, 2)));
  EXPECT_TRUE(holds(Number("k", T::kMod, R::kLess, 4)));
  EXPECT_TRUE(holds(Number("k", T::kLease, R::kEqual, 0)));
  EXPECT_TRUE(holds(Number("k", T::kVersion, R::kNotEqual, 1)));
  // A missing key compares as zeros; a value compare on it always fails.
  EXPECT_TRUE(holds(Number("missing", T::kCreate, R::kEqual, 0)));
  EXPECT_FALSE(holds(ValueIs("missing", "")));
}

TEST_F(StoreTxn, RangeCompareNeedsEveryKey) {
  ASSERT_TRUE(Put("a1", "x").ok());
  ASSERT_TRUE(Put("a2", "x").ok());
  kv::Compare c = ValueIs("a", "x");
  c.range_end = "b";
  kv::TxnRequest t;
  t.compare = {c};
  EXPECT_TRUE(Txn(t)->succeeded);
  ASSERT_TRUE(Put("a3", "y").ok());
  EXPECT_FALSE(Txn(t)->succeeded);
}

TEST_F(StoreTxn, OpsSeeEarlierOpsOfTheTxn) {
  kv::TxnRequest t;
  kv::RangeRequest read;
  read.key = "k";
  t.success = {P("k", "new"), read};
  auto r = Txn(t);
  ASSERT_TRUE(r.ok());
  const auto& rr = std::get<kv::RangeResponse>(r->responses[1]);
  ASSERT_EQ(1u, rr.kvs.size());
  EXPECT_EQ("new", rr.kvs[0].value);
}

TEST_F(StoreTxn, NestedTxnComparesSeeTheStateBeforeTheTxn) {
  ASSERT_TRUE(Put("k", "before").ok());
  auto inner = std::make_shared<kv::TxnRequest>();
  inner->compare = {ValueIs("k", "before")};
  inner->success = {P("inner", "saw-before")};
  inner->failure = {P("inner", "saw-after")};
  kv::TxnRequest t;
  t.success = {P("k", "after"), std::shared_ptr<const kv::TxnRequest>(inner)};
  auto r = Txn(t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ("saw-before", Get("inner"));
  const auto& nested = std::get<std::shared_ptr<const kv::TxnResponse>>(r->responses[1]);
  EXPECT_TRUE(nested->succeeded);
  EXPECT_EQ(3, GetKv("inner")->mod_revision);  // still one revision for all
}

TEST_F(StoreTxn, DuplicateKeyInABranchIsRefused) {
  kv::TxnRequest t;
  t.success = {P("k", "1"), P("k", "2")};
  auto r = Txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: duplicate key given in txn request", r.status().message());
  // Put over a deleted range, too.
  t.success = {kv::DeleteRangeRequest{"a", "z", false}, P("k", "1")};
  EXPECT_FALSE(Txn(t).ok());
  // The two branches of a nested txn exclude each other: allowed.
  auto inner = std::make_shared<kv::TxnRequest>();
  inner->success = {P("k", "1")};
  inner->failure = {P("k", "2")};
  t.success = {std::shared_ptr<const kv::TxnRequest>(inner)};
  EXPECT_TRUE(Txn(t).ok());
  // But not next to a put of the same key.
  t.success = {std::shared_ptr<const kv::TxnRequest>(inner), P("k", "3")};
  EXPECT_FALSE(Txn(t).ok());
  EXPECT_EQ(2, store_->CurrentRevision());
}

TEST_F(StoreTxn, TooManyOpsIsRefused) {
  kv::TxnRequest t;
  for (int i = 0; i < 129; ++i) t.success.push_back(P("k" + std::to_string(i), "v"));
  auto r = Txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: too many operations in txn request", r.status().message());
}

TEST_F(StoreTxn, AFailingOpLeavesNoTrace) {
  kv::TxnRequest t;
  kv::PutRequest bad = P("b", "v");
  bad.lease = 12345;  // no such lease
  t.success = {P("a", "v"), bad};
  auto r = Txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: requested lease not found", r.status().message());
  EXPECT_EQ("<none>", Get("a"));
  EXPECT_EQ(1, store_->CurrentRevision());
}

TEST_F(StoreTxn, ReadOnlyTxnKeepsTheRevision) {
  ASSERT_TRUE(Put("k", "v").ok());
  kv::TxnRequest t;
  kv::RangeRequest read;
  read.key = "k";
  t.success = {read};
  auto r = Txn(t);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(2, r->revision);
  EXPECT_EQ(2, store_->CurrentRevision());
}

TEST_F(StoreTxn, RangeOpAtAFutureRevisionFailsTheTxn) {
  kv::TxnRequest t;
  kv::RangeRequest read;
  read.key = "k";
  read.revision = 100;
  t.success = {P("a", "v"), read};
  auto r = Txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(StatusCode::kFutureRevision, r.status().code());
  EXPECT_EQ("<none>", Get("a"));
}

}  // namespace
}  // namespace etcfs::store

namespace etcfs::store {
namespace {

TEST_F(StoreTxn, AReadOfARevisionWrittenEarlierInTheSameBatchSeesIt) {
  ASSERT_TRUE(Put("a", "committed").ok());  // rev 2
  auto batch = store_->BeginBatch();
  kv::PutRequest p;
  p.key = "a";
  p.value = "in-batch";
  ASSERT_TRUE(batch->Put(p, Ctx()).ok());  // rev 3
  p.key = "b";
  p.value = "in-batch-b";
  ASSERT_TRUE(batch->Put(p, Ctx()).ok());  // rev 4
  ASSERT_TRUE(batch->DeleteRange(kv::DeleteRangeRequest{"a", "", false}, Ctx()).ok());  // rev 5
  auto at = [&](int64_t rev) {
    kv::RangeRequest r;
    r.key = "a";
    r.range_end = "z";
    r.revision = rev;
    auto resp = batch->Range(r);
    EXPECT_TRUE(resp.ok());
    std::string out;
    for (auto& kv : resp->kvs) out += kv.key + "=" + kv.value + " ";
    return out;
  };
  EXPECT_EQ("a=committed ", at(2));
  EXPECT_EQ("a=in-batch ", at(3));
  EXPECT_EQ("a=in-batch b=in-batch-b ", at(4));
  EXPECT_EQ("b=in-batch-b ", at(5));
  kv::RangeRequest single;
  single.key = "a";
  single.revision = 3;
  EXPECT_EQ("in-batch", batch->Range(single)->kvs.at(0).value);
  ASSERT_TRUE(batch->Commit().ok());
}

}  // namespace
}  // namespace etcfs::store
