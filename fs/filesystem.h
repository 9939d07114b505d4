// Filesystem: the state behind one mount, in parts with one job and one
// lock each, and the rules the operations (fs/ops/) share: commits and the
// way changes applied anywhere reach the kernel's caches and the echo.
//
//   mirror_      the committed keys under the prefix (Mirror), kept current
//                by feed_ (range, then watch; a resync after compaction)
//   inodes_      inode numbers and the kernel's references (InodeTable)
//   buffers_     files being written, files created here (WriteBuffers)
//   orphans_     files unlinked or replaced while still open (Orphans)
//   renames_over_ which puts from elsewhere replaced a file (RenamesOver)
//   echo_state_  what the echo has yet to show: hidden paths, ghosts
//   tree_        resolution of numbers and names to nodes (TreeView)
//   own_         which applied events are this mount's own (OwnChanges)
//   reads_       the linearizable read barrier (ReadBarrier)
//   invalidator_ and echo_: the threads that reach the kernel
//
// Writes: a file's writes go to its buffer; close (FLUSH) and fsync commit
// the whole value as one revision and return once it is applied here.
//
// Lock order, outermost first: the mirror's (its observer runs under it),
// echo_flush_mu_, then each part's own lock (OwnChanges, EchoState, then the
// InodeTable's, innermost); WriteBuffers' and a buffer's are never held
// while another part is called. Nothing is held while the backend is called.
//
// Threads: thread-safe. Requests run on the FUSE workers (or a test's
// threads); the watch's hooks on the backend's thread; invalidations and
// echoes on threads of their own.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "fs/caller.h"
#include "fs/echo.h"
#include "fs/echo_state.h"
#include "fs/inode_table.h"
#include "fs/invalidator.h"
#include "fs/kernel_links.h"
#include "fs/kv_backend.h"
#include "fs/mirror.h"
#include "fs/mirror_feed.h"
#include "fs/mount_options.h"
#include "fs/node.h"
#include "fs/orphans.h"
#include "fs/own_changes.h"
#include "fs/read_barrier.h"
#include "fs/renames_over.h"
#include "fs/tree_view.h"
#include "fs/write_buffers.h"

namespace etcfs::fs {

// Counters an operator reads from the log on unmount (and tests read).
struct FsStats {
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_failures{0};
};

// What the filesystem reaches of the kernel once mounted (kernel_links.h).
struct KernelLinks {
  CacheNotifier* notifier = nullptr;
  // Where the echo replays (-o notify=on); nullptr: no echo.
  EchoTarget* echo = nullptr;
  // false (tests): no echo thread; they call echo()->ReplayQueued().
  bool echo_thread = true;
  // nullptr: every process is taken to hold nothing and open nothing.
  ProcessProbe* processes = nullptr;
};

class Filesystem {
 public:
  Filesystem(KvBackend* backend, MountOptions options);
  ~Filesystem();

  // Fills the mirror and starts following the prefix.
  Status Start();
  // The mount is up: from now on invalidations and echoes reach the kernel.
  void Attach(const KernelLinks& links);
  // Before unmounting: stops the echo (its operations in flight need the
  // FUSE workers) and the invalidations.
  void Detach();
  // Ends the watch.
  void Stop();

  // Whether `tid` is the echo's thread.
  bool IsEchoThread(pid_t tid) const { return echo_ != nullptr && echo_->IsEcho(tid); }
  // Waits (up to `timeout`) until the kernel was told of every change this
  // mount has seen so far, then (-o notify=on) until those changes were
  // replayed by the echo; false on timeout. Not from a FUSE handler.
  bool AwaitInvalidations(std::chrono::milliseconds timeout);

  // --- the rules the operations share (each returns 0 or an errno) ---
  // In linearizable mode, waits until the mirror holds every write
  // completed before the call; a no-op otherwise.
  int ConfirmRead(const Caller& c) { return reads_.Confirm(c); }
  // Before a write session starts (a file created, truncated by open, or
  // first written): 0 if the cluster can commit now, else the errno a
  // commit would fail with, after at most commit_timeout. Shells ignore
  // close()'s errors; an outage must show in open or write.
  int ConfirmWritable(const Caller& c);
  // Commits the buffered value of `ino` if it changed (close, fsync).
  int Commit(const Caller& c, Ino ino);
  // Runs `txn`, keeping the kernel's caches of `keys` as this mount left
  // them (the kernel made the change itself); returns once applied here.
  Result<kv::TxnResponse> CommitTxn(const Caller& c, const kv::TxnRequest& txn,
                                       const std::vector<std::string>& keys);
  // The names `path` may be shown under in its parent, and the parent's
  // listing, are stale.
  void InvalidateNames(const std::string& path);
  // The largest value a file at `key` may hold (the cluster's request limit).
  size_t ValueLimit(const std::string& key) const;
  // The space used and allowed; the last known figures when the backend
  // cannot answer.
  BackendUsage Usage();
  // How long the kernel may cache entries and attributes.
  double entry_timeout() const;

  const MountOptions& options() const { return options_; }
  KvBackend& backend() { return *backend_; }
  FsStats& stats() { return stats_; }
  Mirror& mirror() { return mirror_; }
  InodeTable& inodes() { return inodes_; }
  WriteBuffers& buffers() { return buffers_; }
  Orphans& orphans() { return orphans_; }
  // File `n` as its descriptors see it (its buffer, else its value), taken
  // before an unlink or a rename over it, to keep once it lost its name
  // (Orphans); nullopt when the kernel holds no reference to it.
  std::optional<kv::KeyValue> OpenCopyOf(const Node& n);
  TreeView& tree() { return tree_; }
  // Null without -o notify.
  EchoState* echo_state() { return echo_state_.get(); }
  Echo* echo() { return echo_.get(); }
  ProcessProbe* processes() { return links_.processes; }
  uint64_t resyncs() const { return feed_.resyncs(); }

 private:
  // An applied change (the mirror's observer): this mount's own, or one
  // from elsewhere to invalidate and echo.
  void OnChange(const kv::Event& e, const Mirror::Change& c);
  void Invalidate(const kv::Event& e, const Mirror::Change& c);
  // The file at `path` lost its name to a change made elsewhere: its number
  // goes on as an orphan holding `as_was` while the kernel holds it.
  void KeepForDescriptors(const std::string& path, const kv::KeyValue& as_was);
  // After a resync: everything the kernel may cache.
  void InvalidateAll();
  // Hands what EchoState noted to the echo, in order.
  void FlushEcho();
  // A path (a directory: with what lies below) the echo could not create,
  // delete or move: shown as it is now.
  void EchoFailed(const std::string& path);

  KvBackend* const backend_;
  const MountOptions options_;
  FsStats stats_;
  Mirror mirror_;
  InodeTable inodes_;
  WriteBuffers buffers_;
  Orphans orphans_;
  RenamesOver renames_over_;
  std::unique_ptr<EchoState> echo_state_;  // with -o notify=on
  TreeView tree_;
  OwnChanges own_;
  ReadBarrier reads_;
  Invalidator invalidator_;
  std::unique_ptr<Echo> echo_;  // with -o notify=on
  std::mutex echo_flush_mu_;    // keeps flushes in order
  KernelLinks links_;           // set by Attach, before any request
  MirrorFeed feed_;             // last: its hooks use every part above

  std::mutex usage_mu_;
  BackendUsage last_usage_;  // guarded by usage_mu_
};

}  // namespace etcfs::fs
