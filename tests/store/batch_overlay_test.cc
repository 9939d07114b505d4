// BatchOverlay: lookups and the merged, ordered view over a database.
#include <gtest/gtest.h>

#include <map>

#include <rocksdb/db.h>

#include "store/batch_overlay.h"
#include "tests/support/temp_dir.h"

namespace etcfs::store {
namespace {

class BatchOverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.Sub("db"), &raw).ok());
    db_.reset(raw);
    for (auto k : {"b", "d", "f", "h"}) {
      ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), k, std::string("db-") + k).ok());
    }
  }
  uint32_t cf() { return db_->DefaultColumnFamily()->GetID(); }
  // "key=value" pairs from `seek` on.
  std::string Scan(const std::string& seek) {
    auto it = overlay_.NewMergedIterator(cf(), db_->NewIterator(rocksdb::ReadOptions()));
    std::string out;
    for (seek.empty() ? it->SeekToFirst() : it->Seek(seek); it->Valid(); it->Next()) {
      out += (out.empty() ? "" : " ") + it->key().ToString() + "=" + it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  BatchOverlay overlay_;
};

TEST_F(BatchOverlayTest, FindReportsUntouchedPutAndDeleted) {
  EXPECT_EQ(nullptr, overlay_.Find(cf(), "x"));
  overlay_.Put(cf(), "x", "1");
  ASSERT_NE(nullptr, overlay_.Find(cf(), "x"));
  EXPECT_EQ("1", **overlay_.Find(cf(), "x"));
  overlay_.Delete(cf(), "x");
  ASSERT_NE(nullptr, overlay_.Find(cf(), "x"));
  EXPECT_FALSE(overlay_.Find(cf(), "x")->has_value());
  overlay_.Put(cf(), "x", "2");
  EXPECT_EQ("2", **overlay_.Find(cf(), "x"));
}

TEST_F(BatchOverlayTest, MergedViewWithoutOverlayIsTheDatabase) {
  EXPECT_EQ("b=db-b d=db-d f=db-f h=db-h", Scan(""));
}

TEST_F(BatchOverlayTest, MergedViewShadowsInsertsAndSkipsDeletes) {
  overlay_.Put(cf(), "a", "new-a");   // before everything
  overlay_.Put(cf(), "d", "new-d");   // shadows the database
  overlay_.Delete(cf(), "f");         // hides the database's f
  overlay_.Delete(cf(), "g");         // deleting what never existed
  overlay_.Put(cf(), "z", "new-z");   // after everything
  EXPECT_EQ("a=new-a b=db-b d=new-d h=db-h z=new-z", Scan(""));
  EXPECT_EQ("d=new-d h=db-h z=new-z", Scan("c"));
  EXPECT_EQ("h=db-h z=new-z", Scan("e"));
  EXPECT_EQ("", Scan("zz"));
}

TEST_F(BatchOverlayTest, AdjacentDeletesAtTheEnd) {
  overlay_.Delete(cf(), "f");
  overlay_.Delete(cf(), "h");
  EXPECT_EQ("b=db-b d=db-d", Scan(""));
}

}  // namespace
}  // namespace etcfs::store
