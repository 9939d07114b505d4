// BatchOverlay: the uncommitted writes of an apply batch to the families the
// batch reads back (live, leases, lease_keys). Point lookups are hash lookups;
// an ordered view, merged over a database iterator, is built only when a
// request reads a range. (RocksDB's WriteBatchWithIndex did the same job at a
// quarter of a put's cost: its skiplist compares re-parse batch records.)
//
// Threads: the apply thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <rocksdb/iterator.h>

namespace etcfs::store {

class BatchOverlay {
 public:
  // The overlay's value of `key`: nullptr when the batch has not touched
  // it; a pointer to nullopt when the batch deleted it.
  const std::optional<std::string>* Find(uint32_t cf, std::string_view key) const;
  void Put(uint32_t cf, std::string_view key, std::string_view value);
  void Delete(uint32_t cf, std::string_view key);

  // An iterator over `base` (which it owns) with this overlay laid on top:
  // keys the batch wrote show their new values, deleted ones are skipped.
  // Forward iteration only (Seek, SeekToFirst, Next). The overlay must not
  // change while the iterator lives.
  std::unique_ptr<rocksdb::Iterator> NewMergedIterator(uint32_t cf, rocksdb::Iterator* base) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, std::optional<std::string>, Hash, std::equal_to<>>;
  Map& Family(uint32_t cf);
  const Map* FamilyIfAny(uint32_t cf) const;

  std::unordered_map<uint32_t, Map> families_;
};

}  // namespace etcfs::store
