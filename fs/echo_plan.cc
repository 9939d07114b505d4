#include "fs/echo_plan.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "fs/echo.h"

namespace etcfs::fs {

namespace {

bool IsDir(const std::string& path) { return !path.empty() && path.back() == '/'; }

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// The put carries the deleted key as it was: the two halves of a rename.
bool SameFile(const kv::KeyValue& deleted, const kv::KeyValue& put) {
  return deleted.value == put.value && deleted.attr == put.attr && deleted.lease == put.lease;
}

// The echo's mknod for a named pipe, socket or device; 0 for other kinds.
unsigned SpecialNodeBit(kv::FileKind kind) {
  switch (kind) {
    case kv::FileKind::kFifo: return Echo::kFifo;
    case kv::FileKind::kSocket: return Echo::kSocket;
    case kv::FileKind::kCharDevice: return Echo::kCharDevice;
    case kv::FileKind::kBlockDevice: return Echo::kBlockDevice;
    default: return 0;
  }
}

}  // namespace

void EchoPlan::Deleted(int64_t revision, const std::string& path, const kv::KeyValue& previous, bool shown) {
  records_.push_back(Record{Record::Kind::kDelete, revision, path, previous, shown});
}

void EchoPlan::DirRemoved(int64_t revision, const std::string& dir, bool shown) {
  records_.push_back(Record{Record::Kind::kDirRemoved, revision, dir, {}, shown});
}

void EchoPlan::DirCreated(int64_t revision, const std::string& dir) {
  records_.push_back(Record{Record::Kind::kDirCreated, revision, dir});
}

void EchoPlan::Put(int64_t revision, const std::string& path, const kv::KeyValue& kv, bool created,
                   bool value_changed, bool attr_changed) {
  Record r{Record::Kind::kPut, revision, path, kv};
  r.created = created;
  r.value_changed = value_changed;
  r.attr_changed = attr_changed;
  records_.push_back(std::move(r));
}

std::vector<EchoPlan::Step> EchoPlan::Take() {
  std::vector<Step> out;
  size_t begin = 0;
  while (begin < records_.size()) {
    size_t end = begin + 1;
    while (end < records_.size() && records_[end].revision == records_[begin].revision) ++end;
    PlanRevision(begin, end, &out);
    begin = end;
  }
  records_.clear();
  moves_.clear();
  return out;
}

void EchoPlan::PlanRevision(size_t begin, size_t end, std::vector<Step>* out) {
  FindDirectoryMoves(begin, end);
  FindFileMoves(begin, end);
  std::set<std::string> dirs_created;
  for (size_t i = begin; i < end; ++i) {
    if (records_[i].kind == Record::Kind::kDirCreated) dirs_created.insert(records_[i].path);
  }
  // A directory that a move emptied goes after the move, not before it:
  // the echo must still find the source there.
  std::vector<Step> after;
  for (size_t i = begin; i < end; ++i) {
    const Record& r = records_[i];
    switch (r.kind) {
      case Record::Kind::kDelete:
        // A marker's delete removes no directory by itself (kDirRemoved does).
        if (r.move < 0 && r.shown && !IsDir(r.path)) out->push_back(Step{r.path, Echo::kDelete});
        break;
      case Record::Kind::kDirRemoved: {
        if (r.move >= 0 || !r.shown) break;
        const bool left_by_move = std::any_of(moves_.begin(), moves_.end(),
                                              [&](const Move& m) { return StartsWith(m.from, r.path); });
        (left_by_move ? after : *out).push_back(Step{r.path, Echo::kRmdir});
        break;
      }
      case Record::Kind::kDirCreated:
        if (r.move < 0 && hide_creates_) out->push_back(Step{r.path, Echo::kMkdir});
        break;
      case Record::Kind::kPut:
        if (r.move >= 0) {
          Move& m = moves_[r.move];
          if (!m.emitted) out->push_back(Step{m.from, Echo::kMove, m.to});
          m.emitted = true;
          break;
        }
        if (IsDir(r.path)) {
          // A marker: its directory's creation says it all, unless the
          // directory was there already (a marker on an implicit one).
          if ((r.created && dirs_created.count(r.path) == 0) || r.attr_changed) {
            out->push_back(Step{r.path, Echo::kAttributes});
          }
        } else if (r.kv.attr.kind == kv::FileKind::kSymlink) {
          // A symlink is never changed in place (ln -sf renames over it).
          if (r.created && hide_creates_) out->push_back(Step{r.path, Echo::kSymlink});
        } else if (const unsigned special = SpecialNodeBit(r.kv.attr.kind)) {
          if (r.created && hide_creates_) {
            out->push_back(Step{r.path, special});
          } else if (r.attr_changed) {
            out->push_back(Step{r.path, Echo::kAttributes});
          }
        } else if (r.created) {
          out->push_back(Step{r.path, hide_creates_ ? Echo::kCreate : Echo::kContent});
        } else if (r.value_changed) {
          out->push_back(Step{r.path, Echo::kContent});  // a new value raises no IN_ATTRIB locally either
        } else if (r.attr_changed) {
          out->push_back(Step{r.path, Echo::kAttributes});
        }
        break;
    }
  }
  out->insert(out->end(), after.begin(), after.end());
}

// A directory A that vanished, each key below it deleted and put again below
// B (created in this revision, or its marker put) as it was: A renamed to B.
// Outer directories first, so that `mv a b` is one rename, not one per level.
void EchoPlan::FindDirectoryMoves(size_t begin, size_t end) {
  std::vector<size_t> removed;
  std::unordered_map<std::string, size_t> puts;
  std::set<std::string> dir_targets;
  for (size_t i = begin; i < end; ++i) {
    const Record& r = records_[i];
    if (r.kind == Record::Kind::kDirRemoved && r.shown) removed.push_back(i);
    if (r.kind == Record::Kind::kPut) puts.emplace(r.path, i);
    if (r.kind == Record::Kind::kDirCreated || (r.kind == Record::Kind::kPut && IsDir(r.path))) {
      dir_targets.insert(r.path);
    }
  }
  std::stable_sort(removed.begin(), removed.end(),
                   [&](size_t a, size_t b) { return records_[a].path.size() < records_[b].path.size(); });
  for (size_t ai : removed) {
    if (records_[ai].move >= 0) continue;
    const std::string a = records_[ai].path;
    std::vector<size_t> deletes;
    for (size_t i = begin; i < end; ++i) {
      const Record& r = records_[i];
      if (r.kind == Record::Kind::kDelete && r.move < 0 && StartsWith(r.path, a)) deletes.push_back(i);
    }
    if (deletes.empty()) continue;
    const Record& first = records_[deletes.front()];
    const std::string rest = first.path.substr(a.size());
    for (const auto& [path, pi] : puts) {
      const Record& p = records_[pi];
      if (p.move >= 0 || path.size() <= rest.size() || path.compare(path.size() - rest.size(), rest.size(), rest) != 0 ||
          !SameFile(first.kv, p.kv)) {
        continue;
      }
      const std::string b = path.substr(0, path.size() - rest.size());
      if (!IsDir(b) || dir_targets.count(b) == 0 || StartsWith(b, a) || StartsWith(a, b)) continue;
      std::vector<size_t> halves;
      for (size_t di : deletes) {
        auto it = puts.find(b + records_[di].path.substr(a.size()));
        if (it == puts.end() || records_[it->second].move >= 0 || !SameFile(records_[di].kv, records_[it->second].kv)) {
          break;
        }
        halves.push_back(it->second);
      }
      if (halves.size() != deletes.size()) continue;
      const int m = static_cast<int>(moves_.size());
      moves_.push_back(Move{a, b});
      for (size_t di : deletes) records_[di].move = m;
      for (size_t h : halves) records_[h].move = m;
      for (size_t i = begin; i < end; ++i) {
        Record& r = records_[i];
        if ((r.kind == Record::Kind::kDirRemoved && StartsWith(r.path, a)) ||
            (r.kind == Record::Kind::kDirCreated && StartsWith(r.path, b))) {
          r.move = m;
        }
      }
      break;
    }
  }
}

// A file or symlink deleted and put again elsewhere as it was: renamed.
void EchoPlan::FindFileMoves(size_t begin, size_t end) {
  for (size_t pi = begin; pi < end; ++pi) {
    Record& p = records_[pi];
    if (p.kind != Record::Kind::kPut || p.move >= 0 || IsDir(p.path)) continue;
    for (size_t di = begin; di < end; ++di) {
      Record& d = records_[di];
      if (d.kind != Record::Kind::kDelete || d.move >= 0 || !d.shown || IsDir(d.path) || !SameFile(d.kv, p.kv)) {
        continue;
      }
      const int m = static_cast<int>(moves_.size());
      moves_.push_back(Move{d.path, p.path});
      d.move = m;
      p.move = m;
      break;
    }
  }
}

}  // namespace etcfs::fs
