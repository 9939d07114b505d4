// The wall clock in nanoseconds since the epoch: file times (mtime) and
// other timestamps that are shown to people, not used to measure intervals.
#pragma once

#include <chrono>
#include <cstdint>

namespace etcfs {

inline int64_t WallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace etcfs
