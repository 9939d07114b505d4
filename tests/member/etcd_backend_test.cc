// A store as etcd's backend and back: what etcfs writes comes back as the
// very same store (history, leases, alarms, metadata and file attributes);
// from etcd's buckets alone (a file etcd wrote) the key space, history,
// leases and compaction come back, with the mount's default attributes.
#include "member/etcd_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/executor.h"
#include "member/bbolt.h"
#include "member/snapshot_file.h"
#include "store/apply_batch.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace etcfs::member {
namespace {

class EtcdBackend : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> OpenStore(const std::string& name) {
    store::StoreOptions o;
    o.dir = dir_.Sub(name);
    o.background = &background_;
    auto s = store::Store::Open(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  // A store with history, deletes, attributes, leases, a compaction, an
  // alarm and metadata.
  void Fill(store::Store& s) {
    uint64_t index = 0;
    auto apply = [&](auto&& fn) {
      auto b = s.BeginBatch();
      fn(*b);
      b->SetApplied(RaftIndex(++index), RaftTerm(1));
      ASSERT_TRUE(b->Commit().ok());
    };
    apply([](store::ApplyBatch& b) { ASSERT_TRUE(b.LeaseGrant({.ttl = 600, .id = 77}).ok()); });
    for (int i = 0; i < 300; ++i) {
      apply([&](store::ApplyBatch& b) {
        kv::PutRequest p;
        p.key = "/k/" + std::to_string(i % 40);
        p.value = std::string(static_cast<size_t>(i), 'v');
        if (i % 3 == 0) p.attr = kv::FileAttr{true, 0640, 1000, 100, 0, 0, 0, kv::FileKind::kFile};
        if (i % 7 == 0) p.lease = 77;
        ASSERT_TRUE(b.Put(p, kv::ApplyContext{1000 + i}).ok());
        if (i % 11 == 0) {
          ASSERT_TRUE(b.DeleteRange({"/k/" + std::to_string((i + 5) % 40), "", false}, {}).ok());
        }
      });
    }
    apply([](store::ApplyBatch& b) { ASSERT_TRUE(b.Compact(100).ok()); });
    apply([](store::ApplyBatch& b) {
      b.ActivateAlarm({42, kv::AlarmType::kNoSpace});
      b.PutMetadata("members/000000000000002a", "a member record");
    });
    ASSERT_TRUE(s.WaitForCompaction().ok());
  }

  // `s` as etcd's backend, then as a snapshot file (the database and its SHA-256).
  std::string SnapshotFile(store::Store& s) {
    const std::string path = dir_.Sub("backend.db");
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    Status w = WriteEtcdBackend([&](const StoreRecordFn& fn) { return s.ForEachRecord(fn); }, fd);
    EXPECT_TRUE(w.ok()) << w.ToString();
    close(fd);
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    SnapshotHasher h;
    h.Update(bytes.str());
    return bytes.str() + h.Tail();
  }

  std::unique_ptr<store::Store> Restore(const std::string& file, const std::string& name, bool bare = false) {
    auto image = StoreImageOfSnapshotFile(file, bare);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    auto s = OpenStore(name);
    Status installed = s->InstallImage(*image);
    EXPECT_TRUE(installed.ok()) << installed.ToString();
    EXPECT_TRUE(s->WaitForCompaction().ok());
    return s;
  }

  static std::vector<kv::KeyValue> Everything(store::Store& s, int64_t rev = 0) {
    auto r = s.Range(kv::RangeRequest{.key = std::string(1, '\0'), .range_end = std::string(1, '\0'), .revision = rev});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->kvs : std::vector<kv::KeyValue>{};
  }

  testing::TempDir dir_;
  WorkerThread background_{"bg"};
};

TEST_F(EtcdBackend, AnEtcfsSnapshotRestoresTheVeryStore) {
  auto original = OpenStore("original");
  Fill(*original);
  const std::string file = SnapshotFile(*original);
  EXPECT_EQ(kSha256Bytes, file.size() % kSnapshotAlign);  // what etcdctl checks
  auto restored = Restore(file, "restored");
  EXPECT_EQ(original->Hash()->hash, restored->Hash()->hash);  // every record of every family
  EXPECT_EQ(original->HashKV(0)->hash, restored->HashKV(0)->hash);
  EXPECT_EQ(Everything(*original), Everything(*restored));
  EXPECT_EQ(original->Alarms(), restored->Alarms());
}

TEST_F(EtcdBackend, EtcdsBucketsAloneBringTheKeySpaceHistoryAndLeases) {
  auto original = OpenStore("original");
  Fill(*original);
  const std::string file = SnapshotFile(*original);
  // Drop the etcfs bucket, as in a file etcd wrote.
  auto reader = bbolt::Reader::Open(std::string_view(file).substr(0, file.size() - kSha256Bytes));
  ASSERT_TRUE(reader.ok());
  const std::string path = dir_.Sub("etcd.db");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  {
    bbolt::Writer w(fd);
    auto names = reader->Buckets();
    ASSERT_TRUE(names.ok());
    for (const auto& name : *names) {
      if (name == "etcfs") continue;
      int b = w.Open(name);
      ASSERT_TRUE(reader->ForEach(name, [&](std::string_view k, std::string_view v) { return w.Put(b, k, v); }).ok());
    }
    ASSERT_TRUE(w.Finish().ok());
  }
  close(fd);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto restored = Restore(bytes.str(), "restored", /*bare=*/true);  // as etcd's member/snap/db
  ASSERT_NE(restored, nullptr);

  auto want = Everything(*original), got = Everything(*restored);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].key, got[i].key);
    EXPECT_EQ(want[i].value, got[i].value);
    EXPECT_EQ(want[i].create_revision, got[i].create_revision);
    EXPECT_EQ(want[i].mod_revision, got[i].mod_revision);
    EXPECT_EQ(want[i].version, got[i].version);
    EXPECT_EQ(want[i].lease, got[i].lease);
    EXPECT_FALSE(got[i].attr.explicit_attrs);  // the mount's defaults
    EXPECT_EQ(0, got[i].attr.mtime_ns);  // unknown: the same on every member restored
  }
  EXPECT_EQ(original->CurrentRevision(), restored->CurrentRevision());
  EXPECT_EQ(original->CompactedRevision(), restored->CompactedRevision());
  EXPECT_EQ(original->HashKV(0)->revision, restored->HashKV(0)->revision);
  EXPECT_EQ(Everything(*original, 150).size(), Everything(*restored, 150).size());  // history past the compaction
  EXPECT_EQ(original->Alarms(), restored->Alarms());
  auto lease = restored->LeaseTimeToLive(77, true);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(600, lease->lease.ttl);
  EXPECT_EQ(original->LeaseTimeToLive(77, true)->keys, lease->keys);
}

TEST_F(EtcdBackend, StatusCountsAsEtcdctlDoes) {
  auto original = OpenStore("original");
  Fill(*original);
  const std::string file = SnapshotFile(*original);
  auto st = StatusOfEtcdBackend(std::string_view(file).substr(0, file.size() - kSha256Bytes));
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(original->CurrentRevision(), st->revision);
  EXPECT_EQ(static_cast<int64_t>(file.size() - kSha256Bytes), st->total_size);
  EXPECT_GT(st->total_keys, 40);
}

TEST_F(EtcdBackend, ABboltFileThatIsNotEtcdsIsRefused) {
  const std::string path = dir_.Sub("other.db");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  bbolt::Writer w(fd);
  ASSERT_TRUE(w.Put(w.Open("things"), "a", "b").ok());
  ASSERT_TRUE(w.Finish().ok());
  close(fd);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto image = StoreImageOfSnapshotFile(bytes.str(), true);
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.status().message().find("not etcd's"), std::string::npos) << image.status().message();
}

}  // namespace
}  // namespace etcfs::member
