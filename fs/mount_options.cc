#include "fs/mount_options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "base/duration.h"

namespace etcfs::fs {

namespace {

template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

// A duration ("5s", "500ms", "1m30s"), or a bare number of seconds ("5").
bool ParseTimeout(std::string_view s, std::chrono::milliseconds* out) {
  const std::string text(s);
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) {
    if (!(seconds > 0) || !std::isfinite(seconds)) return false;
    *out = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
    return true;
  }
  auto d = ParseDuration(s);
  if (!d.ok() || d->count() <= 0) return false;
  *out = *d;
  return true;
}

}  // namespace

Status MountOptions::Parse(std::string_view list) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view opt = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (opt.empty()) continue;
    const size_t eq = opt.find('=');
    const std::string_view name = opt.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
    auto bad = [&](std::string_view what) {
      return Status::InvalidArgument("mount option " + std::string(opt) + ": " + std::string(what));
    };
    if (name == "prefix") {
      if (value.empty() || value.back() != '/') return bad("the prefix must end with '/' (for example prefix=/app/)");
      prefix = std::string(value);
    } else if (name == "consistency") {
      if (value == "serializable" || value == "s") {
        consistency = Consistency::kSerializable;
      } else if (value == "linearizable" || value == "l") {
        consistency = Consistency::kLinearizable;
      } else {
        return bad("expected serializable or linearizable");
      }
    } else if (name == "uid") {
      if (!ParseNumber(value, &uid)) return bad("expected a numeric user id");
      uid_given = true;
    } else if (name == "gid") {
      if (!ParseNumber(value, &gid)) return bad("expected a numeric group id");
      gid_given = true;
    } else if (name == "mode") {
      unsigned m = 0;
      if (!ParseNumber(value, &m, 8) || m > 07777) return bad("expected octal permission bits, such as 0644");
      mode = m;
    } else if (name == "commit_timeout") {
      if (!ParseTimeout(value, &commit_timeout)) return bad("expected a duration such as 5s or 500ms");
    } else if (name == "ro" && value.empty()) {
      read_only = true;
    } else if (name == "rw" && value.empty()) {
      read_only = false;
    } else if (name == "allow_other" && value.empty()) {
      allow_other = true;
    } else if (name == "noallow_other" && value.empty()) {
      allow_other = false;
    } else if (name == "notify") {
      if (value != "on" && value != "off") return bad("expected notify=on or notify=off");
      notify = value == "on";
    } else if (name == "xattr") {
      if (value != "on" && value != "off") return bad("expected xattr=on or xattr=off");
      xattrs = value == "on";
    } else {
      return bad("unknown option (see etcfs(5) for the list)");
    }
  }
  return Status::Ok();
}

std::string MountOptionList() {
  std::string out;
  for (const char* name : kMountOptionNames) out += std::string(out.empty() ? "" : ", ") + name;
  return out;
}

mode_t MountOptions::DirMode() const {
  mode_t m = mode & 07777;
  if (m & 0400) m |= 0100;
  if (m & 0040) m |= 0010;
  if (m & 0004) m |= 0001;
  return m;
}

}  // namespace etcfs::fs
