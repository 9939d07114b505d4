#include "fs/errno_of.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace etcfs::fs {

int ErrnoOf(const Status& s, std::string_view doing, std::string_view key) {
  int err = EIO;
  switch (s.code()) {
    case StatusCode::kNoSpace: err = ENOSPC; break;
    case StatusCode::kResourceExhausted: err = EFBIG; break;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout: err = ETIMEDOUT; break;
    case StatusCode::kCancelled: err = EINTR; break;
    case StatusCode::kInvalidArgument: err = EINVAL; break;
    case StatusCode::kNotFound: err = ENOENT; break;
    default: break;
  }
  spdlog::warn("fs: {} of {} failed ({}): {}", doing, key, std::strerror(err), s.ToString());
  return err;
}

}  // namespace etcfs::fs
