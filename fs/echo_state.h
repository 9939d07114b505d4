// EchoState: what the echo (fs/echo.h) has yet to show of the changes made
// elsewhere. Between a change and its echo a path is in one of two states:
// - hidden: created elsewhere, not yet shown, so that the echo's create
//   raises IN_CREATE. Someone else who looks it up first is shown it at
//   once (reads come before events).
// - ghost: deleted or renamed elsewhere, found by the echo alone, so that
//   its unlink, rmdir or rename has something to act on. When a new file
//   takes a ghost's path before the echo got there, the ghost keeps the old
//   file's number apart (Split), so that the new file never shares the
//   kernel inode of the one that went.
// EchoPlan (fs/echo_plan.h) turns the changes into the echo's operations.
//
// Threads: thread-safe. Lock order: the mirror's lock (Note is called as the
// mirror's observer), then mu_, then the InodeTable's. Never call into the
// mirror while holding mu_.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fs/echo_plan.h"
#include "fs/inode_table.h"
#include "fs/mirror.h"
#include "fs/node.h"

namespace etcfs::fs {

class EchoState {
 public:
  struct Ghost {
    std::optional<kv::KeyValue> kv;  // none for a directory without a marker
    // The number of the file that went, once a new file took its path
    // (Split); 0 while the path still carries it.
    Ino ino = 0;
  };

  // `prefix`: the mount's; `hide_creates`: paths created elsewhere stay
  // hidden until their echo (a serializable mount; a linearizable one
  // shows them at once).
  EchoState(std::string prefix, bool hide_creates, InodeTable* inodes);

  // A change made elsewhere was applied to the mirror (its observer).
  void Note(const kv::Event& e, const Mirror::Change& c);
  // The echo's operations for everything noted so far, in order.
  std::vector<EchoPlan::Step> TakeSteps();

  bool IsGhost(const std::string& path) const;
  std::optional<Ghost> GhostAt(const std::string& path) const;
  // The path of the ghost that keeps `ino` apart.
  std::optional<std::string> GhostPathOf(Ino ino) const;
  // A file is about to appear at `path` for someone other than the echo (a
  // create here, or the key written again elsewhere and looked up): a file
  // ghost there keeps the old number apart, for the echo's unlink or rename.
  void Split(const std::string& path);

  bool IsHidden(const std::string& path) const;
  // Someone other than the echo looked `path` up: shown from now on.
  void Unhide(const std::string& path);
  // Leaves out of a listing what is still hidden.
  void DropHidden(std::vector<DirEntry>* entries) const;
  // The echo could not replay `path` (a directory: with what lies below):
  // shown as it is now (UnhideAll), its ghosts forgotten (ForgetGhosts).
  void UnhideAll(const std::string& path);
  // Forgets the ghosts at and below `path`, and the numbers that went with them.
  void ForgetGhosts(const std::string& path);

  // The echo's own operations. Reveal shows a hidden path (create, mkdir,
  // symlink): 0, or EEXIST when it is not hidden. Retire ends a ghost
  // (unlink, rmdir): 0, or ENOENT. Move replays a rename of a ghost (a
  // directory's when `from` + "/" is one) onto `to`, carrying the numbers
  // as the kernel carried its inodes: 0, or ENOENT.
  int Reveal(const std::string& path);
  int Retire(const std::string& path);
  int Move(const std::string& from, const std::string& to);

 private:
  const std::string prefix_;
  const bool hide_creates_;
  InodeTable* const inodes_;

  mutable std::mutex mu_;
  std::set<std::string> hidden_;        // guarded by mu_
  std::map<std::string, Ghost> ghosts_;  // by path; guarded by mu_
  EchoPlan plan_;                        // guarded by mu_
};

}  // namespace etcfs::fs
