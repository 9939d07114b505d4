// The checker on histories whose verdict is known: it must accept the
// linearizable ones and refuse the others, or it proves nothing.
#include "tests/cluster/linearizability.h"

#include <gtest/gtest.h>

#include <random>

namespace etcfs::testing {
namespace {

KvOp Base(KvOp::Kind kind, int client, int64_t call, int64_t ret, std::string key = "k") {
  KvOp op;
  op.kind = kind;
  op.client = client;
  op.key = std::move(key);
  op.call_ns = call;
  op.return_ns = ret;
  return op;
}
KvOp Put(int client, int64_t call, int64_t ret, std::string value, std::string key = "k") {
  KvOp op = Base(KvOp::Kind::kPut, client, call, ret, std::move(key));
  op.value = std::move(value);
  return op;
}
KvOp Get(int client, int64_t call, int64_t ret, std::optional<std::string> got, std::string key = "k") {
  KvOp op = Base(KvOp::Kind::kGet, client, call, ret, std::move(key));
  op.got = std::move(got);
  return op;
}
KvOp Cas(int client, int64_t call, int64_t ret, std::optional<std::string> expect, std::string value, bool ok) {
  KvOp op = Base(KvOp::Kind::kCas, client, call, ret);
  op.expect = std::move(expect);
  op.value = std::move(value);
  op.succeeded = ok;
  return op;
}
KvOp Del(int client, int64_t call, int64_t ret, bool deleted) {
  KvOp op = Base(KvOp::Kind::kDelete, client, call, ret);
  op.succeeded = deleted;
  return op;
}
constexpr int64_t kUnknown = KvOp::kUnknown;

TEST(Linearizability, SequentialReadsSeeTheLastWrite) {
  EXPECT_TRUE(CheckLinearizable({Get(0, 0, 1, std::nullopt), Put(0, 2, 3, "a"), Get(1, 4, 5, "a"),
                                 Put(1, 6, 7, "b"), Get(0, 8, 9, "b")}).ok);
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, 3, "b"), Get(0, 4, 5, "a")}).ok)
      << "a stale read after a completed overwrite";
}

TEST(Linearizability, ConcurrentOperationsMayTakeEffectInEitherOrder) {
  // The put of b overlaps both reads: one before it, one after, both fine.
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, 10, "b"), Get(2, 3, 4, "b"), Get(3, 5, 6, "b")}).ok);
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, 10, "b"), Get(2, 3, 4, "a"), Get(3, 5, 6, "b")}).ok);
  // But once a read saw b, a later read cannot see a again.
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, 10, "b"), Get(2, 3, 4, "b"), Get(3, 5, 6, "a")}).ok);
}

TEST(Linearizability, AWriteWithAnUnknownOutcomeMayHaveHappenedOrNot) {
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, kUnknown, "b"), Get(2, 5, 6, "a")}).ok);
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, kUnknown, "b"), Get(2, 5, 6, "b")}).ok);
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, kUnknown, "b"), Get(2, 5, 6, "b"), Get(2, 7, 8, "a")}).ok)
      << "once seen, an unknown write has happened";
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Put(1, 2, kUnknown, "b"), Get(2, 0, 1, "b")}).ok)
      << "seen before it was sent";
}

TEST(Linearizability, CompareAndSwapAnswersMustAgreeWithTheValue) {
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Cas(1, 2, 3, "a", "b", true), Cas(2, 4, 5, "a", "c", false),
                                 Get(0, 6, 7, "b")}).ok);
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Cas(1, 2, 3, "a", "b", true), Cas(2, 4, 5, "a", "c", true)}).ok)
      << "two swaps from the same value, one after the other";
  EXPECT_TRUE(CheckLinearizable({Cas(0, 0, 1, std::nullopt, "a", true), Get(1, 2, 3, "a")}).ok)
      << "a swap from absent creates";
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Cas(1, 2, kUnknown, "a", "b", false), Get(2, 5, 6, "b")}).ok)
      << "an unknown swap that took effect";
}

