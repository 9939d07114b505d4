#include "consensus/wal.h"

#include <cinttypes>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "consensus/wal_format.h"

namespace etcfs::consensus {
namespace {

// The largest sync mark among intact sync-mark records at or after `from`.
// A bad record below such a mark sits in data that was synced.
size_t SyncMarkAfter(uint64_t seq, std::string_view data, size_t from) {
  size_t best = 0;
  for (size_t p = from; p + kHeader + 2 <= data.size(); ++p) {
    const uint32_t len = DecodeFixed32LE(data.data() + p);
    if (len < 2 || len > 11 || len > data.size() - p - kHeader) continue;
    std::string_view body = data.substr(p + kHeader, len);
    if (static_cast<uint8_t>(body[0]) != kSyncMark) continue;
    if (DecodeFixed32LE(data.data() + p + 4) != Checksum(seq, body)) continue;
    std::string_view payload = body.substr(1);
    uint64_t mark;
    if (GetVarint64(&payload, &mark) && payload.empty() && mark <= p) best = std::max<size_t>(best, mark);
  }
  return best;
}

bool AllZero(std::string_view data) {
  return data.find_first_not_of('\0') == std::string_view::npos;
}

}  // namespace

Status Wal::AppendRecord(uint8_t type, std::string_view payload, std::string* buf) const {
  AppendWalRecord(segments_.back().seq, type, payload, buf);
  return Status::Ok();
}

bool Wal::Exists(const WalOptions& options) {
  auto names = options.fs->List(options.dir);
  if (!names.ok()) return false;
  for (const auto& n : *names) {
    uint64_t seq;
    Index first;
    if (ParseSegmentName(n, &seq, &first)) return true;
  }
  return false;
}

Result<std::string> Wal::ReadMetadata(const WalOptions& options) {
  if (!options.fs->Exists(options.dir)) return Status::NotFound("no WAL in " + options.dir);
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> names, options.fs->List(options.dir));
  std::string oldest;
  uint64_t oldest_seq = UINT64_MAX;
  for (const auto& n : names) {
    uint64_t seq;
    Index first;
    if (ParseSegmentName(n, &seq, &first) && seq < oldest_seq) {
      oldest_seq = seq;
      oldest = n;
    }
  }
  if (oldest.empty()) return Status::NotFound("no WAL in " + options.dir);
  ETCFS_ASSIGN_OR_RETURN(std::string data, options.fs->ReadFile(options.dir + "/" + oldest));
  // A segment is named only once its opening metadata record is synced.
  if (data.size() >= kHeader) {
    const uint32_t len = DecodeFixed32LE(data.data());
    if (len >= 1 && len <= data.size() - kHeader) {
      std::string_view body = std::string_view(data).substr(kHeader, len);
      if (DecodeFixed32LE(data.data() + 4) == Checksum(oldest_seq, body) && body[0] == kMetadata) {
        return std::string(body.substr(1));
      }
    }
  }
  return Status::Corruption("WAL segment " + options.dir + "/" + oldest +
                            " does not open with its metadata record; the WAL is damaged");
}

Result<std::unique_ptr<Wal>> Wal::Create(const WalOptions& options, const std::string& metadata) {
  if (Exists(options)) {
    return Status::FailedPrecondition("a WAL already exists in " + options.dir +
                                      "; open it instead, or remove it to start over");
  }
  ETCFS_RETURN_IF_ERROR(options.fs->CreateDir(options.dir));
  std::unique_ptr<Wal> wal(new Wal(options));
  wal->metadata_ = metadata;
  ETCFS_RETURN_IF_ERROR(wal->OpenNextSegment(Index(0)));
  return wal;
}

Status Wal::OpenNextSegment(Index first_index) {
  const uint64_t seq = segments_.empty() ? 0 : segments_.back().seq + 1;
  Segment seg{seq, first_index, SegmentName(seq, first_index)};
  // Written under a temporary name and renamed, so that a segment that
  // exists always starts with its metadata.
  const std::string tmp = Path(seg.name + ".tmp");
  ETCFS_ASSIGN_OR_RETURN(auto file, options_.fs->NewWritableFile(tmp));
  ETCFS_RETURN_IF_ERROR(file->Preallocate(options_.segment_bytes));
  segments_.push_back(seg);
  std::string buf;
  ETCFS_RETURN_IF_ERROR(AppendRecord(kMetadata, metadata_, &buf));
  if (!last_hard_state_.empty()) {
    ETCFS_RETURN_IF_ERROR(AppendRecord(kHardStateRecord, EncodeHardState(last_hard_state_), &buf));
  }
  Status s = file->Append(buf);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = options_.fs->Rename(tmp, Path(seg.name));
  if (s.ok()) s = options_.fs->SyncDir(options_.dir);
  if (!s.ok()) {
    segments_.pop_back();
    return s;
  }
  if (file_) ETCFS_RETURN_IF_ERROR(file_->Close());
  file_ = std::move(file);
  synced_offset_ = file_->Size();
  return Status::Ok();
}

