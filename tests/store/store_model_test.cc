// The randomized model test: long random sequences of puts, deletes, txns,
// compactions and lease operations, applied in random batches to the store
// and to ReferenceModel; ranges at random revisions and the event streams of
// watchers must agree. ETCFS_MODEL_SEEDS and ETCFS_MODEL_OPS scale it up.
#include <cstdlib>
#include <mutex>

#include "store/key_codec.h"
#include "store/watch_hub.h"
#include "tests/store/random_ops.h"
#include "tests/store/store_fixture.h"

namespace etcfs::store {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

// Records every event; refuses some updates at random to force catch-up.
class RecordingSink : public WatchSink {
 public:
  RecordingSink(uint64_t seed, int refuse_percent) : rng_(seed), refuse_percent_(refuse_percent) {}
  bool Deliver(WatchUpdate&& u) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (u.canceled) {
      canceled_ = true;
      compact_revision_ = u.compact_revision;
      return true;
    }
    if (!u.events.empty() && std::uniform_int_distribution<int>(0, 99)(rng_) < refuse_percent_) {
      return false;
    }
    for (size_t i = 0; i < u.events.size(); ++i) events_.push_back(u.EventAt(i));
    return true;
  }
  std::vector<kv::Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  bool canceled() {
    std::lock_guard<std::mutex> lock(mu_);
    return canceled_;
  }
  int64_t last_rev() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.empty() ? 0 : events_.back().kv.mod_revision;
  }

 private:
  std::mutex mu_;
  std::mt19937 rng_;
  int refuse_percent_;
  std::vector<kv::Event> events_;
  bool canceled_ = false;
  int64_t compact_revision_ = 0;
};

std::string Show(const kv::Event& e) {
  std::string s = (e.type == kv::Event::Type::kPut ? "PUT " : "DEL ") + e.kv.key + "@" +
                  std::to_string(e.kv.mod_revision) + " v=" + e.kv.value;
  if (e.prev_kv) s += " prev=" + e.prev_kv->value + "@" + std::to_string(e.prev_kv->mod_revision);
  return s;
}

// The events of the model that a watcher of [key, end) from `start` expects.
std::vector<kv::Event> Expected(const ReferenceModel& m, const std::string& key, const std::string& end,
                            int64_t start, bool prev_kv) {
  std::vector<kv::Event> out;
  for (const auto& e : m.events()) {
    if (e.kv.mod_revision < start || !KeyInterval{key, end}.Contains(e.kv.key)) continue;
    kv::Event copy = e;
    if (!prev_kv) copy.prev_kv.reset();
    out.push_back(copy);
  }
  return out;
}

class StoreModel : public StoreTest, public ::testing::WithParamInterface<int> {};

