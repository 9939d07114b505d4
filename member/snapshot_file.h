// Snapshot files, as the Maintenance service streams them and etcdctl
// snapshot save writes them: a store image (store/image.h), zero padding to
// a multiple of 512 bytes, then the SHA-256 of everything before it. The
// padding and hash are etcd's shape (a bbolt file is page-aligned and etcd
// appends its SHA-256), which etcdctl 3.4 checks before it keeps the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace etcfs::member {

inline constexpr size_t kSnapshotAlign = 512;
inline constexpr size_t kSha256Bytes = 32;

// Hashes a snapshot as it is streamed and produces its tail.
class SnapshotHasher {
 public:
  SnapshotHasher();
  ~SnapshotHasher();
  SnapshotHasher(const SnapshotHasher&) = delete;
  SnapshotHasher& operator=(const SnapshotHasher&) = delete;

  void Update(std::string_view image_bytes);
  // The padding and the SHA-256 that end the file.
  std::string Tail();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  uint64_t bytes_ = 0;
};

// Checks a snapshot file's size and SHA-256 and returns the image inside.
// Errors: Corruption, saying what is wrong (not a snapshot, hash mismatch...).
Result<std::string_view> ImageOfSnapshotFile(std::string_view file);

}  // namespace etcfs::member
