// InodeTable: the inode numbers of a mount. A node of the tree is named by
// its path below the mount prefix: a file by its key ("a/b"), a directory by
// its prefix ("a/", the root is ""). A path keeps its number for the life of
// the mount, also after the kernel forgets it, and a rename carries the
// number (and those below a directory) to the new path, as on a local
// filesystem. A deleted path loses its number, so that a descriptor still
// open on the deleted file never writes to a new file of the same name.
//
// Threads: thread-safe.
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
  // The number of `path`, or 0 when none was assigned.
  Ino Find(std::string_view path) const;
  // The path of `ino`, or nullopt for a number never handed out (or one
  // whose path went away).
  std::optional<std::string> Path(Ino ino) const;
  // Moves `from` (and, for a directory, every path below it) to `to`; a
  // number that `to` had is dropped.
  void Rename(const std::string& from, const std::string& to);
  // Forgets `path` (a deleted file or directory): a new file there gets a
  // new number, and requests for the old one fail with ESTALE.
  void Detach(std::string_view path);
  // Detach, answering the number `path` had (0: none), for a holder that
  // keeps it apart from any path until it Binds it again.
  Ino Release(std::string_view path);
  // Gives `path` the number `ino` (from Release), dropping the one it had.
  void Bind(const std::string& path, Ino ino);
  // Keeps `ino`, which `path` carried until another number was brought onto
  // it (the echo replaying a rename made elsewhere), standing for `path`:
  // the kernel opened it when the key already held the renamed value, and
  // reads through it go on. Forgotten when `path` goes (Detach, Release, a
  // Rename away from it).
  void Alias(Ino ino, const std::string& path);
  // Every path that has a number, for invalidating them all.
  std::vector<std::string> Paths() const;
  size_t size() const;

 private:
  // Forgets the aliases of `path` (and, for a directory, of those below).
  void DropAliasesLocked(std::string_view path);

  mutable std::mutex mu_;
  std::map<std::string, Ino, std::less<>> by_path_;   // guarded by mu_
  std::unordered_map<Ino, std::string> by_ino_;       // guarded by mu_
  std::unordered_map<Ino, std::string> aliases_;      // guarded by mu_; few, short-lived
  Ino next_ = kRootIno + 1;                           // guarded by mu_
};

}  // namespace etcfs::fs
