#include "mount-tools/remote_watch.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/key_range.h"
#include "base/wall_clock.h"
#include "client/endpoints.h"
#include "mount-tools/paged_range.h"
#include "kv/api_convert.h"

namespace etcfs::mount_tools {

namespace {

constexpr auto kRetryMin = std::chrono::milliseconds(100);
constexpr auto kRetryMax = std::chrono::milliseconds(2000);

}  // namespace

RemoteWatch::RemoteWatch(std::shared_ptr<grpc::Channel> channel, AttrKeys attr_keys, std::string prefix,
                         int64_t from_revision, std::function<void(fs::WatchUpdate)> on_update)
    : watch_(etcdserverpb::Watch::NewStub(channel)),
      kv_(etcdserverpb::KV::NewStub(channel)),
      attr_keys_(std::move(attr_keys)),
      prefix_(std::move(prefix)),
      on_update_(std::move(on_update)),
      next_revision_(from_revision) {
  thread_ = std::thread([this] { Run(); });
}

RemoteWatch::~RemoteWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  stop_cv_.notify_all();
  thread_.join();
}

void RemoteWatch::RequestProgress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stream_ == nullptr || !stream_ready_) return;
  etcdserverpb::WatchRequest req;
  req.mutable_progress_request();
  stream_->Write(req);
}

void RemoteWatch::Run() {
  auto backoff = kRetryMin;
  auto wait = [&] {
    std::unique_lock<std::mutex> lock(mu_);
    const bool stop = stop_cv_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, kRetryMax);
    return !stop;
  };
  while (!LoadCompanions()) {
    if (!wait()) return;
  }
  for (;;) {
    const int64_t before = next_revision_;
    if (!Stream()) return;
    if (next_revision_ != before) backoff = kRetryMin;  // it made progress: retry soon
    if (!wait()) return;
  }
}

bool RemoteWatch::LoadCompanions() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return true;  // Run() then stops at its first wait
  }
  if (next_revision_ <= 1) return true;
  kv::RangeRequest req;
  req.key = attr_keys_.attr_prefix();
  req.range_end = PrefixEnd(req.key);
  req.revision = next_revision_ - 1;
  auto r = RangeInPages(kv_.get(), std::move(req), std::chrono::seconds(5), "loading file attributes");
  if (!r.ok() && r.status().code() == StatusCode::kCompacted) {
    fs::WatchUpdate u;
    u.compacted = next_revision_;
    on_update_(std::move(u));
    return true;
  }
  if (!r.ok()) {
    spdlog::warn("fs: {} (retrying)", r.status().ToString());
    return false;
  }
  companions_ = TakeCompanions(attr_keys_, &r->kvs);
  return true;
}

bool RemoteWatch::Stream() {
  grpc::ClientContext ctx;
  auto stream = watch_->Watch(&ctx);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    context_ = &ctx;
    stream_ = stream.get();
    etcdserverpb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(prefix_);
    create->set_range_end(PrefixEnd(prefix_));
    create->set_start_revision(next_revision_);
    create->set_progress_notify(true);
    stream_ready_ = stream->Write(req);
  }
  bool keep = true;
  bool created = false;
  etcdserverpb::WatchResponse resp;
  while (stream_ready_ && stream->Read(&resp)) {
    if (resp.compact_revision() > 0) {
      spdlog::warn("fs: the watch on {} cannot resume at revision {}: compacted up to {}", prefix_, next_revision_,
                   resp.compact_revision());
      fs::WatchUpdate u;
      u.compacted = resp.compact_revision();
      on_update_(std::move(u));
      keep = false;
      break;
    }
    if (resp.canceled()) {
      spdlog::warn("fs: the server cancelled the watch on {}: {}", prefix_, resp.cancel_reason());
      break;
    }
    if (resp.created()) {
      created = true;
      if (failures_ > 0) spdlog::info("fs: watching {} again from revision {}", prefix_, next_revision_);
      failures_ = 0;
      continue;
    }
    Handle(resp);
  }
  ctx.TryCancel();
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
    stream_ = nullptr;
    stream_ready_ = false;
    if (stopping_) keep = false;
  }
  grpc::Status st = stream->Finish();
  if (keep && failures_++ % 30 == 0) {
    spdlog::warn("fs: the watch on {} {}: {}; reads show the last known data, reconnecting", prefix_,
                 created ? "broke" : "could not start", st.error_message().empty() ? "stream ended" : st.error_message());
  }
  return keep;
}

void RemoteWatch::Handle(const etcdserverpb::WatchResponse& resp) {
  const auto& events = resp.events();
  if (events.empty()) {
    // A progress notification: every event up to this revision was sent.
    const int64_t rev = resp.header().revision();
    if (rev < next_revision_) return;
    next_revision_ = rev + 1;
    fs::WatchUpdate u;
    u.revision = rev;
    on_update_(std::move(u));
    return;
  }
  const int64_t now = WallClockNs();
  fs::WatchUpdate u;
  for (int i = 0; i < events.size();) {
    const int64_t rev = events[i].kv().mod_revision();
    int j = i;
    while (j < events.size() && events[j].kv().mod_revision() == rev) ++j;
    if (rev < next_revision_) {  // already delivered (never expected)
      i = j;
      continue;
    }
    // A revision's companions first, so that its keys show them.
    for (int k = i; k < j; ++k) {
      const auto& e = events[k];
      if (!attr_keys_.IsAttrKey(e.kv().key())) continue;
      const std::string key = attr_keys_.KeyOf(e.kv().key());
      auto attr = e.type() == mvccpb::Event::PUT ? DecodeAttr(e.kv().value()) : std::nullopt;
      if (attr) {
        companions_[key] = {*attr, rev};
      } else {
        companions_.erase(key);
      }
    }
    for (int k = i; k < j; ++k) {
      if (attr_keys_.IsAttrKey(events[k].kv().key())) continue;
      kv::Event e = kv::FromPb(events[k]);
      if (e.type == kv::Event::Type::kPut) {
        auto c = companions_.find(e.kv.key);
        e.kv.attr = AttrFor(e.kv, c == companions_.end() ? nullptr : &c->second, now);
      }
      u.events.push_back(std::move(e));
    }
    u.revision = rev;
    next_revision_ = rev + 1;
    i = j;
  }
  if (u.revision > 0) on_update_(std::move(u));
}

}  // namespace etcfs::mount_tools
