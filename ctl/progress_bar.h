// ProgressBar: a line on a terminal's stderr that shows how far a long
// operation is (etcfsctl bench), redrawn a few times a second from a thread
// of its own. Nothing is drawn when stderr is not a terminal, so scripts and
// -w json see only the result.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace etcfs::ctl {

class ProgressBar {
 public:
  // Shows `done` of `total` `what` (e.g. "requests") until destroyed.
  ProgressBar(std::string what, uint64_t total, const std::atomic<uint64_t>& done);
  // Draws the final state and ends the line.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

 private:
  void Draw();
  const std::string what_;
  const uint64_t total_;
  const std::atomic<uint64_t>& done_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  const bool terminal_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace etcfs::ctl