Result<std::unique_ptr<Wal>> Wal::Open(const WalOptions& options, Index snapshot_index,
                                       WalContents* contents) {
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> names, options.fs->List(options.dir));
  std::unique_ptr<Wal> wal(new Wal(options));
  for (const auto& n : names) {
    Segment seg;
    if (ParseSegmentName(n, &seg.seq, &seg.first_index)) {
      seg.name = n;
      wal->segments_.push_back(seg);
    } else if (n.ends_with(".wal.tmp")) {
      // A segment cut short by a crash before its rename: never used.
      options.fs->Remove(wal->Path(n)).IgnoreError();
    }
  }
  if (wal->segments_.empty()) return Status::NotFound("no WAL in " + options.dir);

  *contents = WalContents{};
  std::vector<Entry>& entries = contents->entries;
  // As etcd: segments wholly before the snapshot are not read. Every entry
  // after it is in the newest segment that starts at or before it, or a
  // later one (the entries up to the snapshot are committed and never
  // written again), and so is its marker. Each segment opens with the
  // metadata and the hard state of its time.
  size_t first = 0;
  if (snapshot_index.value() > 0) {
    for (size_t si = 1; si < wal->segments_.size(); ++si) {
      if (wal->segments_[si].first_index <= snapshot_index) first = si;
    }
  }
  Index last_index = first > 0 ? Index(wal->segments_[first].first_index.value() - 1) : Index();
  for (size_t si = first; si < wal->segments_.size(); ++si) {
    const Segment& seg = wal->segments_[si];
    const bool last_segment = si + 1 == wal->segments_.size();
    const std::string path = wal->Path(seg.name);
    ETCFS_ASSIGN_OR_RETURN(std::string data, options.fs->ReadFile(path));
    std::string_view view(data);
    size_t off = 0;
    std::string damage;
    // Everything below `synced` is known to have been fdatasync'ed: the
    // segment's opening records (written and synced before it was named),
    // then whatever the sync marks say.
    size_t synced = 0;
    bool in_header = true;
    while (off < view.size()) {
      if (view.size() - off < kHeader) {
        if (!AllZero(view.substr(off))) damage = "a truncated record header";
        break;
      }
      const uint32_t len = DecodeFixed32LE(view.data() + off);
      if (len == 0) {
        if (!AllZero(view.substr(off))) damage = "a zero-length record";
        break;
      }
      if (len > view.size() - off - kHeader) {
        damage = "a record running past the end of the file";
        break;
      }
      std::string_view body = view.substr(off + kHeader, len);
      if (DecodeFixed32LE(view.data() + off + 4) != Checksum(seg.seq, body)) {
        damage = "a checksum mismatch";
        break;
      }
      const uint8_t type = static_cast<uint8_t>(body[0]);
      std::string_view payload = body.substr(1);
      bool ok = true;
      in_header &= type == kMetadata || type == kHardStateRecord;
      switch (type) {
        case kSyncMark: {
          uint64_t mark;
          std::string_view p = payload;
          ok = GetVarint64(&p, &mark) && p.empty() && mark <= off;
          if (ok) synced = std::max<size_t>(synced, mark);
          break;
        }
        case kMetadata:
          if (si == first && off == 0) contents->metadata.assign(payload);
          break;
        case kEntryRecord: {
          Entry e;
          ok = DecodeEntry(payload, &e);
          if (!ok) break;
          last_index = e.index;
          if (e.index <= snapshot_index) break;
          while (!entries.empty() && entries.back().index >= e.index) entries.pop_back();
          const Index expect = entries.empty() ? snapshot_index + 1 : entries.back().index + 1;
          if (e.index > expect) {
            return Status::Corruption("WAL " + path + " jumps from index " +
                                      std::to_string(expect.value() - 1) + " to " +
                                      std::to_string(e.index.value()) +
                                      ": entries are missing; restore this member from a snapshot "
                                      "or remove it and add it back to the cluster");
          }
          entries.push_back(std::move(e));
          break;
        }
        case kHardStateRecord:
          ok = DecodeHardState(payload, &contents->hard_state);
          break;
        case kSnapshotRecord: {
          uint64_t i, t;
          std::string_view p = payload;
          ok = GetVarint64(&p, &i) && GetVarint64(&p, &t) && p.empty();
          if (ok) {
            contents->snapshot_index = Index(i);
            contents->snapshot_term = Term(t);
          }
          break;
        }
        default:
          ok = false;
      }
      if (!ok) {
        damage = "an undecodable record";
        break;
      }
      off += kHeader + len;
      if (in_header) synced = off;
    }
    if (damage.empty()) continue;

    // A crash mid-write leaves a bad tail past the last sync of the last
    // segment; damage anywhere else was synced, and must not be papered over.
    // Intact batches written after the damage say how far syncs had reached.
    synced = std::max(synced, SyncMarkAfter(seg.seq, view, off + 1));
    if (!last_segment || off < synced) {
      return Status::Corruption(
          "WAL segment " + path + " is damaged at offset " + std::to_string(off) + " (" + damage +
          (last_segment ? ", in data that was synced" : ", and later segments exist") +
          "); refusing to start rather than lose acknowledged entries: restore this member from a "
          "snapshot, or remove it and add it back to the cluster");
    }
    contents->torn_bytes_dropped = view.size() - off;
    spdlog::warn("wal: cutting the torn tail of {} at offset {} ({} bytes of {}) left by a crash",
                 path, off, contents->torn_bytes_dropped, damage);
    ETCFS_RETURN_IF_ERROR(options.fs->Truncate(path, off));
  }

  wal->metadata_ = contents->metadata;
  wal->last_index_ = last_index;
  wal->last_hard_state_ = contents->hard_state;
  ETCFS_ASSIGN_OR_RETURN(wal->file_, options.fs->ReopenWritableFile(wal->Path(wal->segments_.back().name)));
  ETCFS_RETURN_IF_ERROR(wal->file_->Preallocate(options.segment_bytes));
  // What we read may still sit in the page cache (after a kill, not a power
  // cut): make it durable before building on it.
  ETCFS_RETURN_IF_ERROR(wal->Sync());
  return wal;
}

