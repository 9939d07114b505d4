#include "fs/read_barrier.h"

#include <cerrno>

#include "fs/errno_of.h"

namespace etcfs::fs {

int ReadBarrier::Confirm(const Caller& c) {
  if (options_.consistency != Consistency::kLinearizable) return 0;
  constexpr auto kFailureHeld = std::chrono::milliseconds(500);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_errno_ != 0 && std::chrono::steady_clock::now() - failed_at_ < kFailureHeld) return failed_errno_;
  }
  int err = 0;
  auto rev = backend_->LinearizableRevision(CallOf(c, options_.commit_timeout));
  if (!rev.ok()) {
    err = ErrnoOf(rev.status(), "linearizable read", options_.prefix);
  } else if (!mirror_->WaitFor(*rev, options_.commit_timeout)) {
    err = ETIMEDOUT;
  }
  if (err != 0 && err != EINTR) {
    std::lock_guard<std::mutex> lock(mu_);
    failed_errno_ = err;
    failed_at_ = std::chrono::steady_clock::now();
  }
  return err;
}

}  // namespace etcfs::fs
