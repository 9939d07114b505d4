// Put, delete and range: revisions, versions and etcd's range options.
#include "tests/store/store_fixture.h"

#include "store/key_codec.h"

namespace etcfs::store {
namespace {

using StoreKv = StoreTest;

TEST_F(StoreKv, EmptyStoreIsAtRevisionOne) {
  EXPECT_EQ(1, store_->CurrentRevision());
  EXPECT_EQ("<none>", Get("foo"));
}

TEST_F(StoreKv, PutBumpsRevisionAndSetsCreateModVersion) {
  ASSERT_TRUE(Put("foo", "bar").ok());
  auto kv = GetKv("foo");
  ASSERT_TRUE(kv);
  EXPECT_EQ("bar", kv->value);
  EXPECT_EQ(2, kv->create_revision);
  EXPECT_EQ(2, kv->mod_revision);
  EXPECT_EQ(1, kv->version);
  EXPECT_EQ(2, store_->CurrentRevision());
  ASSERT_TRUE(Put("foo", "baz").ok());
  kv = GetKv("foo");
  EXPECT_EQ(2, kv->create_revision);
  EXPECT_EQ(3, kv->mod_revision);
  EXPECT_EQ(2, kv->version);
}

TEST_F(StoreKv, PutReturnsPrevKv) {
  ASSERT_TRUE(Put("foo", "1").ok());
  auto r = Put("foo", "2");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->prev_kv);
  EXPECT_EQ("1", r->prev_kv->value);
  EXPECT_EQ(3, r->revision);
}

TEST_F(StoreKv, KeysAndValuesMayHoldNul) {
  std::string k("a\0b", 3), v("x\0y", 3);
  ASSERT_TRUE(Put(k, v).ok());
  ASSERT_TRUE(Put("a", "plain").ok());
  EXPECT_EQ(v, Get(k));
  EXPECT_EQ("plain", Get("a"));
  EXPECT_EQ(std::string("a,a\0b", 5), Keys("a", "b"));
}

TEST_F(StoreKv, DeleteResetsVersion) {
  ASSERT_TRUE(Put("foo", "1").ok());
  ASSERT_TRUE(Put("foo", "2").ok());
  auto d = Delete("foo");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(1, d->deleted);
  EXPECT_EQ("<none>", Get("foo"));
  ASSERT_TRUE(Put("foo", "3").ok());
  auto kv = GetKv("foo");
  EXPECT_EQ(1, kv->version);
  EXPECT_EQ(5, kv->create_revision);
}

TEST_F(StoreKv, DeleteOfNothingKeepsRevision) {
  auto d = Delete("nothing");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(0, d->deleted);
  EXPECT_EQ(1, store_->CurrentRevision());
}

TEST_F(StoreKv, DeleteRangeIsOneRevisionWithPrevKvs) {
  for (auto k : {"a", "b", "c", "d"}) ASSERT_TRUE(Put(k, k).ok());
  auto d = Delete("b", "d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(2, d->deleted);
  ASSERT_EQ(2u, d->prev_kvs.size());
  EXPECT_EQ("b", d->prev_kvs[0].key);
  EXPECT_EQ(6, store_->CurrentRevision());
  EXPECT_EQ("a,d", Keys("a", std::string(1, '\0')));
}

TEST_F(StoreKv, TombstonesKeepHistoryReadable) {
  ASSERT_TRUE(Put("foo", "1").ok());  // rev 2
  ASSERT_TRUE(Delete("foo").ok());    // rev 3
  ASSERT_TRUE(Put("foo", "2").ok());  // rev 4
  EXPECT_EQ("1", Get("foo", 2));
  EXPECT_EQ("<none>", Get("foo", 3));
  EXPECT_EQ("2", Get("foo", 4));
  EXPECT_EQ("<none>", Get("foo", 1));
}

TEST_F(StoreKv, RangeAtPastRevisionSeesThatState) {
  ASSERT_TRUE(Put("a", "1").ok());  // 2
  ASSERT_TRUE(Put("b", "1").ok());  // 3
  ASSERT_TRUE(Put("a", "2").ok());  // 4
  ASSERT_TRUE(Delete("b").ok());    // 5
  ASSERT_TRUE(Put("c", "1").ok());  // 6
  EXPECT_EQ("a", Keys("a", "z", 2));
  EXPECT_EQ("a,b", Keys("a", "z", 3));
  EXPECT_EQ("a,b", Keys("a", "z", 4));
  EXPECT_EQ("a", Keys("a", "z", 5));
  EXPECT_EQ("a,c", Keys("a", "z", 6));
  EXPECT_EQ("2", Get("a", 5));
}

TEST_F(StoreKv, FutureRevisionFails) {
  ASSERT_TRUE(Put("a", "1").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.revision = 3;
  auto r = store_->Range(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(StatusCode::kFutureRevision, r.status().code());
  EXPECT_EQ("etcdserver: mvcc: required revision is a future revision", r.status().message());
}

TEST_F(StoreKv, PrefixAndFromKeyRanges) {
  for (auto k : {"/a", "/a/1", "/a/2", "/b", "c"}) ASSERT_TRUE(Put(k, "v").ok());
  EXPECT_EQ("/a/1,/a/2", Keys("/a/", PrefixEnd("/a/")));
  EXPECT_EQ("/b,c", Keys("/b", std::string(1, '\0')));
  EXPECT_EQ("/a,/a/1,/a/2,/b,c", Keys(std::string(1, '\0'), std::string(1, '\0')));
  EXPECT_EQ("", Keys("z", "a"));  // an end below the key selects nothing
}

TEST_F(StoreKv, LimitSetsMoreAndCountCountsAll) {
  for (auto k : {"a", "b", "c", "d"}) ASSERT_TRUE(Put(k, "v").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.range_end = "z";
  req.limit = 2;
  auto r = store_->Range(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(2u, r->kvs.size());
  EXPECT_TRUE(r->more);
  EXPECT_EQ(4, r->count);
  req.limit = 4;
  r = store_->Range(req);
  EXPECT_FALSE(r->more);
}

TEST_F(StoreKv, CountOnlyAndKeysOnly) {
  for (auto k : {"a", "b", "c"}) ASSERT_TRUE(Put(k, "value").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.range_end = "z";
  req.count_only = true;
  auto r = store_->Range(req);
  EXPECT_EQ(3, r->count);
  EXPECT_TRUE(r->kvs.empty());
  req.count_only = false;
  req.keys_only = true;
  r = store_->Range(req);
  ASSERT_EQ(3u, r->kvs.size());
  EXPECT_EQ("", r->kvs[1].value);
  EXPECT_EQ(3, r->kvs[1].mod_revision);
}

TEST_F(StoreKv, SortByEveryTargetBothWays) {
  ASSERT_TRUE(Put("a", "3").ok());  // 2
  ASSERT_TRUE(Put("b", "1").ok());  // 3
  ASSERT_TRUE(Put("c", "2").ok());  // 4
  ASSERT_TRUE(Put("b", "4").ok());  // 5: b has version 2
  auto order = [&](kv::SortTarget t, kv::SortOrder o) {
    kv::RangeRequest req;
    req.key = "a";
    req.range_end = "z";
    req.sort_target = t;
    req.sort_order = o;
    auto r = store_->Range(req);
    std::string s;
    for (auto& kv : r->kvs) s += kv.key;
    return s;
  };
  EXPECT_EQ("cba", order(kv::SortTarget::kKey, kv::SortOrder::kDescend));
  EXPECT_EQ("abc", order(kv::SortTarget::kKey, kv::SortOrder::kAscend));
  EXPECT_EQ("cab", order(kv::SortTarget::kValue, kv::SortOrder::kAscend));
  EXPECT_EQ("bac", order(kv::SortTarget::kValue, kv::SortOrder::kDescend));
  EXPECT_EQ("acb", order(kv::SortTarget::kMod, kv::SortOrder::kAscend));
  EXPECT_EQ("abc", order(kv::SortTarget::kCreate, kv::SortOrder::kAscend));
  EXPECT_EQ("bac", order(kv::SortTarget::kVersion, kv::SortOrder::kDescend));  // ties keep key order
  // A target other than key with order NONE sorts ascending, as etcd does.
  EXPECT_EQ("acb", order(kv::SortTarget::kMod, kv::SortOrder::kNone));
}

TEST_F(StoreKv, AKeysOnlyRangeSortsByTheValuesItDoesNotSend) {
  ASSERT_TRUE(Put("a", "3").ok());
  ASSERT_TRUE(Put("b", "1").ok());
  ASSERT_TRUE(Put("c", "2").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.range_end = "z";
  req.keys_only = true;
  req.sort_target = kv::SortTarget::kValue;
  req.sort_order = kv::SortOrder::kAscend;
  auto r = store_->Range(req);
  ASSERT_TRUE(r.ok());
  std::string keys;
  for (auto& kv : r->kvs) {
    keys += kv.key;
    EXPECT_EQ("", kv.value);
  }
  EXPECT_EQ("bca", keys);
}

TEST_F(StoreKv, SortAppliesBeforeLimit) {
  for (auto k : {"a", "b", "c"}) ASSERT_TRUE(Put(k, "v").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.range_end = "z";
  req.sort_order = kv::SortOrder::kDescend;
  req.limit = 1;
  auto r = store_->Range(req);
  ASSERT_EQ(1u, r->kvs.size());
  EXPECT_EQ("c", r->kvs[0].key);
  EXPECT_TRUE(r->more);
}

TEST_F(StoreKv, RevisionFilters) {
  ASSERT_TRUE(Put("a", "v").ok());  // 2
  ASSERT_TRUE(Put("b", "v").ok());  // 3
  ASSERT_TRUE(Put("c", "v").ok());  // 4
  ASSERT_TRUE(Put("a", "w").ok());  // 5
  kv::RangeRequest req;
  req.key = "a";
  req.range_end = "z";
  req.min_mod_revision = 4;
  auto r = store_->Range(req);
  ASSERT_EQ(2u, r->kvs.size());
  EXPECT_EQ("a", r->kvs[0].key);
  EXPECT_EQ("c", r->kvs[1].key);
  EXPECT_EQ(3, r->count);  // count ignores filters, as in etcd
  req = kv::RangeRequest{};
  req.key = "a";
  req.range_end = "z";
  req.max_create_revision = 3;
  r = store_->Range(req);
  EXPECT_EQ(2u, r->kvs.size());
  req.max_create_revision = 0;
  req.min_create_revision = 3;
  req.max_mod_revision = 4;
  r = store_->Range(req);
  ASSERT_EQ(2u, r->kvs.size());
  EXPECT_EQ("b", r->kvs[0].key);
}

TEST_F(StoreKv, EmptyKeyIsRefused) {
  auto r = Put("", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: key is not provided", r.status().message());
  EXPECT_EQ(1, store_->CurrentRevision());
}

TEST_F(StoreKv, IgnoreValueKeepsValueAndNeedsTheKey) {
  kv::PutRequest req;
  req.key = "k";
  req.ignore_value = true;
  auto r = Apply([&](ApplyBatch& b) { return b.Put(req, Ctx()); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("etcdserver: key not found", r.status().message());
  ASSERT_TRUE(Put("k", "v1").ok());
  r = Apply([&](ApplyBatch& b) { return b.Put(req, Ctx()); });
  ASSERT_TRUE(r.ok());
  auto kv = GetKv("k");
  EXPECT_EQ("v1", kv->value);
  EXPECT_EQ(2, kv->version);
}

TEST_F(StoreKv, HeaderRevisionIsCurrentEvenForOldReads) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("a", "2").ok());
  kv::RangeRequest req;
  req.key = "a";
  req.revision = 2;
  auto r = store_->Range(req);
  EXPECT_EQ(3, r->revision);
}

TEST_F(StoreKv, ReopenResumesAtAppliedIndexWithoutLosingData) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("b", "2").ok());
  ASSERT_TRUE(Delete("a").ok());
  Reopen();
  EXPECT_EQ(4, store_->CurrentRevision());
  EXPECT_EQ(RaftIndex(3), store_->AppliedIndex());
  EXPECT_EQ("1", Get("a", 2));
  EXPECT_EQ("<none>", Get("a"));
  EXPECT_EQ("2", Get("b"));
  EXPECT_EQ(1, store_->KeyCount());
}

TEST_F(StoreKv, ABatchOfManyRequestsIsOneWrite) {
  auto batch = store_->BeginBatch();
  kv::PutRequest p;
  p.key = "k";
  for (int i = 0; i < 10; ++i) {
    p.value = std::to_string(i);
    ASSERT_TRUE(batch->Put(p, Ctx()).ok());
  }
  // Nothing is visible before the commit.
  EXPECT_EQ("<none>", Get("k"));
  batch->SetApplied(RaftIndex(10), RaftTerm(2));
  ASSERT_TRUE(batch->Commit().ok());
  batch.reset();
  auto kv = GetKv("k");
  EXPECT_EQ("9", kv->value);
  EXPECT_EQ(10, kv->version);
  EXPECT_EQ(11, store_->CurrentRevision());
  EXPECT_EQ(RaftTerm(2), store_->AppliedTerm());
}

TEST_F(StoreKv, AttributesAreStoredAndVersioned) {
  kv::PutRequest p;
  p.key = "/etc/app.conf";
  p.value = "x=1";
  p.attr = kv::FileAttr{true, 0600, 1000, 1000, 0, 0, 0, kv::FileKind::kFile};
  ASSERT_TRUE(Apply([&](ApplyBatch& b) { return b.Put(p, kv::ApplyContext{42}); }).ok());
  auto kv = GetKv("/etc/app.conf");
  EXPECT_TRUE(kv->attr.explicit_attrs);
  EXPECT_EQ(0600u, kv->attr.mode);
  EXPECT_EQ(1000u, kv->attr.uid);
  EXPECT_EQ(42, kv->attr.mtime_ns);  // stamped with the entry's time
  // An API write without attributes keeps owner and mode, and stamps mtime.
  kv::PutRequest api;
  api.key = "/etc/app.conf";
  api.value = "x=2";
  ASSERT_TRUE(Apply([&](ApplyBatch& b) { return b.Put(api, kv::ApplyContext{99}); }).ok());
  kv = GetKv("/etc/app.conf");
  EXPECT_EQ(0600u, kv->attr.mode);
  EXPECT_EQ(99, kv->attr.mtime_ns);
  // The old version keeps its own attributes.
  EXPECT_EQ(42, GetKv("/etc/app.conf", 2)->attr.mtime_ns);
}

TEST_F(StoreKv, NewKeysWithoutAttributesGetAnEmptyRecordStampedWithTheirTime) {
  ASSERT_TRUE(Apply([&](ApplyBatch& b) {
                kv::PutRequest p;
                p.key = "/d/f";
                p.value = "v";
                return b.Put(p, kv::ApplyContext{77});
              }).ok());
  const auto kv = GetKv("/d/f");
  EXPECT_FALSE(kv->attr.explicit_attrs);
  EXPECT_EQ(kv->attr.mtime_ns, 77);
  EXPECT_EQ(kv->attr.mode, 0u);
}

}  // namespace
}  // namespace etcfs::store

namespace etcfs::store {
namespace {

TEST_F(StoreKv, FiltersApplyToASingleKeyToo) {
  ASSERT_TRUE(Put("k", "v").ok());  // mod 2
  kv::RangeRequest req;
  req.key = "k";
  req.min_mod_revision = 3;
  auto r = store_->Range(req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->kvs.empty());
  EXPECT_EQ(1, r->count);
  req.min_mod_revision = 2;
  EXPECT_EQ(1u, store_->Range(req)->kvs.size());
}

}  // namespace
}  // namespace etcfs::store
