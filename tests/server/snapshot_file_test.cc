// Snapshot files as older etcfs wrote them (a store image in etcd's frame:
// 512-byte aligned, SHA-256 at the end) still restore; anything damaged or
// foreign is refused. (etcd's own format: tests/member/etcd_backend_test.cc.)
#include <gtest/gtest.h>

#include "base/executor.h"
#include "member/snapshot_file.h"
#include "store/apply_batch.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace etcfs::server {
namespace {

std::string SnapshotOf(const std::string& image) {
  member::SnapshotHasher h;
  // In uneven pieces, as a stream delivers them.
  for (size_t i = 0; i < image.size(); i += 700) h.Update(std::string_view(image).substr(i, 700));
  return image + h.Tail();
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions o;
    o.dir = dir_.Sub("db");
    o.background = &background_;
    auto s = store::Store::Open(o);
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    auto b = store_->BeginBatch();
    for (int i = 0; i < 100; ++i) {
      kv::PutRequest p;
      p.key = "key" + std::to_string(i);
      p.value = std::string(i, 'v');
      ASSERT_TRUE(b->Put(p, kv::ApplyContext{1}).ok());
    }
    b->SetApplied(RaftIndex(1), RaftTerm(1));
    ASSERT_TRUE(b->Commit().ok());
    ASSERT_TRUE(store_->WriteImage([&](std::string_view c) {
      image_.append(c);
      return Status::Ok();
    }).ok());
  }
  testing::TempDir dir_;
  WorkerThread background_{"bg"};
  std::unique_ptr<store::Store> store_;
  std::string image_;
};

TEST_F(SnapshotFileTest, HasEtcdsShapeAndGivesBackTheImage) {
  const std::string file = SnapshotOf(image_);
  EXPECT_EQ(member::kSha256Bytes, file.size() % member::kSnapshotAlign);  // what etcdctl 3.4 checks
  auto image = member::StoreImageOfSnapshotFile(file, false);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image_, *image);
  store::StoreMeta meta;
  EXPECT_TRUE(store::VerifyImage(*image, &meta).ok());
  EXPECT_EQ(101, meta.revision);  // one revision per put
}

TEST_F(SnapshotFileTest, DamagedOrForeignFilesAreRefused) {
  std::string file = SnapshotOf(image_);
  std::string flipped = file;
  flipped[100] ^= 1;
  EXPECT_EQ(StatusCode::kCorruption, member::StoreImageOfSnapshotFile(flipped, false).status().code());
  EXPECT_EQ(StatusCode::kCorruption,
            member::StoreImageOfSnapshotFile(file.substr(0, file.size() - 1), false).status().code());
  // The right shape and hash, but neither an image nor a database inside.
  const std::string foreign = SnapshotOf(std::string(4096, 'B'));
  auto r = member::StoreImageOfSnapshotFile(foreign, false);
  EXPECT_EQ(StatusCode::kCorruption, r.status().code());
  EXPECT_NE(std::string::npos, r.status().message().find("neither an etcd database")) << r.status().ToString();
}

}  // namespace
}  // namespace etcfs::server