Wal::~Wal() {
  if (file_) file_->Close().IgnoreError();
}

Status Wal::Sync() {
  const auto start = std::chrono::steady_clock::now();
  Status s = file_->Sync();
  if (s.ok()) synced_offset_ = file_->Size();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ++syncs_;
  if (options_.on_sync) options_.on_sync(took);
  if (took > std::chrono::seconds(1)) {
    spdlog::warn("wal: slow fdatasync of {} took {:.3f} s (expected under 1 s); the disk is "
                 "overloaded or failing, and the cluster may lose its leader",
                 segments_.back().name, took.count());
  }
  return s;
}

Status Wal::Save(const HardState& hs, const std::vector<Entry>& entries, bool sync) {
  if (hs.empty() && entries.empty()) return Status::Ok();
  std::string buf, mark;
  PutVarint64(&mark, synced_offset_);
  ETCFS_RETURN_IF_ERROR(AppendRecord(kSyncMark, mark, &buf));
  for (const auto& e : entries) {
    ETCFS_RETURN_IF_ERROR(AppendRecord(kEntryRecord, EncodeEntry(e), &buf));
  }
  if (!hs.empty()) ETCFS_RETURN_IF_ERROR(AppendRecord(kHardStateRecord, EncodeHardState(hs), &buf));
  ETCFS_RETURN_IF_ERROR(file_->Append(buf));
  if (!entries.empty()) last_index_ = entries.back().index;
  if (!hs.empty()) last_hard_state_ = hs;
  if (sync) ETCFS_RETURN_IF_ERROR(Sync());
  if (file_->Size() >= options_.segment_bytes) {
    // The old segment must be durable before a new one follows it.
    if (!sync) ETCFS_RETURN_IF_ERROR(Sync());
    ETCFS_RETURN_IF_ERROR(OpenNextSegment(last_index_ + 1));
  }
  return Status::Ok();
}

Status Wal::SaveSnapshotMarker(Index index, Term term) {
  std::string payload, buf, mark;
  PutVarint64(&mark, synced_offset_);
  ETCFS_RETURN_IF_ERROR(AppendRecord(kSyncMark, mark, &buf));
  PutVarint64(&payload, index.value());
  PutVarint64(&payload, term.value());
  ETCFS_RETURN_IF_ERROR(AppendRecord(kSnapshotRecord, payload, &buf));
  ETCFS_RETURN_IF_ERROR(file_->Append(buf));
  return Sync();
}

Result<int> Wal::Purge(Index index, size_t keep) {
  int removed = 0;
  // Segment i holds entries [first_i, first_{i+1}); it can go when all of
  // them are at or below `index`.
  while (segments_.size() > std::max<size_t>(keep, 1) &&
         segments_[1].first_index <= index + 1) {
    ETCFS_RETURN_IF_ERROR(options_.fs->Remove(Path(segments_.front().name)));
    segments_.erase(segments_.begin());
    ++removed;
  }
  if (removed > 0) ETCFS_RETURN_IF_ERROR(options_.fs->SyncDir(options_.dir));
  return removed;
}

}  // namespace etcfs::consensus
