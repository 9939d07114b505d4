#include "mount-tools/attr_keys.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>

namespace etcfs::mount_tools {

namespace {

constexpr std::string_view kMarker("\0etcfs.attr/", 12);
constexpr std::string_view kVersion = "etcfs.attr/v1";

const char* KindName(kv::FileKind k) {
  switch (k) {
    case kv::FileKind::kDirectory: return "dir";
    case kv::FileKind::kSymlink: return "symlink";
    case kv::FileKind::kFifo: return "fifo";
    case kv::FileKind::kSocket: return "socket";
    case kv::FileKind::kCharDevice: return "chardev";
    case kv::FileKind::kBlockDevice: return "blockdev";
    case kv::FileKind::kFile: break;
  }
  return "file";
}

template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits off the next space-separated field of `rest`.
std::string_view NextField(std::string_view* rest) {
  const size_t sp = rest->find(' ');
  std::string_view f = rest->substr(0, sp);
  rest->remove_prefix(sp == std::string_view::npos ? rest->size() : sp + 1);
  return f;
}

}  // namespace

AttrKeys::AttrKeys(std::string prefix) : prefix_(std::move(prefix)), attr_prefix_(prefix_ + std::string(kMarker)) {}

bool AttrKeys::IsAttrKey(std::string_view key) const { return key.starts_with(attr_prefix_); }

bool AttrKeys::Covers(std::string_view key) const { return key.starts_with(prefix_) && !IsAttrKey(key); }

std::string AttrKeys::AttrKeyOf(std::string_view key) const {
  return attr_prefix_ + std::string(key.substr(prefix_.size()));
}

std::string AttrKeys::KeyOf(std::string_view attr_key) const {
  return prefix_ + std::string(attr_key.substr(attr_prefix_.size()));
}

kv::FileAttr AttrFor(const kv::KeyValue& kv, const Companion* c, int64_t seen_ns) {
  kv::FileAttr a;
  if (c != nullptr && c->mod_revision >= kv.create_revision) {
    a = c->attr;
    if (kv.mod_revision > c->mod_revision) a.mtime_ns = seen_ns;
  } else {
    a.mtime_ns = seen_ns;
  }
  if (!kv.key.empty() && kv.key.back() == '/') a.kind = kv::FileKind::kDirectory;
  return a;
}

std::map<std::string, Companion> TakeCompanions(const AttrKeys& keys, std::vector<kv::KeyValue>* kvs) {
  std::map<std::string, Companion> companions;
  std::erase_if(*kvs, [&](const kv::KeyValue& kv) {
    if (!keys.IsAttrKey(kv.key)) return false;
    if (auto attr = DecodeAttr(kv.value)) companions[keys.KeyOf(kv.key)] = {*attr, kv.mod_revision};
    return true;
  });
  return companions;
}

std::string EncodeAttr(const kv::FileAttr& a) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %s %04o %u:%u %" PRId64 " %" PRId64 " %" PRIu64, kVersion.data(),
                KindName(a.kind), a.mode & 07777, a.uid, a.gid, a.mtime_ns, a.atime_ns, a.rdev);
  return buf;
}

std::optional<kv::FileAttr> DecodeAttr(std::string_view text) {
  std::string_view rest = text;
  if (NextField(&rest) != kVersion) return std::nullopt;
  kv::FileAttr a;
  a.explicit_attrs = true;
  const std::string_view kind = NextField(&rest);
  if (kind == "file") {
    a.kind = kv::FileKind::kFile;
  } else if (kind == "dir") {
    a.kind = kv::FileKind::kDirectory;
  } else {
    bool known = false;
    for (auto k : {kv::FileKind::kSymlink, kv::FileKind::kFifo, kv::FileKind::kSocket, kv::FileKind::kCharDevice,
                   kv::FileKind::kBlockDevice}) {
      if (kind == KindName(k)) {
        a.kind = k;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  if (!ParseNumber(NextField(&rest), &a.mode, 8) || a.mode > 07777) return std::nullopt;
  const std::string_view owner = NextField(&rest);
  const size_t colon = owner.find(':');
  if (colon == std::string_view::npos || !ParseNumber(owner.substr(0, colon), &a.uid) ||
      !ParseNumber(owner.substr(colon + 1), &a.gid)) {
    return std::nullopt;
  }
  if (!ParseNumber(NextField(&rest), &a.mtime_ns)) return std::nullopt;
  // atime and rdev came later: absent in what older mounts wrote.
  if (!rest.empty() && !ParseNumber(NextField(&rest), &a.atime_ns)) return std::nullopt;
  if (!rest.empty() && !ParseNumber(NextField(&rest), &a.rdev)) return std::nullopt;
  // Fields a later version appends are ignored.
  return a;
}

}  // namespace etcfs::mount_tools
