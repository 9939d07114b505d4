#include "consensus/snapshotter.h"

#include <cinttypes>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "base/coding.h"

namespace etcfs::consensus {
namespace {

constexpr char kFormat = 1;

void PutIds(std::string* out, const std::vector<NodeId>& ids) {
  PutVarint64(out, ids.size());
  for (NodeId id : ids) PutVarint64(out, id.value());
}

bool GetIds(std::string_view* in, std::vector<NodeId>* ids) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  ids->clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t v;
    if (!GetVarint64(in, &v)) return false;
    ids->push_back(NodeId(v));
  }
  return true;
}

}  // namespace

std::string Snapshotter::Encode(const Snapshot& snap) {
  std::string body;
  body.push_back(kFormat);
  PutVarint64(&body, snap.meta.index.value());
  PutVarint64(&body, snap.meta.term.value());
  PutIds(&body, snap.meta.conf.voters);
  PutIds(&body, snap.meta.conf.learners);
  body.append(snap.data);
  std::string out;
  PutFixed64BE(&out, XXH3_64bits(body.data(), body.size()));
  out.append(body);
  return out;
}

bool Snapshotter::Decode(std::string_view data, Snapshot* snap) {
  if (data.size() < 9) return false;
  const uint64_t sum = DecodeFixed64BE(data.data());
  std::string_view body = data.substr(8);
  if (XXH3_64bits(body.data(), body.size()) != sum || body[0] != kFormat) return false;
  body.remove_prefix(1);
  uint64_t index, term;
  if (!GetVarint64(&body, &index) || !GetVarint64(&body, &term) ||
      !GetIds(&body, &snap->meta.conf.voters) || !GetIds(&body, &snap->meta.conf.learners)) {
    return false;
  }
  snap->meta.index = Index(index);
  snap->meta.term = Term(term);
  snap->data.assign(body);
  return true;
}

Status Snapshotter::Save(const Snapshot& snap) {
  ETCFS_RETURN_IF_ERROR(fs_->CreateDir(dir_));
  char name[64];
  std::snprintf(name, sizeof name, "%016" PRIx64 "-%016" PRIx64 ".snap", snap.meta.term.value(),
                snap.meta.index.value());
  const std::string path = dir_ + "/" + name;
  ETCFS_ASSIGN_OR_RETURN(auto file, fs_->NewWritableFile(path + ".tmp"));
  ETCFS_RETURN_IF_ERROR(file->Append(Encode(snap)));
  ETCFS_RETURN_IF_ERROR(file->Sync());
  ETCFS_RETURN_IF_ERROR(file->Close());
  ETCFS_RETURN_IF_ERROR(fs_->Rename(path + ".tmp", path));
  return fs_->SyncDir(dir_);
}

Result<std::vector<std::string>> Snapshotter::SnapshotNames() {
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->List(dir_));
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.size() == 38 && n.ends_with(".snap")) out.push_back(n);
  }
  // Names sort by term, then index: newest last.
  return out;
}

Result<Snapshot> Snapshotter::LoadNewest() {
  if (!fs_->Exists(dir_)) return Status::NotFound("no snapshot directory " + dir_);
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> names, SnapshotNames());
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    const std::string path = dir_ + "/" + *it;
    ETCFS_ASSIGN_OR_RETURN(std::string data, fs_->ReadFile(path));
    Snapshot snap;
    if (Decode(data, &snap)) return snap;
    spdlog::warn("snapshot: {} fails its checksum; renaming it to {}.broken and trying an older one",
                 path, path);
    fs_->Rename(path, path + ".broken").IgnoreError();
  }
  return Status::NotFound("no usable snapshot in " + dir_);
}

Result<int> Snapshotter::Purge(size_t keep) {
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> names, SnapshotNames());
  int removed = 0;
  for (size_t i = 0; i + keep < names.size(); ++i) {
    ETCFS_RETURN_IF_ERROR(fs_->Remove(dir_ + "/" + names[i]));
    ++removed;
  }
  return removed;
}

}  // namespace etcfs::consensus
