#include "fs/filesystem.h"

#include <spdlog/spdlog.h>

#include "base/wall_clock.h"
#include "fs/path_codec.h"
#include "fs/tree_paths.h"

namespace etcfs::fs {

namespace {

// Long enough that the kernel asks again only after an invalidation.
constexpr double kCachedTimeout = 3600.0;

}  // namespace

Filesystem::Filesystem(KvBackend* backend, MountOptions options)
    : backend_(backend), options_(std::move(options)), mirror_(options_.prefix),
      echo_state_(options_.notify ? std::make_unique<EchoState>(
                                        options_.prefix, options_.consistency == Consistency::kSerializable, &inodes_)
                                  : nullptr),
      tree_(options_, &mirror_, &inodes_, &buffers_, &orphans_, echo_state_.get(), WallClockNs()),
      reads_(backend_, &mirror_, options_),
      feed_(backend_, &mirror_, options_.prefix,
            MirrorFeed::Hooks{[this](const kv::Event& e, const Mirror::Change& c) { OnChange(e, c); },
                              [this] { FlushEcho(); }, [this] { InvalidateAll(); }}) {
  if (options_.notify) {
    // The echo's operations must find the kernel's caches already invalidated.
    echo_ = std::make_unique<Echo>([this] { invalidator_.Drain(std::chrono::seconds(1)); },
                                   [this](const std::string& path) { return tree_.VisiblePath(path); },
                                   [this](const std::string& path) { EchoFailed(path); });
  }
}

Filesystem::~Filesystem() {
  Detach();
  Stop();
}

Status Filesystem::Start() { return feed_.Start(); }

void Filesystem::Attach(const KernelLinks& links) {
  links_ = links;
  invalidator_.SetNotifier(links.notifier);
  if (echo_ && links.echo != nullptr) echo_->Start(links.echo, links.echo_thread);
}

void Filesystem::Detach() {
  if (echo_ && links_.echo != nullptr) {
    echo_->Stop();
    spdlog::info("fs: {} changes made elsewhere replayed for inotify ({} could not be)", echo_->replayed(),
                 echo_->failed());
    links_.echo = nullptr;
  }
  invalidator_.SetNotifier(nullptr);
}

void Filesystem::Stop() { feed_.Stop(); }

bool Filesystem::AwaitInvalidations(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!invalidator_.Drain(timeout)) return false;
  if (!echo_) return true;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return echo_->Drain(std::max(left, std::chrono::milliseconds(0)));
}

double Filesystem::entry_timeout() const {
  return options_.consistency == Consistency::kLinearizable ? 0.0 : kCachedTimeout;
}

BackendUsage Filesystem::Usage() {
  auto u = backend_->Usage();
  std::lock_guard<std::mutex> lock(usage_mu_);
  if (u.ok()) {
    last_usage_ = *u;
  } else if (last_usage_.quota_bytes == 0) {
    last_usage_.quota_bytes = backend_->limits().quota_bytes;
  }
  return last_usage_;
}

// ---------------------------------------------------------------------------
// Changes applied anywhere reach the kernel's caches and the echo.

void Filesystem::OnChange(const kv::Event& e, const Mirror::Change& c) {
  if (own_.Hold(e, c)) return;  // the kernel already shows it; CommitTxn decides
  Invalidate(e, c);
}

void Filesystem::Invalidate(const kv::Event& e, const Mirror::Change& c) {
  const std::string path = e.kv.key.substr(options_.prefix.size());
  if (path.empty()) {  // the root's own marker: its attributes
    invalidator_.Inode(kRootIno);
    return;
  }
  if (echo_state_) echo_state_->Note(e, c);
  // A file renamed over, or deleted where no echo will retire it (the
  // echo's unlink keeps it, ops/unlink.cc), is gone for its name, not for
  // the descriptors open on it here.
  const bool replaced = renames_over_.Replaced(e, c);
  if (replaced || (c.deleted && !echo_state_ && !IsDirPath(path))) KeepForDescriptors(path, *c.previous);
  if (replaced) InvalidateNames(path);
  // A path the echo has yet to retire keeps its number: the echo's unlink,
  // rmdir or rename still names it, and a rename carries it on.
  auto detach = [&](const std::string& p) {
    if (!echo_state_ || !echo_state_->IsGhost(p)) inodes_.Detach(p);
  };
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  if (!IsDirPath(path) && (c.created || c.deleted)) InvalidateNames(path);
  if (!IsDirPath(path) && c.deleted) detach(path);
  for (const auto* dirs : {&c.dirs_created, &c.dirs_removed}) {
    for (const std::string& d : *dirs) {
      const std::string dpath = d.substr(options_.prefix.size());
      if (Ino ino = inodes_.Find(dpath)) invalidator_.Inode(ino);
      InvalidateNames(dpath);
    }
  }
  for (const std::string& d : c.dirs_removed) detach(d.substr(options_.prefix.size()));
}

void Filesystem::KeepForDescriptors(const std::string& path, const kv::KeyValue& as_was) {
  const Ino ino = inodes_.Find(path);
  if (ino == 0 || inodes_.lookups(ino) == 0) return;  // no descriptor can hold it
  orphans_.Keep(ino, as_was, /*buffer_due=*/true);  // its buffer's lock ranks above the mirror's
  inodes_.Detach(path);
}

void Filesystem::InvalidateAll() {
  for (const std::string& path : inodes_.Paths()) {
    if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
    if (!path.empty()) InvalidateNames(path);
  }
}

void Filesystem::InvalidateNames(const std::string& path) {
  const Ino parent = inodes_.Find(ParentPath(path));
  if (parent == 0) return;  // the kernel cannot have cached names in a directory it never saw
  const std::string component = LastComponent(path);
  if (auto name = EncodeName(component)) invalidator_.Entry(parent, std::move(*name));
  if (auto name = SelfValueName(component)) invalidator_.Entry(parent, std::move(*name));
  invalidator_.Inode(parent);  // its listing
}

void Filesystem::FlushEcho() {
  if (!echo_state_) return;
  std::lock_guard<std::mutex> flush(echo_flush_mu_);
  for (const EchoPlan::Step& s : echo_state_->TakeSteps()) echo_->Changed(s.path, s.what, s.to);
}

void Filesystem::EchoFailed(const std::string& path) {
  echo_state_->UnhideAll(path);
  spdlog::debug("fs: showing {} without its inotify events (the echo could not replay it)", path);
  if (Ino ino = inodes_.Find(path)) invalidator_.Inode(ino);
  InvalidateNames(IsDirPath(path) ? path.substr(0, path.size() - 1) : path);
  echo_state_->ForgetGhosts(path);
}

}  // namespace etcfs::fs
