// Encodings of the store's keys and records.
#include <gtest/gtest.h>

#include "base/coding.h"
#include "store/key_codec.h"
#include "store/meta.h"
#include "store/record_codec.h"

namespace etcfs::store {
namespace {

TEST(KeyCodec, EscapedKeysSortLikeRawKeys) {
  std::vector<std::string> keys = {"a", std::string("a\0", 2), std::string("a\0b", 3), "a\xff", "ab", "b", ""};
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    // Every version of keys[i], even the oldest, sorts before keys[i+1]'s newest.
    EXPECT_LT(VersionKey(keys[i], 1), VersionKey(keys[i + 1], INT64_MAX)) << i;
  }
}

TEST(KeyCodec, VersionKeysOfOneKeySortNewestFirst) {
  EXPECT_LT(VersionKey("k", 9), VersionKey("k", 3));
}

TEST(KeyCodec, SplitVersionKeyRoundTrips) {
  std::string key("x\0y", 3);
  std::string_view prefix;
  int64_t main;
  std::string vk = VersionKey(key, 42);
  ASSERT_TRUE(SplitVersionKey(vk, &prefix, &main));
  EXPECT_EQ(42, main);
  EXPECT_EQ(key, UnescapeKey(prefix));
}

TEST(KeyCodec, PrefixEndIsEtcds) {
  EXPECT_EQ("b", PrefixEnd("a"));
  EXPECT_EQ("a\x01", PrefixEnd(std::string("a\0", 2)));
  EXPECT_EQ("b", PrefixEnd("a\xff"));
  EXPECT_EQ(std::string(1, '\0'), PrefixEnd("\xff\xff"));
}

TEST(RecordCodec, RoundTripsEveryField) {
  Record r;
  r.kv = kv::KeyValue{std::string("k\0", 2), std::string("v\0al", 4), 5, 9, 3, -7,
                  kv::FileAttr{true, 0640, 1000, 100, 123456789, -5, 0x0801, kv::FileKind::kBlockDevice}, 987654321};
  r.sub = 2;
  std::string enc;
  EncodeKeyedRecord(r, &enc);
  Record back;
  ASSERT_TRUE(DecodeKeyedRecord(enc, &back));
  EXPECT_EQ(r.kv, back.kv);
  EXPECT_EQ(2, back.sub);
  EXPECT_FALSE(back.tombstone);
}

TEST(RecordCodec, DecodesEverythingButTheValueForKeysOnlyReads) {
  Record r;
  r.kv = kv::KeyValue{"k", "value", 5, 9, 3, 7, kv::FileAttr{true, 0600, 1, 2, 3, 4, 0, kv::FileKind::kFile}, 6};
  std::string enc;
  EncodeRecord(r, &enc);
  Record back;
  ASSERT_TRUE(DecodeRecord(enc, "k", &back, /*with_value=*/false));
  EXPECT_EQ("", back.kv.value);
  back.kv.value = "value";
  EXPECT_EQ(r.kv, back.kv);
  EXPECT_FALSE(DecodeRecord(enc.substr(0, 4), "k", &back, false));
}

TEST(RecordCodec, ReadsFormat1RecordsWithoutTheirLaterFields) {
  // Format 1, as etcfs wrote it before atime, ctime and rdev: flags 2
  // (explicit attributes), kind 2 (symlink), mod 9, sub 1, create 5,
  // version 3, lease 0, mode 0640, uid 7, gid 8, mtime 1000 (zigzag 2000),
  // then the value.
  const std::string v1("\x01\x02\x02\x09\x01\x05\x03\x00\xa0\x03\x07\x08\xd0\x0f" "target", 20);
  Record back;
  ASSERT_TRUE(DecodeRecord(v1, "k", &back));
  EXPECT_EQ(kv::FileKind::kSymlink, back.kv.attr.kind);
  EXPECT_EQ(0640u, back.kv.attr.mode);
  EXPECT_EQ(7u, back.kv.attr.uid);
  EXPECT_EQ(1000, back.kv.attr.mtime_ns);
  EXPECT_EQ(0, back.kv.attr.atime_ns);
  EXPECT_EQ(0, back.kv.ctime_ns);
  EXPECT_EQ("target", back.kv.value);
  // Kinds format 1 never had are refused there.
  std::string fifo = v1;
  fifo[2] = static_cast<char>(kv::FileKind::kFifo);
  EXPECT_FALSE(DecodeRecord(fifo, "k", &back));
}

TEST(RecordCodec, RejectsTruncatedInput) {
  Record r;
  r.kv.key = "k";
  r.kv.value = "";
  r.kv.mod_revision = 300;
  std::string enc;
  EncodeRecord(r, &enc);
  for (size_t n = 0; n + 1 < enc.size(); ++n) {
    Record back;
    EXPECT_FALSE(DecodeRecord(std::string_view(enc).substr(0, n), "k", &back)) << n;
  }
}

TEST(MetaCodec, RoundTrips) {
  StoreMeta m;
  m.revision = 77;
  m.compact_revision = 5;
  m.applied_index = 1234;
  m.applied_term = 3;
  m.key_count = 9;
  m.lease_seq = 4;
  m.alarms = {{1, kv::AlarmType::kNoSpace}, {2, kv::AlarmType::kCorrupt}};
  StoreMeta back;
  ASSERT_TRUE(DecodeMeta(EncodeMeta(m), &back));
  EXPECT_EQ(m, back);
}

TEST(Varint, SignedRoundTrips) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) {
    std::string s;
    PutVarintSigned64(&s, v);
    std::string_view in(s);
    int64_t back;
    ASSERT_TRUE(GetVarintSigned64(&in, &back));
    EXPECT_EQ(v, back);
  }
}

}  // namespace
}  // namespace etcfs::store
