// bbolt's Writer (bbolt.h): leaf pages filled in key order and written as
// they fill, branch pages built over them when a bucket closes, small buckets
// inlined into their parent as bbolt does, then the root bucket, the (empty)
// freelist and the two meta pages.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "member/bbolt.h"
#include "member/bbolt_layout.h"

namespace etcfs::member::bbolt {
namespace {

using layout::Fnv1a64;
using layout::kElement;
using layout::kHeader;
using layout::Store;
constexpr uint64_t kFreelistId = 2;

struct LeafEntry {
  uint32_t flags;
  std::string key, value;
};

// A leaf page's bytes, its id left 0 (WritePage or the inline value sets it).
std::string EncodeLeaf(const std::vector<LeafEntry>& entries) {
  size_t size = kHeader + kElement * entries.size();
  for (const auto& e : entries) size += e.key.size() + e.value.size();
  std::string page(size, '\0');
  Store<uint16_t>(page, 8, layout::kLeaf);
  Store<uint16_t>(page, 10, static_cast<uint16_t>(entries.size()));
  size_t data = kHeader + kElement * entries.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t at = kHeader + kElement * i;
    Store<uint32_t>(page, at, entries[i].flags);
    Store<uint32_t>(page, at + 4, static_cast<uint32_t>(data - at));
    Store<uint32_t>(page, at + 8, static_cast<uint32_t>(entries[i].key.size()));
    Store<uint32_t>(page, at + 12, static_cast<uint32_t>(entries[i].value.size()));
    page.replace(data, entries[i].key.size(), entries[i].key);
    page.replace(data + entries[i].key.size(), entries[i].value.size(), entries[i].value);
    data += entries[i].key.size() + entries[i].value.size();
  }
  return page;
}

std::string EncodeBranch(const std::vector<std::pair<std::string, uint64_t>>& children) {
  size_t size = kHeader + kElement * children.size();
  for (const auto& [key, id] : children) size += key.size();
  std::string page(size, '\0');
  Store<uint16_t>(page, 8, layout::kBranch);
  Store<uint16_t>(page, 10, static_cast<uint16_t>(children.size()));
  size_t data = kHeader + kElement * children.size();
  for (size_t i = 0; i < children.size(); ++i) {
    const size_t at = kHeader + kElement * i;
    Store<uint32_t>(page, at, static_cast<uint32_t>(data - at));
    Store<uint32_t>(page, at + 4, static_cast<uint32_t>(children[i].first.size()));
    Store<uint64_t>(page, at + 8, children[i].second);
    page.replace(data, children[i].first.size(), children[i].first);
    data += children[i].first.size();
  }
  return page;
}

// A bucket's header value: {root page, sequence 0}, then its inline page if any.
std::string BucketValue(uint64_t root, std::string_view inline_page = {}) {
  std::string v(16, '\0');
  Store<uint64_t>(v, 0, root);
  v.append(inline_page);
  return v;
}

}  // namespace

struct Writer::Page {
  std::string bytes;  // header and content, unpadded; the id is set on write
};

struct Writer::Bucket {
  std::string name;
  std::vector<LeafEntry> pending;  // the leaf being filled
  size_t pending_bytes = kHeader;  // its encoded size
  std::vector<std::pair<std::string, uint64_t>> leaves;  // first key and page of each written leaf
  std::string last_key;
  bool empty = true;
};

Writer::Writer(int fd) : fd_(fd) {}
Writer::~Writer() = default;

int Writer::Open(std::string_view name) {
  auto b = std::make_unique<Bucket>();
  b->name = name;
  buckets_.push_back(std::move(b));
  return static_cast<int>(buckets_.size() - 1);
}

Status Writer::Put(int bucket, std::string_view key, std::string_view value) {
  if (!failed_.ok()) return failed_;
  Bucket& b = *buckets_.at(static_cast<size_t>(bucket));
  if (key.empty() || (!b.empty && key <= b.last_key)) {
    return Status::InvalidArgument("bbolt: keys of bucket " + b.name + " must be non-empty and ascending");
  }
  const size_t size = kElement + key.size() + value.size();
  if (!b.pending.empty() && b.pending_bytes + size > kPageSize) ETCFS_RETURN_IF_ERROR(Flush(b));
  b.pending.push_back({0, std::string(key), std::string(value)});
  b.pending_bytes += size;
  b.last_key = key;
  b.empty = false;
  return Status::Ok();
}

Status Writer::Flush(Bucket& b) {
  auto id = WritePage(Page{EncodeLeaf(b.pending)});
  if (!id.ok()) return id.status();
  b.leaves.emplace_back(b.pending.front().key, *id);
  b.pending.clear();
  b.pending_bytes = kHeader;
  return Status::Ok();
}

