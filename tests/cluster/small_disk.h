// SmallDisk: a small tmpfs as a member's data directory, for the full-disk
// fault (root only): Fill takes every free byte with a filler file, so the
// member's next WAL or store write fails ENOSPC; Free removes it again.
// Unmounted when the object goes away.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace etcfs::testing {

// Unmounts every SmallDisk still mounted (the harness's signal handling).
void RemoveAllSmallDisks();

class SmallDisk {
 public:
  // Mounts a tmpfs of `megabytes` on `dir` (created). Errors: FailedPrecondition
  // (not root), IOError.
  static Result<std::unique_ptr<SmallDisk>> Create(const std::string& dir, int megabytes);
  ~SmallDisk();

  // Leaves no free space. Returns the bytes the filler took.
  uint64_t Fill();
  // Removes the filler.
  void Free();

 private:
  explicit SmallDisk(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace etcfs::testing
