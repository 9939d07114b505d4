// The crash test's workload: a deterministic sequence of batches of random
// requests, from a seed. Batch boundaries are applied indexes, so a store
// that reopens at index I has applied exactly the batches that end at or
// before I; the reference replays the same batches.
#pragma once

#include <cstdint>
#include <functional>

#include "tests/store/random_ops.h"

namespace etcfs::store {

class CrashWorkload {
 public:
  explicit CrashWorkload(uint64_t seed) : ops_(seed), sizes_(seed ^ 0x5eed) {}

  // Generates the next batch (advancing the model) and calls `apply` with its
  // ops and the index it ends at. Returns that index.
  uint64_t NextBatch(const std::function<void(const std::vector<RandomOp>&, uint64_t end)>& apply) {
    std::vector<RandomOp> batch;
    int n = std::uniform_int_distribution<int>(1, 12)(sizes_);
    for (int i = 0; i < n; ++i) {
      batch.push_back(ops_.Next(model_));
      ApplyToModel(model_, batch.back());
    }
    index_ += n;
    apply(batch, index_);
    return index_;
  }

  const ReferenceModel& model() const { return model_; }
  uint64_t index() const { return index_; }

 private:
  RandomOps ops_;
  std::mt19937_64 sizes_;
  ReferenceModel model_;
  uint64_t index_ = 0;
};

}  // namespace etcfs::store