Result<uint64_t> Writer::WritePage(const Page& page) {
  const uint64_t span = (page.bytes.size() + kPageSize - 1) / kPageSize;
  const uint64_t id = next_page_;
  next_page_ += span;
  std::string bytes = page.bytes;
  bytes.resize(span * kPageSize, '\0');
  Store<uint64_t>(bytes, 0, id);
  Store<uint32_t>(bytes, 12, static_cast<uint32_t>(span - 1));
  ETCFS_RETURN_IF_ERROR(WriteAt(bytes, id * kPageSize));
  return id;
}

Result<uint64_t> Writer::BuildTree(std::vector<std::pair<std::string, uint64_t>> children) {
  while (children.size() > 1) {
    std::vector<std::pair<std::string, uint64_t>> parents, page;
    size_t bytes = kHeader;
    auto emit = [&]() -> Status {
      auto id = WritePage(Page{EncodeBranch(page)});
      if (!id.ok()) return id.status();
      parents.emplace_back(page.front().first, *id);
      page.clear();
      bytes = kHeader;
      return Status::Ok();
    };
    for (auto& child : children) {
      const size_t size = kElement + child.first.size();
      if (page.size() >= 2 && bytes + size > kPageSize) ETCFS_RETURN_IF_ERROR(emit());
      bytes += size;
      page.push_back(std::move(child));
    }
    ETCFS_RETURN_IF_ERROR(emit());
    children = std::move(parents);
  }
  return children.front().second;
}

Status Writer::Finish() {
  if (!failed_.ok()) return failed_;
  // Each bucket becomes an element of the root bucket: inline when it is
  // small and fits one page (bbolt's rule: under a quarter page).
  std::vector<LeafEntry> root_entries;
  for (auto& b : buckets_) {
    std::string value;
    if (b->leaves.empty() && b->pending_bytes <= kPageSize / 4) {
      value = BucketValue(0, EncodeLeaf(b->pending));
    } else {
      if (!b->pending.empty()) ETCFS_RETURN_IF_ERROR(Flush(*b));
      auto root = BuildTree(std::move(b->leaves));
      if (!root.ok()) return root.status();
      value = BucketValue(*root);
    }
    root_entries.push_back({layout::kBucketElement, b->name, std::move(value)});
  }
  std::sort(root_entries.begin(), root_entries.end(),
            [](const LeafEntry& a, const LeafEntry& b) { return a.key < b.key; });
  for (size_t i = 1; i < root_entries.size(); ++i) {
    if (root_entries[i].key == root_entries[i - 1].key) {
      return Status::InvalidArgument("bbolt: two buckets named " + root_entries[i].key);
    }
  }
  // The root bucket's own tree, always on pages.
  std::vector<std::pair<std::string, uint64_t>> leaves;
  std::vector<LeafEntry> page;
  size_t bytes = kHeader;
  auto emit = [&]() -> Status {
    auto id = WritePage(Page{EncodeLeaf(page)});
    if (!id.ok()) return id.status();
    leaves.emplace_back(page.empty() ? std::string() : page.front().key, *id);
    page.clear();
    bytes = kHeader;
    return Status::Ok();
  };
  for (auto& e : root_entries) {
    const size_t size = kElement + e.key.size() + e.value.size();
    if (!page.empty() && bytes + size > kPageSize) ETCFS_RETURN_IF_ERROR(emit());
    bytes += size;
    page.push_back(std::move(e));
  }
  ETCFS_RETURN_IF_ERROR(emit());
  auto root = BuildTree(std::move(leaves));
  if (!root.ok()) return root.status();

  std::string freelist(kPageSize, '\0');
  Store<uint64_t>(freelist, 0, kFreelistId);
  Store<uint16_t>(freelist, 8, layout::kFreelist);
  ETCFS_RETURN_IF_ERROR(WriteAt(freelist, kFreelistId * kPageSize));
  for (uint64_t txid = 0; txid < 2; ++txid) {
    std::string meta(kPageSize, '\0');
    Store<uint64_t>(meta, 0, txid);  // meta page txid % 2
    Store<uint16_t>(meta, 8, layout::kMeta);
    Store<uint32_t>(meta, kHeader + 0, kMagic);
    Store<uint32_t>(meta, kHeader + 4, kVersion);
    Store<uint32_t>(meta, kHeader + 8, kPageSize);
    Store<uint64_t>(meta, kHeader + 16, *root);
    Store<uint64_t>(meta, kHeader + 32, kFreelistId);
    Store<uint64_t>(meta, kHeader + 40, next_page_);
    Store<uint64_t>(meta, kHeader + 48, txid);
    Store<uint64_t>(meta, kHeader + layout::kMetaChecksummed,
                    Fnv1a64(std::string_view(meta).substr(kHeader, layout::kMetaChecksummed)));
    ETCFS_RETURN_IF_ERROR(WriteAt(meta, txid * kPageSize));
  }
  return Status::Ok();
}

Status Writer::WriteAt(std::string_view bytes, uint64_t offset) {
  while (!bytes.empty()) {
    ssize_t n = pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = Status::IOError(std::string("bbolt: writing the database file: ") + std::strerror(errno));
      return failed_;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace etcfs::member::bbolt
