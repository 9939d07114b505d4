#include "mount-tools/companion_txn.h"

#include <gtest/gtest.h>

#include "base/key_range.h"

namespace etcfs::mount_tools {
namespace {

kv::PutRequest Put(std::string key, std::optional<kv::FileAttr> attr) {
  kv::PutRequest p;
  p.key = std::move(key);
  p.value = "v";
  p.attr = attr;
  return p;
}

kv::FileAttr Attr(uint32_t mode, int64_t mtime) {
  kv::FileAttr a;
  a.explicit_attrs = true;
  a.mode = mode;
  a.mtime_ns = mtime;
  return a;
}

TEST(CompanionTxnTest, PutsWithAttributesAndDeletesBringTheirCompanions) {
  AttrKeys keys("/app/");
  kv::TxnRequest txn;
  txn.success.emplace_back(Put("/app/a", Attr(0600, 0)));     // mtime stamped
  txn.success.emplace_back(Put("/app/b", std::nullopt));      // content only: attributes kept
  txn.success.emplace_back(Put("/elsewhere", Attr(0600, 5)));  // outside the prefix
  txn.success.emplace_back(kv::DeleteRangeRequest{"/app/d/", PrefixEnd("/app/d/"), false});
  txn.failure.emplace_back(kv::DeleteRangeRequest{"/app/c", "", false});
  const kv::TxnRequest out = WithCompanions(txn, keys, 42);
  ASSERT_EQ(out.success.size(), 6u);
  const auto& ca = std::get<kv::PutRequest>(out.success[1]);
  EXPECT_EQ(ca.key, keys.AttrKeyOf("/app/a"));
  EXPECT_EQ(DecodeAttr(ca.value)->mtime_ns, 42);
  EXPECT_EQ(DecodeAttr(ca.value)->mode, 0600u);
  EXPECT_EQ(std::get<kv::PutRequest>(out.success[2]).key, "/app/b");
  EXPECT_EQ(std::get<kv::PutRequest>(out.success[3]).key, "/elsewhere");
  const auto& cd = std::get<kv::DeleteRangeRequest>(out.success[5]);
  EXPECT_EQ(cd.key, keys.AttrKeyOf("/app/d/"));
  EXPECT_EQ(cd.range_end, keys.AttrKeyOf(PrefixEnd("/app/d/")));
  ASSERT_EQ(out.failure.size(), 2u);
  EXPECT_EQ(std::get<kv::DeleteRangeRequest>(out.failure[1]).key, keys.AttrKeyOf("/app/c"));
  EXPECT_TRUE(std::get<kv::DeleteRangeRequest>(out.failure[1]).range_end.empty());
}

TEST(CompanionTxnTest, TheAnswerLosesTheCompanionsAnswers) {
  AttrKeys keys("/app/");
  kv::TxnRequest txn;
  txn.success.emplace_back(Put("/app/a", Attr(0600, 1)));
  txn.success.emplace_back(kv::DeleteRangeRequest{"/app/b", "", false});
  txn.success.emplace_back(kv::RangeRequest{"/app/c"});
  kv::TxnResponse resp;
  resp.succeeded = true;
  resp.revision = 7;
  resp.responses.reserve(5);
  resp.responses.emplace_back(kv::PutResponse{});
  resp.responses.emplace_back(kv::PutResponse{});  // the companion's
  kv::DeleteRangeResponse d;
  d.deleted = 1;
  resp.responses.emplace_back(d);
  resp.responses.emplace_back(kv::DeleteRangeResponse{});  // the companion's
  kv::RangeResponse r;
  r.count = 3;
  resp.responses.emplace_back(r);
  const kv::TxnResponse out = WithoutCompanions(resp, txn, keys);
  ASSERT_EQ(out.responses.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<kv::PutResponse>(out.responses[0]));
  EXPECT_EQ(std::get<kv::DeleteRangeResponse>(out.responses[1]).deleted, 1);
  EXPECT_EQ(std::get<kv::RangeResponse>(out.responses[2]).count, 3);
  EXPECT_EQ(out.revision, 7);
}

}  // namespace
}  // namespace etcfs::mount_tools
