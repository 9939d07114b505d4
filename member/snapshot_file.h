// Snapshot files, as the Maintenance service streams them and etcdctl
// snapshot save writes them: etcd's, a database laid out as etcd's backend
// (etcd_backend.h), then the SHA-256 of it. (Before, etcfs sent a store image,
// store/image.h, padded to a multiple of 512 bytes, in the same frame; those
// files still restore.) etcdctl 3.4 checks the hash before it keeps the file.
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

// Checks a snapshot file's size and SHA-256 and returns what they cover.
// Errors: Corruption, saying what is wrong (not a snapshot, hash mismatch...).
Result<std::string_view> SnapshotBody(std::string_view file);

// The store image of whatever a snapshot file holds: an etcd database (etcd's
// or etcfs's, converted; etcd_backend.h) or an older etcfs store image. With
// `skip_hash_check`, a file without the SHA-256 is taken too (a bare
// database, as etcd's member/snap/db, or a bare image). Errors: Corruption,
// saying what is wrong.
Result<std::string> StoreImageOfSnapshotFile(std::string_view file, bool skip_hash_check);

// The store image in a snapshot body written by an etcfs before snapshots
// were etcd's bbolt files (padding stripped). Errors: Corruption.
Result<std::string_view> ImageInSnapshotBody(std::string_view body);

}  // namespace etcfs::member
