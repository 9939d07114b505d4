// Filesystem: the state behind a mount and the rules of etcfs(5), shared by
// the operations in ops/ (one file each). It owns the Mirror (every read is
// answered from it), the inode numbers, the write buffers of files being
// written, and the invalidations that keep the kernel's caches exact.
//
// Writes: a file's writes go to a buffer (one per inode, shared by every
// descriptor, as a page cache is); close (FLUSH) and fsync commit the whole
// value as one revision and return once it is applied here. A file created
// here exists only in this mount until its first commit.
//
// The methods live in five files: filesystem.cc (keeping up with the data,
// lookups, attributes, listings), file_content.cc (buffers and commits),
// tree_changes.cc (mkdir, unlink, rename...), remote_changes.cc (what changes
// made elsewhere invalidate) and echo_states.cc (their echo, for inotify).
//
// Threads: every method is thread-safe. FUSE handlers run on the session's
// worker threads; the watch callback runs on the backend's thread and only
// updates the mirror and queues invalidations (fs/invalidator.h).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "fs/echo.h"
#include "fs/echo_plan.h"
#include "fs/inode_table.h"
#include "fs/invalidator.h"
#include "fs/kv_backend.h"
#include "fs/mirror.h"
#include "fs/mount_options.h"

struct fuse_session;
struct fuse_req;
using fuse_req_t = struct fuse_req*;

namespace etcfs::fs {

// Counters an operator reads from the log on unmount (and tests read).
struct FsStats {
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_failures{0};
  std::atomic<uint64_t> names_too_long{0};
  std::atomic<uint64_t> resyncs{0};
};

class Filesystem {
 public:
  enum class Kind { kFile, kDirectory, kSymlink };

  // A node of the tree as one request sees it.
  struct Node {
    Ino ino = 0;
    std::string path;  // below the prefix; a directory's ends with '/'
    Kind kind = Kind::kFile;
    // A file's or symlink's key; a directory's marker key, when it has one.
    std::optional<store::KeyValue> kv;
    // Being written here: size and content come from the buffer.
    std::optional<size_t> buffered_size;
    std::optional<store::FileAttr> pending_attr;  // created here, not committed yet
  };

  // A listing taken at opendir: offsets index it, so they stay valid however
  // the directory changes meanwhile.
  struct DirEntry {
    std::string name;
    Node node;
  };
  struct DirSnapshot {
    bool taken = false;             // at the first readdir: the kernel may answer from its cache
    std::vector<DirEntry> entries;  // "." and ".." first
  };

  Filesystem(KvBackend* backend, MountOptions options);
  ~Filesystem();

  // Fills the mirror (a range of the prefix) and starts the watch from there.
  Status Start();
  // Where invalidations go once the mount exists; nullptr stops them.
  void SetSession(fuse_session* session);
  // The mount is up on `dir`: replays changes made elsewhere there
  // (-o notify=on), so that they raise inotify events; StopEcho before
  // unmounting.
  void Attached(const std::string& dir);
  void StopEcho();
  // Whether `req` is one of the echo's own operations.
  bool IsEcho(fuse_req_t req) const;
  // A lookup as `req` may see it: a file, directory or symlink created
  // elsewhere stays hidden until the echo creates it here, one deleted or
  // renamed elsewhere is found by the echo alone until it unlinks, removes
  // or renames it.
  int LookupFor(fuse_req_t req, Ino parent, const char* name, Node* out);
  // The echo's operations: they reveal, retire or move a path, nothing more.
  // EchoReveal answers create, mkdir (`dir`) and symlink; EchoRetire unlink
  // and rmdir (`dir`).
  int EchoReveal(Ino parent, const char* name, bool dir, Node* out);
  int EchoRetire(Ino parent, const char* name, bool dir);
  int EchoRename(Ino parent, const char* name, Ino new_parent, const char* new_name);
  // Ends the watch.
  void Stop();

  const MountOptions& options() const { return options_; }
  FsStats& stats() { return stats_; }
  Mirror& mirror() { return mirror_; }

  // --- lookups (each returns 0 or an errno) ---
  int GetNode(Ino ino, Node* out);
  // The node a new open of `ino` opens. A number that no longer carries its
  // name (the key deleted or replaced elsewhere, the number kept for open
  // descriptors or the echo) is ESTALE: the kernel then looks the name up
  // again (LOOKUP_REVAL), so that a name it still caches never opens what
  // another member deleted.
  int NodeToOpen(Ino ino, Node* out);
  // The node a descriptor of `ino` reads, opened on the key's incarnation
  // `create_revision` (0: unknown). The echo may take a number over for the
  // file deleted elsewhere (SplitGhost) after a descriptor was opened on it
  // for the newer file then at the name: that descriptor goes on reading
  // the newer file, never the deleted one.
  int GetOpenedNode(Ino ino, int64_t create_revision, Node* out);
  int LookupChild(Ino parent, const char* name, Node* out);
  // The key of a node: a file's key, a directory's marker key.
  std::string KeyOf(const Node& n) const { return options_.prefix + n.path; }
  void FillStat(const Node& n, struct stat* st) const;
  int ListDirectory(Ino ino, DirSnapshot* out);
  // In linearizable mode, waits until the mirror holds every write completed
  // before the call (ReadIndex); a no-op otherwise.
  int ConfirmRead(fuse_req_t req);
  double entry_timeout() const;

