// Store images: a whole store written out and installed into another, as a
// follower installs the leader's state.
#include "tests/store/store_fixture.h"

#include "tests/store/collecting_sink.h"

namespace etcfs::store {
namespace {

class StoreImage : public StoreTest {
 protected:
  std::string Image(const Store& s) {
    std::string image;
    Status st = s.WriteImage([&](std::string_view chunk) {
      ++chunks_;
      image.append(chunk);
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return image;
  }

  std::unique_ptr<Store> OpenOther(const std::string& name) {
    StoreOptions o = Options();
    o.dir = dir_.Sub(name);
    auto s = Store::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  // Everything a client can see, as text: every key's history and the leases.
  static std::string Describe(Store& s) {
    std::string out = "rev " + std::to_string(s.CurrentRevision()) + " compacted " +
                      std::to_string(s.CompactedRevision()) + " applied " +
                      std::to_string(s.AppliedIndex().value()) + "\n";
    for (int64_t rev = std::max<int64_t>(1, s.CompactedRevision()); rev <= s.CurrentRevision(); ++rev) {
      kv::RangeRequest req;
      req.key = std::string(1, '\0');
      req.range_end = std::string(1, '\0');
      req.revision = rev;
      auto r = s.Range(req);
      if (!r.ok()) return r.status().ToString();
      out += "@" + std::to_string(rev) + ":";
      for (const auto& kv : r->kvs) {
        out += " " + kv.key + "=" + kv.value + "/v" + std::to_string(kv.version) + "/l" +
               std::to_string(kv.lease);
      }
      out += "\n";
    }
    auto leases = s.Leases();
    if (leases.ok()) {
      for (const auto& l : *leases) out += "lease " + std::to_string(l.id) + " ttl " + std::to_string(l.ttl) + "\n";
    }
    return out;
  }

  int chunks_ = 0;
};

TEST_F(StoreImage, InstallReplacesEverythingAndHashesAgree) {
  auto grant = Apply([](ApplyBatch& b) { return b.LeaseGrant({.ttl = 30, .id = 77}); });
  ASSERT_TRUE(grant.ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Put("k" + std::to_string(i % 7), "v" + std::to_string(i)).ok());
  ASSERT_TRUE(Put("leased", "x", 77).ok());
  ASSERT_TRUE(Delete("k3").ok());
  ASSERT_TRUE(Compact(20).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  Apply([](ApplyBatch& b) {
    b.PutMetadata("members/1", "one");
    return 0;
  });

  // The target has history of its own, which must vanish entirely.
  auto other = OpenOther("other");
  {
    auto b = other->BeginBatch();
    kv::PutRequest p;
    p.key = "stale";
    p.value = "gone";
    ASSERT_TRUE(b->Put(p, Ctx()).ok());
    b->SetApplied(RaftIndex(3), RaftTerm(1));
    ASSERT_TRUE(b->Commit().ok());
  }

  const std::string image = Image(*store_);
  ASSERT_TRUE(other->InstallImage(image).ok());
  EXPECT_EQ(Describe(*store_), Describe(*other));
  auto h1 = store_->HashKV(0);
  auto h2 = other->HashKV(0);
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_EQ(h1->hash, h2->hash);
  EXPECT_EQ(store_->AppliedIndex(), other->AppliedIndex());
  auto meta = other->ListMetadata("members/");
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(1u, meta->size());
  EXPECT_EQ("one", (*meta)[0].second);
  auto ttl = other->LeaseTimeToLive(77, true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(std::vector<std::string>{"leased"}, ttl->keys);

  // Durable: a reopen finds the installed state, and writes go on from it.
  const std::string before = Describe(*other);
  StoreOptions o = Options();
  o.dir = dir_.Sub("other");
  other.reset();
  auto reopened = Store::Open(o);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(before, Describe(**reopened));
  auto b = (*reopened)->BeginBatch();
  kv::PutRequest p;
  p.key = "after";
  auto r = b->Put(p, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store_->CurrentRevision() + 1, r->revision);
}

TEST_F(StoreImage, DamagedOrTruncatedImagesAreRefusedAndChangeNothing) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put("k" + std::to_string(i), std::string(100, 'a' + i % 26)).ok());
  const std::string image = Image(*store_);
  auto other = OpenOther("other");
  {
    auto b = other->BeginBatch();
    kv::PutRequest p;
    p.key = "mine";
    p.value = "kept";
    ASSERT_TRUE(b->Put(p, Ctx()).ok());
    b->SetApplied(RaftIndex(1), RaftTerm(1));
    ASSERT_TRUE(b->Commit().ok());
  }
  const std::string before = Describe(*other);

  std::string flipped = image;
  flipped[image.size() / 2] ^= 0x40;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"flipped byte", flipped},
      {"truncated", image.substr(0, image.size() - 5)},
      {"cut in half", image.substr(0, image.size() / 2)},
      {"empty", ""},
      {"not an image", "SQLite format 3\0 and then some more bytes to be long enough"},
  };
  for (const auto& [what, img] : bad) {
    Status s = other->InstallImage(img);
    EXPECT_EQ(StatusCode::kCorruption, s.code()) << what << ": " << s.ToString();
    EXPECT_EQ(before, Describe(*other)) << what;
  }
  EXPECT_TRUE(other->InstallImage(image).ok());
}

TEST_F(StoreImage, ImagesComeInChunksAndAnEmptyStoreHasOne) {
  auto empty = OpenOther("empty");
  const std::string empty_image = Image(*empty);
  StoreMeta meta;
  ASSERT_TRUE(VerifyImage(empty_image, &meta).ok());
  EXPECT_EQ(1, meta.revision);

  const std::string big(64 * 1024, 'z');
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(Put("big" + std::to_string(i), big).ok());
  chunks_ = 0;
  const std::string image = Image(*store_);
  EXPECT_GT(chunks_, 1);  // 2.5 MiB in chunks of about 1 MiB
  ASSERT_TRUE(empty->InstallImage(image).ok());
  EXPECT_EQ(Describe(*store_), Describe(*empty));
}

TEST_F(StoreImage, WatchersCatchUpFromTheInstalledHistoryOrAreCanceled) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put("w", std::to_string(i)).ok());  // revs 2..11
  const std::string image = Image(*store_);
  ASSERT_TRUE(Compact(8).ok());
  const std::string compacted_image = Image(*store_);

