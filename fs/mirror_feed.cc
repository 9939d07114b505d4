#include "fs/mirror_feed.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/key_range.h"

namespace etcfs::fs {

namespace {

kv::RangeRequest PrefixRange(const std::string& prefix) {
  kv::RangeRequest range;
  range.key = prefix;
  range.range_end = PrefixEnd(prefix);
  return range;
}

}  // namespace

MirrorFeed::MirrorFeed(KvBackend* backend, Mirror* mirror, std::string prefix, Hooks hooks)
    : backend_(backend), mirror_(mirror), prefix_(std::move(prefix)), hooks_(std::move(hooks)) {}

MirrorFeed::~MirrorFeed() { Stop(); }

Status MirrorFeed::Start() {
  ETCFS_ASSIGN_OR_RETURN(kv::RangeResponse r, backend_->Range(PrefixRange(prefix_)));
  const size_t n = r.kvs.size();
  mirror_->Reset(std::move(r.kvs), r.revision);
  auto w = backend_->Watch(prefix_, r.revision + 1, [this](WatchUpdate u) { OnUpdate(std::move(u)); });
  ETCFS_RETURN_IF_ERROR(w.status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    watch_ = std::move(*w);
  }
  spdlog::info("fs: prefix {} loaded: {} keys at revision {}", prefix_, n, r.revision);
  return Status::Ok();
}

void MirrorFeed::Stop() {
  std::unique_ptr<KvWatch> watch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    watch = std::move(watch_);
  }
  stopped_cv_.notify_all();
  watch.reset();  // outside mu_: it waits for a callback in flight, which may take mu_
  if (resync_thread_.joinable()) resync_thread_.join();
}

void MirrorFeed::OnUpdate(WatchUpdate update) {
  if (update.compacted != 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || resync_pending_) return;
    resync_pending_ = true;
    if (resync_thread_.joinable()) resync_thread_.detach();
    resync_thread_ = std::thread([this] { Resync(); });
    return;
  }
  mirror_->Apply(update.events, update.revision, hooks_.on_change);
  if (hooks_.after_update) hooks_.after_update();
}

void MirrorFeed::Resync() {
  std::unique_ptr<KvWatch> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    resync_pending_ = false;
    if (stopping_) return;
    old = std::move(watch_);
  }
  old.reset();
  ++resyncs_;
  spdlog::warn("fs: the watch on {} fell behind compaction; loading the prefix again", prefix_);
  for (int attempt = 0;; ++attempt) {
    auto r = backend_->Range(PrefixRange(prefix_));
    if (r.ok()) {
      const int64_t rev = r->revision;
      mirror_->Reset(std::move(r->kvs), rev);
      if (hooks_.after_resync) hooks_.after_resync();
      auto w = backend_->Watch(prefix_, rev + 1, [this](WatchUpdate u) { OnUpdate(std::move(u)); });
      if (w.ok()) {
        std::lock_guard<std::mutex> lock(mu_);  // released before `w`, which cancels when stopping
        if (!stopping_) watch_ = std::move(*w);
        return;
      }
      spdlog::warn("fs: watching {} again failed: {}", prefix_, w.status().ToString());
    } else if (attempt % 10 == 0) {
      spdlog::warn("fs: loading {} again failed: {} (reads show the last known data)", prefix_,
                   r.status().ToString());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_; })) return;
  }
}

}  // namespace etcfs::fs
