// bbolt's Reader (bbolt.h). Every offset, size and page id read from the file
// is checked against the file before it is followed, and each page is visited
// at most once per walk, so a damaged or hostile file is refused, never
// misread.
#include <set>

#include "member/bbolt.h"
#include "member/bbolt_layout.h"

namespace etcfs::member::bbolt {
namespace {

using layout::Fnv1a64;
using layout::kElement;
using layout::kHeader;
using layout::Load;
constexpr int kMaxDepth = 32;

Status Damaged(const std::string& what) { return Status::Corruption("bbolt database is damaged: " + what); }

struct Meta {
  uint32_t page_size;
  uint64_t root, pages, txid;
};

// The meta at `offset`, or why it is not valid.
Result<Meta> ReadMeta(std::string_view file, size_t offset) {
  if (file.size() < offset + kHeader + 64) return Damaged("the file is too short for its meta pages");
  std::string_view m = file.substr(offset + kHeader, 64);
  if (Load<uint32_t>(m, 0) != kMagic) return Status::Corruption("not a bbolt database (no bbolt magic number)");
  if (Load<uint32_t>(m, 4) != kVersion) {
    return Status::Corruption("bbolt database of version " + std::to_string(Load<uint32_t>(m, 4)) +
                              "; only version 2 (etcd 3.x) is known");
  }
  if (Load<uint64_t>(m, layout::kMetaChecksummed) != Fnv1a64(m.substr(0, layout::kMetaChecksummed))) return Damaged("a meta page's checksum does not match");
  Meta meta{Load<uint32_t>(m, 8), Load<uint64_t>(m, 16), Load<uint64_t>(m, 40), Load<uint64_t>(m, 48)};
  if (meta.page_size < 1024 || meta.page_size > (1u << 16) || (meta.page_size & (meta.page_size - 1)) != 0) {
    return Damaged("page size " + std::to_string(meta.page_size));
  }
  if (meta.root >= meta.pages || meta.root < 2) return Damaged("the root bucket's page is out of range");
  return meta;
}

}  // namespace

Result<Reader> Reader::Open(std::string_view file) {
  auto first = ReadMeta(file, 0);
  // The second meta page sits one page in, at the first's page size (or
  // bbolt's default when the first is unreadable).
  const size_t second_at = first.ok() ? first->page_size : kPageSize;
  auto second = ReadMeta(file, second_at);
  if (!first.ok() && !second.ok()) return first.status();
  const Meta& m = !second.ok() || (first.ok() && first->txid > second->txid) ? *first : *second;
  if (m.pages > file.size() / m.page_size) {
    return Damaged("it claims " + std::to_string(m.pages) + " pages but holds " +
                   std::to_string(file.size() / m.page_size));
  }
  return Reader(file, m.page_size, m.root, m.pages, m.txid);
}

Status Reader::Walk(uint64_t id, int depth, std::set<uint64_t>* visited,
                    const std::function<Status(const Element&)>& fn) const {
  if (depth > kMaxDepth) return Damaged("its tree is deeper than " + std::to_string(kMaxDepth) + " levels");
  if (id < 2 || id >= pages_) return Damaged("page " + std::to_string(id) + " is out of range");
  if (!visited->insert(id).second) return Damaged("page " + std::to_string(id) + " is referenced twice");
  const size_t offset = static_cast<size_t>(id) * page_size_;
  const uint64_t span = (uint64_t{Load<uint32_t>(file_, offset + 12)} + 1) * page_size_;
  if (Load<uint64_t>(file_, offset) != id) return Damaged("page " + std::to_string(id) + " names another id");
  if (span > file_.size() - offset) return Damaged("page " + std::to_string(id) + " runs past the end of the file");
  return WalkPage(file_.substr(offset, static_cast<size_t>(span)), false, depth, visited, fn);
}

Status Reader::WalkPage(std::string_view page, bool is_inline, int depth, std::set<uint64_t>* visited,
                        const std::function<Status(const Element&)>& fn) const {
  if (page.size() < kHeader) return Damaged("an inline page is cut short");
  const uint16_t flags = Load<uint16_t>(page, 8);
  const size_t count = Load<uint16_t>(page, 10);
  if (kHeader + count * kElement > page.size()) return Damaged("a page's elements run past its end");
  if (flags == layout::kBranch && !is_inline) {
    for (size_t i = 0; i < count; ++i) {
      const size_t at = kHeader + i * kElement;
      ETCFS_RETURN_IF_ERROR(Walk(Load<uint64_t>(page, at + 8), depth + 1, visited, fn));
    }
    return Status::Ok();
  }
  if (flags != layout::kLeaf) return Damaged("a page of unknown type " + std::to_string(flags));
  for (size_t i = 0; i < count; ++i) {
    const size_t at = kHeader + i * kElement;
    const uint64_t pos = Load<uint32_t>(page, at + 4);
    const uint64_t ksize = Load<uint32_t>(page, at + 8);
    const uint64_t vsize = Load<uint32_t>(page, at + 12);
    if (at + pos + ksize + vsize > page.size()) return Damaged("a key or value runs past its page");
    Element e{Load<uint32_t>(page, at), page.substr(at + pos, ksize), page.substr(at + pos + ksize, vsize)};
    ETCFS_RETURN_IF_ERROR(fn(e));
  }
  return Status::Ok();
}

Status Reader::WalkBucketValue(std::string_view value, const std::function<Status(const Element&)>& fn) const {
  if (value.size() < 16) return Damaged("a bucket header is cut short");
  const uint64_t root = Load<uint64_t>(value, 0);
  std::set<uint64_t> visited;
  if (root == 0) return WalkPage(value.substr(16), true, 0, &visited, fn);
  return Walk(root, 0, &visited, fn);
}

Result<std::vector<std::string>> Reader::Buckets() const {
  std::vector<std::string> names;
  std::set<uint64_t> visited;
  Status s = Walk(root_, 0, &visited, [&](const Element& e) -> Status {
    if (e.flags & layout::kBucketElement) names.emplace_back(e.key);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return names;
}

Status Reader::ForEach(std::string_view name,
                       const std::function<Status(std::string_view key, std::string_view value)>& fn) const {
  std::string_view bucket;
  bool found = false;
  std::set<uint64_t> visited;
  ETCFS_RETURN_IF_ERROR(Walk(root_, 0, &visited, [&](const Element& e) -> Status {
    if ((e.flags & layout::kBucketElement) && e.key == name) {
      bucket = e.value;
      found = true;
    }
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("no bucket " + std::string(name) + " in the bbolt database");
  // Keys must ascend: a page visited twice, or out of place, cannot pass.
  std::string last;
  bool first = true;
  return WalkBucketValue(bucket, [&](const Element& e) -> Status {
    if (!first && e.key <= last) return Damaged("keys of bucket " + std::string(name) + " out of order");
    first = false;
    last = e.key;
    if (e.flags & layout::kBucketElement) return Status::Ok();  // a nested bucket: not etcd's layout, skipped
    return fn(e.key, e.value);
  });
}

}  // namespace etcfs::member::bbolt
