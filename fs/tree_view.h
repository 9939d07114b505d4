// TreeView: the tree as one request sees it. It resolves numbers and names
// to nodes from the mirror (committed keys), the inode numbers, the write
// buffers (files being written or created here) and the echo's states
// (paths hidden until their echo, ghosts only the echo finds), and says what
// a node shows: its attributes, its stat, a directory's listing.
//
// The rules of names (etcfs(5)): a directory exists while a key lies under
// its prefix; "a%" is the value of the key "a" while "a" is also a
// directory; a component longer than NAME_MAX is not shown.
//
// Threads: thread-safe. It has one lock of its own (the log of names too
// long, innermost); every part it reads guards itself.
#pragma once

#include <sys/stat.h>

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "fs/caller.h"
#include "fs/echo_state.h"
#include "fs/inode_table.h"
#include "fs/mirror.h"
#include "fs/mount_options.h"
#include "fs/node.h"
#include "fs/orphans.h"
#include "fs/write_buffers.h"

namespace etcfs::fs {

class TreeView {
 public:
  // `echo`: null without -o notify (no hidden paths, no ghosts).
  TreeView(const MountOptions& options, const Mirror* mirror, InodeTable* inodes, const WriteBuffers* buffers,
           Orphans* orphans, EchoState* echo, int64_t mount_time_ns);

  // --- by number (each returns 0 or an errno) ---
  // The node `ino` stands for: its path's, or the ghost's that keeps it
  // apart; a path deleted elsewhere that the echo has yet to retire is its
  // ghost. ESTALE: a number without a path (deleted, forgotten).
  int Get(Ino ino, Node* out);
  // The node a new open of `ino` opens. A number that no longer carries its
  // name (the key deleted or replaced elsewhere, the number kept for open
  // descriptors or the echo) is ESTALE: the kernel then looks the name up
  // again (LOOKUP_REVAL), so that a name it still caches never opens what
  // another member deleted.
  int ToOpen(Ino ino, Node* out);
  // The node a descriptor of `ino` reads, opened on the key's incarnation
  // `create_revision` (0: unknown). The echo may take a number over for the
  // file deleted elsewhere (EchoState::Split) after a descriptor was opened
  // on it for the newer file then at the name: that descriptor goes on
  // reading the newer file, never the deleted one. A descriptor whose file
  // was replaced under its name (renamed over, deleted and created again)
  // gets ESTALE: it never reads the file that replaced it.
  int Opened(Ino ino, int64_t create_revision, Node* out);

  // --- by name ---
  // The path `name` in directory `parent` stands for (not checked to
  // exist). `for_create`: EINVAL rather than ENOENT for names that can
  // never be files. `self_value`: the name is "a%".
  int Resolve(Ino parent, const char* name, bool for_create, std::string* path, bool* self_value);
  // What `name` in `parent` shows to everyone: the directory when there is
  // one, else the file. A ghost's path now written again gives the name a
  // new number here (not in Get: a descriptor opened before keeps its own).
  int Child(Ino parent, const char* name, Node* out);
  // Child, as `c` may see it: a path created elsewhere stays hidden from
  // the echo until it creates it (and is shown to anyone else who looks);
  // one deleted or renamed elsewhere is found by the echo alone.
  int Lookup(const Caller& c, Ino parent, const char* name, Node* out);
  // Whether `name` in `parent` is a ghost's, which the echo has yet to
  // unlink, remove or rename away: its absence must not be cached, or the
  // kernel would answer the echo's own operation from that cache.
  bool AwaitsEcho(Ino parent, const char* name);
  // The node at `path` (a directory's ends in '/'), ghosts not included.
  int At(const std::string& path, Node* out);
  // The node of `path` deleted elsewhere and not yet retired by the echo.
  int GhostAt(const std::string& path, Node* out);
  bool DirectoryExists(const std::string& dir_path) const;
  // The entries of directory `ino`, "." and ".." first; files created here
  // and not committed included, paths hidden for their echo left out.
  int List(Ino ino, DirSnapshot* out);

  // --- what a node shows ---
  // Its attributes: its own when written through a mount, the mount's
  // defaults for keys written through the etcd API.
  kv::FileAttr AttributesOf(const Node& n) const;
  void FillStat(const Node& n, struct stat* st) const;
  // `path` as the kernel names it (encoded components, "a%" for a value
  // that is also a directory); nullopt when it is not shown.
  std::optional<std::string> VisiblePath(const std::string& path) const;
  std::string KeyOf(const Node& n) const { return options_.prefix + n.path; }

  uint64_t names_too_long() const;

 private:
  // The file at `path`, as the mirror (or `ghost`, standing in for a key the
  // mirror no longer holds) and the buffers show it.
  int FileAt(const std::string& path, Node* out, const EchoState::Ghost* ghost = nullptr);

  void NoteNameTooLong(const std::string& key);

  const MountOptions& options_;
  const Mirror* const mirror_;
  InodeTable* const inodes_;
  const WriteBuffers* const buffers_;
  Orphans* const orphans_;
  EchoState* const echo_;
  const int64_t mount_time_ns_;  // the time shown for directories without a marker

  mutable std::mutex long_names_mu_;
  std::set<std::string> long_names_logged_;  // guarded by long_names_mu_
  uint64_t names_too_long_ = 0;              // guarded by long_names_mu_
};

}  // namespace etcfs::fs
