// InodeTable: the inode numbers of a mount, and the kernel's references to
// them. A node of the tree is named by its path below the mount prefix: a
// file by its key ("a/b"), a directory by its prefix ("a/"), the root by "".
//
// A path keeps its number while the kernel holds it (the lookup count that
// entry replies raise and FORGET lowers, as libfuse's passthrough_ll counts
// them); once the count falls to zero the number is forgotten, and the path
// gets a new one when it is next resolved, so the table shrinks as the
// kernel's cache does. Numbers are never reused. A rename carries a number
// (and those below a directory) to the new path, as on a local filesystem. A
// deleted path loses its number, so that a descriptor still open on the
// deleted file never writes to a new file of the same name: requests for a
// number without a path answer ESTALE.
//
// Threads: thread-safe (one mutex; the innermost lock of the filesystem).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace etcfs::fs {

using Ino = uint64_t;
inline constexpr Ino kRootIno = 1;

class InodeTable {
 public:
  InodeTable();

  // The number of `path`, assigned on first use.
  Ino Assign(const std::string& path);
  // The number of `path`, or 0 when it has none.
  Ino Find(std::string_view path) const;
  // The path of `ino`, or nullopt for a number without one (never handed
  // out, forgotten, or its path gone).
  std::optional<std::string> Path(Ino ino) const;
  // Moves `from` (and, for a directory, every path below it) to `to`; a
  // number that `to` had loses its path.
  void Rename(const std::string& from, const std::string& to);
  // Forgets `path` (a deleted file or directory): a new file there gets a
  // new number, and requests for the old one fail with ESTALE.
  void Detach(std::string_view path);
  // Detach, answering the number `path` had (0: none), for a holder that
  // keeps it apart from any path until it Binds it again or Retires it.
  Ino Release(std::string_view path);
  // Gives `path` the number `ino` (from Release), dropping the one it had.
  void Bind(const std::string& path, Ino ino);
  // The holder of a Released number gave it up: forgotten unless the kernel
  // still holds it.
  void Retire(Ino ino);
  // Keeps `ino`, which `path` carried until another number was brought onto
  // it (the echo replaying a rename made elsewhere), standing for `path`:
  // the kernel opened it when the key already held the renamed value, and
  // reads through it go on. Forgotten when `path` goes (Detach, Release, a
  // Rename away from it).
  void Alias(Ino ino, const std::string& path);

  // The kernel took one reference to `ino` (an entry in a reply to lookup,
  // create, mkdir, mknod, symlink or readdirplus), which the request
  // resolved from `path`. `held_apart`: a Released number (an echo ghost's),
  // counted as it is. Returns the number referenced: `ino`, or the number
  // `path` carries now if a FORGET dropped `ino` after it was resolved.
  Ino Ref(Ino ino, const std::string& path, bool held_apart = false);
  // The kernel dropped `n` references (FORGET). At zero the number is
  // forgotten; the root's never is.
  void Forget(Ino ino, uint64_t n);
  uint64_t lookups(Ino ino) const;

  // Every path that has a number, for invalidating them all.
  std::vector<std::string> Paths() const;
  // The numbers known (with a path, an alias, or held by the kernel or a holder).
  size_t size() const;

 private:
  enum class State { kNamed, kAlias, kApart };
  struct Inode {
    std::string path;  // kNamed, kAlias: the path it stands for
    State state = State::kNamed;
    uint64_t lookups = 0;
  };

  // `ino` lost its path: kept apart while the kernel holds it, else forgotten.
  // REQUIRES: mu_ held.
  void Unname(Ino ino, bool keep);
  // Forgets the aliases of `path` (and, for a directory, of those below).
  // REQUIRES: mu_ held.
  void DropAliases(std::string_view path);

  mutable std::mutex mu_;
  std::map<std::string, Ino, std::less<>> by_path_;  // guarded by mu_; kNamed only
  std::unordered_map<Ino, Inode> inodes_;            // guarded by mu_
  Ino next_ = kRootIno + 1;                          // guarded by mu_
};

}  // namespace etcfs::fs