TEST_P(StoreModel, AgreesWithTheReferenceModel) {
  const uint64_t seed = 1000 + GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay: --gtest_filter='*StoreModel*/" + std::to_string(GetParam()) + "')");
  compaction_batch_limit_ = 5;  // exercise stepwise compaction
  Reopen();
  RandomOps gen(seed);
  ReferenceModel model;
  const int ops = EnvInt("ETCFS_MODEL_OPS", 2000);

  // A live watcher of everything, with prev_kv and a sink that refuses 20%.
  RecordingSink all(seed, 20);
  WatchRequest all_req;
  all_req.key = std::string(1, '\0');
  all_req.range_end = std::string(1, '\0');
  all_req.prev_kv = true;
  store_->watch_hub().Watch(all_req, &all);
  // A watcher of one prefix that starts late, from history.
  RecordingSink late(seed + 1, 0);
  int64_t late_start = 0;

  int applied = 0;
  while (applied < ops) {
    auto batch = store_->BeginBatch();
    for (int n = gen.Int(1, 8); n > 0 && applied < ops; --n, ++applied) {
      RandomOp op = gen.Next(model);
      Outcome want = ApplyToModel(model, op);
      Outcome got = ApplyToStore(*batch, op);
      if (std::getenv("DBG") && (op.kind == RandomOp::Kind::kGrant || op.kind == RandomOp::Kind::kRevoke || op.lease)) fprintf(stderr, "op %d kind %d lease %ld want %d got %d\n", applied, (int)op.kind, op.lease, (int)want.code, (int)got.code);
      ASSERT_EQ(want, got) << "op " << applied << " kind " << static_cast<int>(op.kind) << " key "
                           << op.key;
    }
    batch->SetApplied(RaftIndex(applied), RaftTerm(1));
    ASSERT_TRUE(batch->Commit().ok());
    batch.reset();

    if (late_start == 0 && applied > ops / 2) {
      late_start = std::max<int64_t>(model.compact_revision(), model.revision() - 50);
      WatchRequest req;
      req.key = "dir/";
      req.range_end = PrefixEnd("dir/");
      req.start_revision = late_start;
      store_->watch_hub().Watch(req, &late);
    }

    // Ranges at random revisions: the whole key space, and single keys.
    for (int probe = 0; probe < 2; ++probe) {
      int64_t lo = std::max<int64_t>(1, model.compact_revision());
      int64_t rev = gen.Int(lo, model.revision());
      kv::RangeRequest req;
      req.key = std::string(1, '\0');
      req.range_end = std::string(1, '\0');
      req.revision = rev;
      if (gen.Int(0, 1)) {
        req.key = gen.Key();
        req.range_end = "";
      }
      auto got = store_->Range(req);
      ASSERT_TRUE(got.ok()) << got.status().ToString() << " at rev " << rev;
      auto want = model.Range(req.key, req.range_end, rev);
      ASSERT_EQ(want.size(), got->kvs.size()) << "rev " << rev;
      for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(want[i], got->kvs[i]) << "rev " << rev;
      EXPECT_EQ(static_cast<int64_t>(want.size()), got->count);
      EXPECT_EQ(model.revision(), got->revision);
    }
    if (model.compact_revision() > 1) {
      kv::RangeRequest old;
      old.key = "a";
      old.revision = model.compact_revision() - 1;
      ASSERT_EQ(StatusCode::kCompacted, store_->Range(old).status().code());
    }
  }
  EXPECT_EQ(model.key_count(), store_->KeyCount());

  // Every event exactly once, in order, for both watchers (unless history
  // they still needed was compacted away, which ends them).
  auto check = [&](RecordingSink& sink, const std::string& key, const std::string& end,
                   int64_t start, bool prev_kv) {
    auto want = Expected(model, key, end, start, prev_kv);
    // A watcher replaying history may find that compaction at exactly a
    // delete's revision removed it (etcd's rule); every other event arrives.
    auto droppable = [&](const kv::Event& e) {
      return e.type == kv::Event::Type::kDelete && model.compactions().count(e.kv.mod_revision) > 0;
    };
    size_t must = 0;
    for (const auto& e : want) must += !droppable(e);
    if (!sink.canceled()) {
      ASSERT_TRUE(WaitFor([&] { return sink.events().size() >= must && sink.last_rev() >= (want.empty() ? 0 : want.back().kv.mod_revision - (droppable(want.back()) ? 1 : 0)); }, 30))
          << sink.events().size() << " of " << want.size();
    }
    auto got = sink.events();
    size_t w = 0;
    for (size_t i = 0; i < got.size(); ++i, ++w) {
      while (w < want.size() && droppable(want[w]) && Show(want[w]) != Show(got[i])) ++w;
      ASSERT_LT(w, want.size()) << "unexpected event " << Show(got[i]);
      // As in etcd: an event replayed from history at (or below) the compact
      // revision has lost its previous version to compaction.
      if (want[w].prev_kv && !got[i].prev_kv && want[w].kv.mod_revision <= model.compact_revision()) {
        want[w].prev_kv.reset();
      }
      ASSERT_EQ(Show(want[w]), Show(got[i])) << "event " << i;
      ASSERT_EQ(want[w], got[i]) << "event " << i;
    }
    if (!sink.canceled()) {
      for (; w < want.size(); ++w) ASSERT_TRUE(droppable(want[w])) << "missing event " << Show(want[w]);
    }
  };
  check(all, all_req.key, all_req.range_end, 1, true);
  check(late, "dir/", PrefixEnd("dir/"), late_start, false);

  // After a reopen, the same state.
  auto before = store_->Range(kv::RangeRequest{.key = std::string(1, '\0'), .range_end = std::string(1, '\0')});
  Reopen();
  auto after = store_->Range(kv::RangeRequest{.key = std::string(1, '\0'), .range_end = std::string(1, '\0')});
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->kvs, after->kvs);
  EXPECT_EQ(model.revision(), store_->CurrentRevision());
}

INSTANTIATE_TEST_SUITE_P(Seeds, StoreModel, ::testing::Range(0, EnvInt("ETCFS_MODEL_SEEDS", 64)));

}  // namespace
}  // namespace etcfs::store
