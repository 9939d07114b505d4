// AppliedRequests: which client requests the store has applied, so that a
// request proposed more than once (a proposer re-proposes while a leader
// change may have lost its first copy) changes the store once.
//
// Each applied request is recorded as store metadata in the same batch as its
// effects, keyed by the proposer's time and the request id, so the record is
// exactly as durable as the change and travels in store images to members
// that catch up by snapshot. Records older than `kRetention` behind the
// newest request time applied are dropped; the decision uses only times in
// the log, so every member keeps and drops the same records.
//
// Threads: used by the apply path only.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <utility>

#include "base/status.h"
#include "store/apply_batch.h"
#include "store/store.h"

namespace etcfs::server {

class AppliedRequests {
 public:
  // How long after its proposal a duplicate of a request is still caught.
  // Proposers retry for at most their request timeout (7 s by default).
  static constexpr std::chrono::minutes kRetention{5};

  // Loads the records from the store (at start, and after an image install).
  Status Load(const store::Store& store);
  // Whether the request was applied already; if not, records it in `batch`
  // and drops records that fell out of retention.
  bool CheckAndRecord(store::ApplyBatch& batch, int64_t time_ns, uint64_t id);
  size_t size() const { return applied_.size(); }

 private:
  std::set<std::pair<int64_t, uint64_t>> applied_;  // (proposer time, request id)
};

}  // namespace etcfs::server