  // --- file content ---
  int Read(const Node& n, off_t offset, size_t size, std::string* out);
  int Write(const Node& n, off_t offset, const char* data, size_t size);
  int Truncate(const Node& n, off_t size);
  // Commits the buffered value of `ino` if it has changed (close, fsync).
  int Commit(fuse_req_t req, Ino ino);
  // close() of a written file: commits, unless the closing process still
  // holds the file through another descriptor (a shell's `> file` closes a
  // dup first); its last close commits then, so that no half-written value
  // (the truncated one) is ever published.
  int Flush(fuse_req_t req, Ino ino);
  // Before a write session starts (a file created, truncated by open, or
  // first written): 0 if the cluster can commit now, else
  // the errno a commit would fail with, after at most commit_timeout.
  // Shells ignore close()'s errors; an outage must show in open or write.
  int ConfirmWritable(fuse_req_t req);
  bool HeldByCaller(pid_t tid, Ino ino) const;
  // Creates a file that exists only here until its first commit.
  int CreatePending(Ino parent, const char* name, mode_t mode, uid_t uid, gid_t gid, Node* out);

  // --- changes committed at once (each waits until applied here) ---
  int MakeDirectory(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out);
  int MakeFileNow(fuse_req_t req, Ino parent, const char* name, mode_t mode, Node* out);
  int MakeSymlink(fuse_req_t req, Ino parent, const char* name, const char* target, Node* out);
  int Unlink(fuse_req_t req, Ino parent, const char* name);
  int RemoveDirectory(fuse_req_t req, Ino parent, const char* name);
  int Rename(fuse_req_t req, Ino parent, const char* name, Ino new_parent, const char* new_name,
             unsigned int flags);
  // chmod, chown, utimens: `attr` is the node's new attributes.
  int SetAttributes(fuse_req_t req, const Node& n, const store::FileAttr& attr);
  // The space used and allowed; the last known figures when the backend
  // cannot answer.
  BackendUsage Usage();
  // Waits (up to `timeout`) until the kernel was told of every change this
  // mount has seen so far; false on timeout. Not from a FUSE handler.
  // Then (-o notify=on) until those changes were replayed by the echo.
  bool AwaitInvalidations(std::chrono::milliseconds timeout);
  // The attributes a node shows (mount defaults for API-written keys).
  store::FileAttr AttributesOf(const Node& n) const;

  // The errno for a failed backend call, logged with what was being done.
  static int ErrnoOf(const Status& s, std::string_view doing, std::string_view key);

 private:
  struct Buffer {
    std::mutex mu;
    std::string data;   // guarded by mu
    bool dirty = false;  // guarded by mu
    std::optional<store::FileAttr> pending_attr;  // guarded by mu
    // Dropped from buffers_ after a commit: a writer holding it takes the
    // current one instead.
    bool detached = false;  // guarded by mu
  };
  // A path deleted (or renamed away) elsewhere that the echo has yet to retire.
  struct Ghost {
    std::optional<store::KeyValue> kv;  // none for a directory without a marker
    // The kernel's number of the file that went, once a new file took its
    // path (SplitGhost); 0 while the path still carries it.
    Ino ino = 0;
  };

