// The one place that turns a backend's Status into the errno a file
// operation answers (etcfs(5), ERRORS).
#pragma once

#include <string_view>

#include "base/status.h"

namespace etcfs::fs {

// The errno for `s`, logged with what was being done to which key:
// NoSpace ENOSPC, ResourceExhausted EFBIG, Unavailable and Timeout
// ETIMEDOUT, Cancelled EINTR, InvalidArgument EINVAL, NotFound ENOENT,
// anything else EIO.
int ErrnoOf(const Status& s, std::string_view doing, std::string_view key);

}  // namespace etcfs::fs
