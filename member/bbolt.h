// bbolt database files, the format of etcd's backend and so of etcd's
// snapshot files: written from buckets of sorted keys, and read back, from
// bbolt's page layout (its version 2, as bbolt 1.3 writes it):
//
//   page        fixed 16-byte header: id u64, flags u16, count u16, overflow
//               u32 (pages after this one that it spans); all little-endian
//   pages 0, 1  meta: magic 0xED0CDAED, version 2, page size, flags, root
//               bucket {root page, sequence}, freelist page, page count
//               (high water mark), transaction id, FNV-1a-64 of the 56
//               bytes before it. The valid one with the higher txid counts.
//   freelist    count ids of free pages (count 0xFFFF: a u64 count first)
//   leaf        count elements {flags u32, pos u32, ksize u32, vsize u32},
//               pos counted from the element itself; flag 1 marks a bucket,
//               whose value is {root page u64, sequence u64}, and when its
//               root is 0, an inline leaf page right after.
//   branch      count elements {pos u32, ksize u32, child page u64}; each key
//               the first key under its child.
//
// Buckets here hold keys and values only (etcd nests none). Threads: a
// writer or reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace etcfs::member::bbolt {

inline constexpr uint32_t kMagic = 0xED0CDAED;
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kPageSize = 4096;  // what bbolt uses on this platform

// Writes a database file bucket by bucket, pages going to the file as they
// fill, so memory stays bounded by the open buckets' last pages and one key
// per written page. Several buckets may be open at once; each takes its
// keys in ascending order.
class Writer {
 public:
  // Writes to `fd` (a regular file, empty), from offset 0.
  explicit Writer(int fd);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // A bucket of this name, empty until Put. Names are unique. Returns its handle.
  int Open(std::string_view name);
  // Adds to an open bucket. Errors: InvalidArgument (a key not above the
  // last, or an empty one), IOError.
  Status Put(int bucket, std::string_view key, std::string_view value);
  // Writes the meta pages and the freelist, closing every open bucket.
  // Errors: IOError.
  Status Finish();

 private:
  struct Bucket;
  struct Page;
  Status Flush(Bucket& b);
  Result<uint64_t> WritePage(const Page& page);
  Result<uint64_t> BuildTree(std::vector<std::pair<std::string, uint64_t>> children);
  Status WriteAt(std::string_view bytes, uint64_t offset);

  int fd_;
  uint64_t next_page_ = 3;  // 0, 1: meta; 2: freelist
  std::vector<std::unique_ptr<Bucket>> buckets_;
  Status failed_;
};

// Reads a database file held in memory (the whole file, e.g. mapped).
class Reader {
 public:
  // Checks the meta pages and picks the current one. Errors: Corruption
  // ("not a bbolt database", a bad checksum, an unknown version).
  static Result<Reader> Open(std::string_view file);

  // The top-level buckets' names, in order. Errors: Corruption.
  Result<std::vector<std::string>> Buckets() const;
  // Calls `fn` for each key of bucket `name` in order (nested buckets are
  // skipped), stopping at its first error. NotFound if there is no such
  // bucket; Corruption for a damaged page.
  Status ForEach(std::string_view name,
                 const std::function<Status(std::string_view key, std::string_view value)>& fn) const;

  uint64_t transaction_id() const { return txid_; }

 private:
  Reader(std::string_view file, uint32_t page_size, uint64_t root, uint64_t pages, uint64_t txid)
      : file_(file), page_size_(page_size), root_(root), pages_(pages), txid_(txid) {}
  struct Element {
    uint32_t flags;
    std::string_view key, value;
  };
  // Every leaf element under page `id`, in order; `visited` refuses a page
  // met twice (a loop, or a tree that shares pages).
  Status Walk(uint64_t id, int depth, std::set<uint64_t>* visited,
              const std::function<Status(const Element&)>& fn) const;
  // The same from a page's bytes (an inline page: a leaf inside its bucket's value).
  Status WalkPage(std::string_view page, bool is_inline, int depth, std::set<uint64_t>* visited,
                  const std::function<Status(const Element&)>& fn) const;
  Status WalkBucketValue(std::string_view value, const std::function<Status(const Element&)>& fn) const;

  std::string_view file_;
  uint32_t page_size_;
  uint64_t root_;
  uint64_t pages_;
  uint64_t txid_;
};

}  // namespace etcfs::member::bbolt
