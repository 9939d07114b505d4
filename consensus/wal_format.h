// The WAL's on-disk format: segment names, records and their payloads.
//
// A segment is named %016x(seq)-%016x(first index).wal and is a sequence of
// records: fixed32-LE length of the body, fixed32-LE checksum (XXH32 of the
// body, seeded with the segment's sequence number, so a record copied into
// another segment does not verify), then the body: one type byte and the
// payload. A segment opens with the metadata record (and the last hard
// state); each batch opens with a sync mark: the offset in its segment up to
// which the segment was known durable when the batch was written, which is
// how recovery tells damage to synced data (refuse) from a torn unsynced
// tail (cut).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "consensus/types.h"

namespace etcfs::consensus {

enum WalRecordType : uint8_t {
  kMetadata = 1,
  kEntryRecord = 2,
  kHardStateRecord = 3,
  kSnapshotRecord = 4,
  kSyncMark = 5,
};
inline constexpr size_t kHeader = 8;  // length and checksum

uint32_t Checksum(uint64_t seq, std::string_view type_and_payload);
// Appends one framed record of segment `seq` to `buf`.
void AppendWalRecord(uint64_t seq, uint8_t type, std::string_view payload, std::string* buf);

std::string SegmentName(uint64_t seq, Index first);
bool ParseSegmentName(const std::string& name, uint64_t* seq, Index* first);

std::string EncodeEntry(const Entry& e);
bool DecodeEntry(std::string_view in, Entry* e);
std::string EncodeHardState(const HardState& hs);
bool DecodeHardState(std::string_view in, HardState* hs);

}  // namespace etcfs::consensus