  void OnWatch(WatchUpdate update);
  void Resync();
  void Invalidate(const store::Event& e, const Mirror::Change& c);
  // The names `path` may be shown under in its parent, and the parent's listing.
  void InvalidateNames(const std::string& path);
  // Notes an event made elsewhere for the echo (echo_plan.h): hides what it
  // created, keeps what it deleted for the echo alone.
  void EchoChange(const store::Event& e, const Mirror::Change& c);
  // Hands what EchoChange noted to the echo, renames paired up.
  void FlushEcho();
  bool IsGhost(const std::string& path) const;
  // The node of `path` deleted elsewhere and not yet retired by the echo.
  int GhostNode(const std::string& path, Node* out);
  // A file is about to appear at `path` for someone other than the echo (a
  // create here, or the key written again elsewhere): a file ghost there
  // keeps the old number apart, for the echo's unlink or rename, so that the
  // new file never shares the kernel inode of the one that went (the echo's
  // rename would carry the new file's writes to the old one's new name).
  void SplitGhost(const std::string& path);
  // Forgets the ghosts at and below `path`: detaches the numbers that went
  // with them (not a split one, whose path belongs to a new file).
  void EraseGhosts(const std::string& path);
  // A path (a directory: with what lies below) the echo could not create,
  // delete or move: shown as it is now.
  void EchoFailed(const std::string& path);
  // `path` as the kernel names it (encoded components); nullopt if not shown.
  std::optional<std::string> VisiblePath(const std::string& path) const;  // "d/": named "d"
  std::shared_ptr<Buffer> FindBuffer(Ino ino);
  // The buffer of `n`, made from the mirror's value if absent, locked.
  std::shared_ptr<Buffer> LockedBufferOf(const Node& n, std::unique_lock<std::mutex>* lock);
  void DropBuffer(Ino ino, const std::shared_ptr<Buffer>& b, const std::string& path);
  int NodeAt(const std::string& path, Node* out);
  // The file at `path` given its key as the mirror holds it (absent: only a
  // file created here and not yet committed exists).
  // The key is read from the mirror after the buffer; `ghost` stands in for
  // a key the mirror no longer holds (a delete the echo has yet to replay).
  int FileNode(const std::string& path, Node* out, const Ghost* ghost = nullptr);
  int ResolveChild(Ino parent, const char* name, bool for_create, std::string* path, bool* self_value);
  bool DirectoryExists(const std::string& dir_path) const;
  bool HasPendingUnder(const std::string& dir_path) const;
  void NoteNameTooLong(const std::string& key);
  size_t ValueLimit(const std::string& key) const;
  // Runs `txn`, keeping the kernel's caches of `keys` as this mount left
  // them (the kernel made the change itself); waits until applied here.
  Result<store::TxnResponse> CommitTxn(fuse_req_t req, const store::TxnRequest& txn,
                                       const std::vector<std::string>& keys);
  CallOptions CallFor(fuse_req_t req) const;

  KvBackend* const backend_;
  const MountOptions options_;
  FsStats stats_;
  Mirror mirror_;
  const int64_t mount_time_ns_;  // the time shown for directories without a marker
  InodeTable inodes_;
  Invalidator invalidator_;
  std::unique_ptr<Echo> echo_;  // with -o notify=on
  // Never call into the mirror while holding echo_mu_ (the mirror's
  // observer takes echo_mu_ under the mirror's lock).
  mutable std::mutex echo_mu_;
  std::set<std::string> echo_hidden_;  // guarded by echo_mu_
  std::map<std::string, Ghost> echo_ghosts_;  // by path; guarded by echo_mu_
  EchoPlan echo_plan_;     // guarded by echo_mu_
  std::mutex echo_flush_mu_;  // keeps flushes in order
  dev_t mount_dev_ = 0;         // set by Attached

  std::mutex usage_mu_;
  BackendUsage last_usage_;  // guarded by usage_mu_

  // The last failed linearizable confirmation: one path lookup can ask
  // several times in a row (the kernel revalidates, then looks up again),
  // and each must not wait the whole commit_timeout again.
  std::mutex confirm_mu_;
  std::chrono::steady_clock::time_point confirm_failed_at_;  // guarded by confirm_mu_
  int confirm_errno_ = 0;                                    // guarded by confirm_mu_

  std::mutex watch_mu_;
  std::unique_ptr<KvWatch> watch_;  // guarded by watch_mu_
  bool stopping_ = false;           // guarded by watch_mu_
  bool resync_pending_ = false;     // guarded by watch_mu_
  std::thread resync_thread_;       // guarded by watch_mu_

  mutable std::mutex buffers_mu_;
  std::unordered_map<Ino, std::shared_ptr<Buffer>> buffers_;  // guarded by buffers_mu_
  std::map<std::string, Ino> pending_;      // created here, not committed; guarded by buffers_mu_
  std::set<std::string> long_names_logged_;  // guarded by buffers_mu_

  // Keys this mount is changing right now: their events are the kernel's own
  // doing and need no invalidation (unless someone else wrote them too).
  std::mutex own_mu_;
  std::unordered_map<std::string, int> own_keys_;  // guarded by own_mu_
  std::unordered_map<std::string, std::vector<std::pair<store::Event, Mirror::Change>>>
      own_seen_;  // guarded by own_mu_
  // Revisions this mount's commits made, per key, while some commit of the
  // key is in flight: their events are this mount's own too (another local
  // writer's), not changes made elsewhere.
  std::unordered_map<std::string, std::set<int64_t>> own_revisions_;  // guarded by own_mu_
};

}  // namespace etcfs::fs
