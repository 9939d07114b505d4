// The watch hub: events in revision order exactly once, catch-up from
// history, slow sinks, filters, prev_kv, compaction, progress.
#include "tests/store/store_fixture.h"
#include "tests/store/collecting_sink.h"

#include <mutex>

#include "store/key_codec.h"

namespace etcfs::store {
namespace {

class StoreWatch : public StoreTest {
 protected:
  WatchId Watch(CollectingSink* sink, const std::string& key, const std::string& end = "",
                int64_t start = 0, bool prev_kv = false) {
    WatchRequest req;
    req.key = key;
    req.range_end = end;
    req.start_revision = start;
    req.prev_kv = prev_kv;
    return store_->watch_hub().Watch(req, sink);
  }
};

TEST_F(StoreWatch, SyncedWatcherSeesNewEventsInOrder) {
  CollectingSink sink;
  Watch(&sink, "k");
  ASSERT_TRUE(Put("k", "1").ok());
  ASSERT_TRUE(Put("other", "x").ok());
  ASSERT_TRUE(Delete("k").ok());
  EXPECT_EQ("P k=1@2 D k@4", sink.Describe());
}

TEST_F(StoreWatch, PrefixWatchSeesEveryEventOfATxnInSubRevisionOrder) {
  CollectingSink sink;
  Watch(&sink, "/a/", PrefixEnd("/a/"));
  kv::TxnRequest t;
  kv::PutRequest p1, p2;
  p1.key = "/a/2";
  p1.value = "x";
  p2.key = "/a/1";
  p2.value = "y";
  t.success = {p1, p2};
  ASSERT_TRUE(Txn(t).ok());
  EXPECT_EQ("P /a/2=x@2 P /a/1=y@2", sink.Describe());
}

TEST_F(StoreWatch, WatchFromThePastReplaysHistory) {
  ASSERT_TRUE(Put("k", "1").ok());  // 2
  ASSERT_TRUE(Put("k", "2").ok());  // 3
  ASSERT_TRUE(Delete("k").ok());    // 4
  CollectingSink sink;
  Watch(&sink, "k", "", 3);
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }));
  ASSERT_TRUE(Put("k", "3").ok());  // 5, live
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 3; }));
  EXPECT_EQ("P k=2@3 D k@4 P k=3@5", sink.Describe());
}

TEST_F(StoreWatch, PrevKvIsDeliveredWhenAsked) {
  ASSERT_TRUE(Put("k", "old").ok());  // 2
  CollectingSink live, past;
  Watch(&live, "k", "", 0, true);
  ASSERT_TRUE(Put("k", "new").ok());  // 3
  ASSERT_TRUE(Delete("k").ok());      // 4
  Watch(&past, "k", "", 3, true);
  ASSERT_TRUE(WaitFor([&] { return past.count() == 2; }));
  for (auto* sink : {&live, &past}) {
    auto evs = sink->events();
    ASSERT_EQ(2u, evs.size());
    ASSERT_TRUE(evs[0].prev_kv);
    EXPECT_EQ("old", evs[0].prev_kv->value);
    ASSERT_TRUE(evs[1].prev_kv);
    EXPECT_EQ("new", evs[1].prev_kv->value);
  }
  CollectingSink without;
  Watch(&without, "k", "", 3, false);
  ASSERT_TRUE(WaitFor([&] { return without.count() == 2; }));
  EXPECT_FALSE(without.events()[0].prev_kv);
}

TEST_F(StoreWatch, FiltersDropPutsOrDeletes) {
  CollectingSink no_put, no_delete;
  WatchRequest req;
  req.key = "k";
  req.filter_put = true;
  store_->watch_hub().Watch(req, &no_put);
  req.filter_put = false;
  req.filter_delete = true;
  store_->watch_hub().Watch(req, &no_delete);
  ASSERT_TRUE(Put("k", "1").ok());
  ASSERT_TRUE(Delete("k").ok());
  EXPECT_EQ("D k@3", no_put.Describe());
  EXPECT_EQ("P k=1@2", no_delete.Describe());
}

TEST_F(StoreWatch, WatchingFromACompactedRevisionFailsWithTheCompactRevision) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put("k", std::to_string(i)).ok());
  ASSERT_TRUE(Compact(4).ok());
  CollectingSink sink;
  Watch(&sink, "k", "", 2);
  ASSERT_TRUE(WaitFor([&] { return sink.canceled(); }));
  EXPECT_EQ(4, sink.compact_revision());
  EXPECT_EQ(0u, sink.count());
  EXPECT_EQ(0u, store_->watch_hub().WatcherCount());
}