TEST(Linearizability, DeletesReportWhetherThereWasAKey) {
  EXPECT_TRUE(CheckLinearizable({Put(0, 0, 1, "a"), Del(1, 2, 3, true), Get(0, 4, 5, std::nullopt),
                                 Del(1, 6, 7, false)}).ok);
  EXPECT_FALSE(CheckLinearizable({Put(0, 0, 1, "a"), Del(1, 2, 3, false)}).ok);
}

TEST(Linearizability, KeysAreCheckedApartAndAFailureNamesItsKey) {
  auto r = CheckLinearizable({Put(0, 0, 1, "a", "x"), Get(1, 2, 3, "a", "x"), Put(0, 0, 1, "a", "y"),
                              Put(0, 2, 3, "b", "y"), Get(1, 4, 5, "a", "y")});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.key, "y");
  EXPECT_EQ(r.keys, 2u);
  EXPECT_NE(r.explanation.find("get y -> \"a\""), std::string::npos) << r.explanation;
}

TEST(Linearizability, ARegisterUnderManyConcurrentClientsIsCheckedQuickly) {
  // A real register's history: each op takes effect at a random instant
  // inside its interval; 8 clients, 2,000 operations, heavy overlap.
  std::mt19937_64 rng(7);
  struct Timed {
    int64_t at;
    KvOp op;
  };
  std::vector<Timed> timed;
  for (int c = 0; c < 8; ++c) {
    int64_t t = 0;
    for (int i = 0; i < 250; ++i) {
      const int64_t call = t + static_cast<int64_t>(rng() % 50);
      const int64_t ret = call + 1 + static_cast<int64_t>(rng() % 400);
      const int64_t at = call + static_cast<int64_t>(rng() % static_cast<uint64_t>(ret - call));
      KvOp op = rng() % 2 ? Put(c, call, ret, std::to_string(c) + "." + std::to_string(i))
                          : Get(c, call, ret, std::nullopt);
      timed.push_back({at, op});
      t = ret;
    }
  }
  std::sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) { return a.at < b.at; });
  std::optional<std::string> value;
  std::vector<KvOp> history;
  for (auto& [at, op] : timed) {
    if (op.kind == KvOp::Kind::kPut) value = op.value;
    else op.got = value;
    history.push_back(op);
  }
  auto r = CheckLinearizable(history);
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_EQ(r.ops, 2000u);
  // The same history with one read answered with a value never current then.
  for (auto& op : history) {
    if (op.kind == KvOp::Kind::kGet && op.got && op.call_ns > 5000) {
      op.got = "0.0";  // client 0's first write, overwritten long before
      break;
    }
  }
  EXPECT_FALSE(CheckLinearizable(history).ok);
}

TEST(Linearizability, ManyWritesOfUnknownOutcomeDoNotExplodeTheSearch) {
  // A quorum loss: 40 writes time out; then reads see x, absent, x. Going
  // back to x needs a write of x after the delete, and there is none: the
  // search must rule out every way of ordering the unknown writes, which
  // only the symmetry between them keeps small.
  std::vector<KvOp> history{Put(0, 0, 1, "x")};
  for (int i = 0; i < 30; ++i) history.push_back(Put(i % 8, 2 + i, kUnknown, "lost" + std::to_string(i)));
  for (int i = 0; i < 10; ++i) history.push_back(Del(i % 8, 40 + i, kUnknown, false));
  history.push_back(Get(9, 100, 101, "x"));
  history.push_back(Get(9, 102, 103, std::nullopt));
  EXPECT_TRUE(CheckLinearizable(history).ok);
  history.push_back(Get(9, 104, 105, "x"));
  auto r = CheckLinearizable(history, 100000);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.inconclusive);
}

TEST(Linearizability, AHistoryTooLargeForTheBudgetIsInconclusiveNotAViolation) {
  std::vector<KvOp> history;
  for (int i = 0; i < 40; ++i) history.push_back(Put(i, 0, kUnknown, "v" + std::to_string(i)));
  history.push_back(Get(99, 10, 11, "v7"));
  auto r = CheckLinearizable(history, 10);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.inconclusive);
  EXPECT_NE(r.explanation.find("search states"), std::string::npos) << r.explanation;
  EXPECT_FALSE(CheckLinearizable(history).inconclusive);
}

}  // namespace
}  // namespace etcfs::testing
