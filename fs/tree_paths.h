// How paths below the mount prefix are spelled (fs/filesystem.h): a file by
// its key ("a/b"), a directory by its prefix ("a/"), the root by "".
#pragma once

#include <string>
#include <string_view>

namespace etcfs::fs {

inline bool IsDirPath(std::string_view path) { return path.empty() || path.back() == '/'; }

// `path` is `at`, or lies below the directory `at`.
inline bool AtOrBelow(std::string_view path, std::string_view at) {
  return IsDirPath(at) ? path.substr(0, at.size()) == at : path == at;
}

// "a/b" -> "a/", "a/b/" -> "a/", "a" -> "".
inline std::string ParentPath(std::string_view p) {
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  const size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(p.substr(0, slash + 1));
}

// "a/b" -> "b", "a/b/" -> "b".
inline std::string LastComponent(std::string_view p) {
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  const size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

}  // namespace etcfs::fs
