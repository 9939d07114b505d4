#include "ctl/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace etcfs::ctl {

constexpr int kWidth = 40;

ProgressBar::ProgressBar(std::string what, uint64_t total, const std::atomic<uint64_t>& done)
    : what_(std::move(what)), total_(total), done_(done), terminal_(::isatty(STDERR_FILENO) == 1) {
  if (!terminal_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) Draw();
  });
}

ProgressBar::~ProgressBar() {
  if (!terminal_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Draw();
  std::fputc('\n', stderr);
}

void ProgressBar::Draw() {
  const uint64_t done = std::min(done_.load(), total_);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int filled = total_ == 0 ? kWidth : static_cast<int>(done * kWidth / total_);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  std::fprintf(stderr, "\r %llu / %llu %s [%s] %3d%%  %.0f/s ", static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total_), what_.c_str(), bar.c_str(),
               total_ == 0 ? 100 : static_cast<int>(done * 100 / total_), seconds > 0 ? done / seconds : 0.0);
  std::fflush(stderr);
}

}  // namespace etcfs::ctl