  // A follower at revision 5 with a watcher waiting for revision 6.
  auto follower = [&](const std::string& name) {
    auto s = OpenOther(name);
    auto b = s->BeginBatch();
    for (int i = 0; i < 4; ++i) {
      kv::PutRequest p;
      p.key = "w";
      p.value = std::to_string(i);
      EXPECT_TRUE(b->Put(p, Ctx()).ok());
    }
    b->SetApplied(RaftIndex(4), RaftTerm(1));
    EXPECT_TRUE(b->Commit().ok());
    return s;
  };
  auto a = follower("a");
  CollectingSink sink_a;
  WatchRequest req;
  req.key = "w";
  a->watch_hub().Watch(req, &sink_a);
  ASSERT_TRUE(a->InstallImage(image).ok());
  ASSERT_TRUE(WaitFor([&] { return sink_a.count() == 6; }));
  EXPECT_EQ("P w=4@6 P w=5@7 P w=6@8 P w=7@9 P w=8@10 P w=9@11", sink_a.Describe());

  // The same from an image compacted past the watcher's next revision.
  auto b = follower("b");
  CollectingSink sink_b;
  b->watch_hub().Watch(req, &sink_b);
  ASSERT_TRUE(b->InstallImage(compacted_image).ok());
  ASSERT_TRUE(WaitFor([&] { return sink_b.canceled(); }));
  EXPECT_EQ(8, sink_b.compact_revision());
}

}  // namespace
}  // namespace etcfs::store
