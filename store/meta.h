// StoreMeta: the store's small replicated state (revisions, applied Raft
// position, alarms), written by the apply thread in the same RocksDB write
// batch as the changes it describes, so that a reopen resumes exactly there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kv/types.h"

namespace etcfs::store {

struct StoreMeta {
  int64_t revision = 1;          // current main revision; 1 on an empty store, as in etcd
  int64_t compact_revision = 0;  // reads and watches below it fail with 'compacted'
  uint64_t applied_index = 0;    // last Raft entry applied
  uint64_t applied_term = 0;
  int64_t key_count = 0;         // live keys
  uint64_t lease_seq = 0;        // drives the ids of leases granted without one
  std::vector<kv::AlarmMember> alarms;  // sorted by (member, alarm)

  bool HasAlarm(kv::AlarmType type) const;
  bool operator==(const StoreMeta&) const = default;
};

// Keys of the meta column family.
inline constexpr std::string_view kMetaStateKey = "state";
// Main revision up to which compaction has physically run; written only by the compactor.
inline constexpr std::string_view kMetaCompactDoneKey = "compact_done";

// Prefix of the metadata that layers above the store keep (ApplyBatch::PutMetadata).
inline constexpr std::string_view kMetaAppPrefix = "app/";

std::string EncodeMeta(const StoreMeta& m);
bool DecodeMeta(std::string_view in, StoreMeta* m);

}  // namespace etcfs::store