TEST_F(StoreWatch, WatchFromTheCompactRevisionDoesNotSeeADeleteThereAsInEtcd) {
  ASSERT_TRUE(Put("k", "1").ok());  // 2
  ASSERT_TRUE(Delete("k").ok());    // 3
  ASSERT_TRUE(Put("k", "2").ok());  // 4
  ASSERT_TRUE(Compact(3).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  CollectingSink sink;
  Watch(&sink, "k", "", 3);
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }));
  EXPECT_EQ("P k=2@4", sink.Describe());
  EXPECT_FALSE(sink.canceled());
}

TEST_F(StoreWatch, ASlowSinkIsCaughtUpFromHistoryWithoutLosingEvents) {
  CollectingSink slow, fast;
  Watch(&slow, "k");
  Watch(&fast, "k");
  slow.Refuse(true);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Put("k", std::to_string(i)).ok());
  EXPECT_EQ(50u, fast.count());  // the fast one is not held up
  slow.Refuse(false);
  ASSERT_TRUE(WaitFor([&] { return slow.count() == 50; }));
  ASSERT_TRUE(Put("k", "last").ok());
  ASSERT_TRUE(WaitFor([&] { return slow.count() == 51; }));
  EXPECT_EQ(fast.Describe(), slow.Describe());
  EXPECT_EQ(51u, fast.count());
}

TEST_F(StoreWatch, FutureStartRevisionWaitsForIt) {
  CollectingSink sink;
  Watch(&sink, "k", "", 4);
  ASSERT_TRUE(Put("k", "1").ok());  // 2
  ASSERT_TRUE(Put("k", "2").ok());  // 3
  ASSERT_TRUE(Put("k", "3").ok());  // 4
  EXPECT_EQ("P k=3@4", sink.Describe());
}

TEST_F(StoreWatch, CancelStopsDelivery) {
  CollectingSink sink;
  WatchId id = Watch(&sink, "k");
  ASSERT_TRUE(Put("k", "1").ok());
  EXPECT_TRUE(store_->watch_hub().Cancel(id));
  EXPECT_FALSE(store_->watch_hub().Cancel(id));
  ASSERT_TRUE(Put("k", "2").ok());
  EXPECT_EQ("P k=1@2", sink.Describe());
}

TEST_F(StoreWatch, ProgressReportsTheCurrentRevisionWhenSynced) {
  CollectingSink sink;
  WatchId id = Watch(&sink, "k");
  ASSERT_TRUE(Put("other", "1").ok());
  EXPECT_TRUE(store_->watch_hub().RequestProgress(id));
  EXPECT_EQ(std::vector<int64_t>{2}, sink.progress());
}

TEST_F(StoreWatch, EventsWrittenBeforeTheFirstWatcherAreReplayed) {
  // A batch that began with nobody watching gathers no events; a watcher
  // registered meanwhile is caught up from history instead.
  auto batch = store_->BeginBatch();
  kv::PutRequest p;
  p.key = "k";
  p.value = "v";
  ASSERT_TRUE(batch->Put(p, Ctx()).ok());
  CollectingSink sink;
  Watch(&sink, "k");
  ASSERT_TRUE(batch->Commit().ok());
  batch.reset();
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }));
  EXPECT_EQ("P k=v@2", sink.Describe());
}

TEST_F(StoreWatch, ManyWatchersCatchUpInChunks) {
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(Put("k" + std::to_string(i % 100), "v").ok());
  std::vector<std::unique_ptr<CollectingSink>> sinks;
  for (int w = 0; w < 20; ++w) {
    sinks.push_back(std::make_unique<CollectingSink>());
    Watch(sinks.back().get(), "k", "l", 2 + w * 100);
  }
  for (int w = 0; w < 20; ++w) {
    ASSERT_TRUE(WaitFor([&] { return sinks[w]->count() == static_cast<size_t>(10000 - w * 100); }))
        << w << ": " << sinks[w]->count();
    auto evs = sinks[w]->events();
    for (size_t i = 1; i < evs.size(); ++i) ASSERT_LT(evs[i - 1].kv.mod_revision, evs[i].kv.mod_revision);
  }
}

}  // namespace
}  // namespace etcfs::store
