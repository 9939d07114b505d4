// Range reads and compares, evaluated on a KvReader. etcd 3.4's semantics:
// filters and sorting apply before the limit, `count` counts every key in the
// range at that revision, and the response revision is the current one.
#pragma once

#include <functional>
#include <string_view>

#include "base/result.h"
#include "store/reader.h"
#include "kv/types.h"

namespace etcfs::store {

// The interval [key, range_end) as etcd reads it: an empty range_end is the
// key alone; "\0" is every key >= key.
struct KeyInterval {
  std::string_view key;
  std::string_view range_end;

  bool single() const { return range_end.empty(); }
  bool unbounded() const { return range_end.size() == 1 && range_end[0] == '\0'; }
  bool Contains(std::string_view k) const;
};

// Calls `visit` for each live key in the interval, in key order, with its
// record (without the value unless `with_values`: a scan of many keys that
// sends none need not copy them); stops early when `visit` returns false.
Status ForEachLive(KvReader& reader, KeyInterval interval, const std::function<bool(Record&&)>& visit,
                   bool with_values = true);

// Evaluates `req` on a view at `current_rev` whose history starts at `compact_rev`.
// Errors: Compacted, FutureRevision, Corruption, IOError.
Result<kv::RangeResponse> EvaluateRange(KvReader& reader, const kv::RangeRequest& req, int64_t current_rev,
                                    int64_t compact_rev);

// Whether every key in the compare's interval satisfies it (see kv::Compare).
Result<bool> EvaluateCompare(KvReader& reader, const kv::Compare& cmp);

}  // namespace etcfs::store
