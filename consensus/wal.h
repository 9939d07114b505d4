// Wal: the write-ahead log of a node's Raft state: entries, HardStates and
// snapshot markers, in segment files of about `segment_bytes` each
// (%016x-%016x.wal: sequence number, first index), preallocated.
//
// Every record is framed as [u32 length][u32 checksum][u8 type][payload]; the
// checksum (xxHash32, seeded with the segment's sequence number) covers type
// and payload. Save() writes a Ready's HardState and entries with one write
// and, when asked, one fdatasync (group commit).
//
// Each batch opens with a sync mark: how much of the segment was durable when
// it was written. On open, damage past the last sync of the last segment (a
// torn write: what a crash leaves) is cut off, with a log line. Damage to
// data known synced, or in an older segment, refuses to start with a message
// that names the segment and offset: silently dropping synced entries would
// break Raft's promises to the rest of the cluster.
//
// Threads: one caller at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/result.h"
#include "consensus/types.h"

namespace etcfs::consensus {

struct WalOptions {
  // The WAL directory (etcd's --wal-dir, by default <data-dir>/member/wal).
  // Default: none (required).
  std::string dir;
  // Where files live; tests inject faults here. Default: the real one.
  FileSystem* fs = PosixFileSystem();
  // A segment is cut once it grows past this. Default: 64 MiB, as etcd.
  uint64_t segment_bytes = 64 << 20;
  // Called with each fdatasync's duration, for
  // etcd_disk_wal_fsync_duration_seconds. Default: none.
  std::function<void(std::chrono::duration<double>)> on_sync;
};

// What a WAL held when it was opened.
struct WalContents {
  std::string metadata;          // as given to Create
  HardState hard_state;          // the last one saved
  std::vector<Entry> entries;    // after the snapshot asked for, in order
  Index snapshot_index;          // the last snapshot marker
  Term snapshot_term;
  size_t torn_bytes_dropped = 0; // what tail repair cut off
};

class Wal {
 public:
  // Creates a WAL in `options.dir`, which must hold none. Errors: IOError,
  // FailedPrecondition (a WAL exists).
  static Result<std::unique_ptr<Wal>> Create(const WalOptions& options, const std::string& metadata);
  // Whether `dir` holds a WAL.
  static bool Exists(const WalOptions& options);
  // The metadata given to Create, from the oldest segment, without reading
  // the rest. Errors: NotFound (no WAL), Corruption, IOError.
  static Result<std::string> ReadMetadata(const WalOptions& options);
  // Opens the WAL in `options.dir` and reads everything after the snapshot
  // at `snapshot_index` (0: from the start), repairing a torn tail.
  // Errors: NotFound (no WAL), Corruption (damage before the tail), IOError.
  static Result<std::unique_ptr<Wal>> Open(const WalOptions& options, Index snapshot_index,
                                           WalContents* contents);
  ~Wal();

  // Appends `hs` (unless empty) and `entries`, then fdatasyncs if `sync`.
  // Entries may restart below the last index: they replace the suffix.
  Status Save(const HardState& hs, const std::vector<Entry>& entries, bool sync);
  // Records that a snapshot at (index, term) is saved; entries before it are
  // no longer needed. Syncs.
  Status SaveSnapshotMarker(Index index, Term term);
  // Removes whole segments that end at or before `index`, keeping at least
  // `keep` segments (etcd's --max-wals). Returns how many were removed.
  Result<int> Purge(Index index, size_t keep);

  uint64_t syncs() const { return syncs_; }
  size_t segments() const { return segments_.size(); }

 private:
  struct Segment {
    uint64_t seq;
    Index first_index;
    std::string name;
  };

  Wal(const WalOptions& options) : options_(options) {}
  Status AppendRecord(uint8_t type, std::string_view payload, std::string* buf) const;
  Status OpenNextSegment(Index first_index);
  Status Sync();
  std::string Path(const std::string& name) const { return options_.dir + "/" + name; }

  WalOptions options_;
  std::string metadata_;
  std::vector<Segment> segments_;
  std::unique_ptr<WritableFile> file_;  // the last segment
  Index last_index_;
  HardState last_hard_state_;
  uint64_t syncs_ = 0;
  uint64_t synced_offset_ = 0;  // durable prefix of the last segment
};

}  // namespace etcfs::consensus
