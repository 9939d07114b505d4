#include "store/key_codec.h"

#include "base/coding.h"

namespace etcfs::store {

std::string RevKey(Rev rev) {
  std::string k;
  k.reserve(16);
  PutFixed64BE(&k, static_cast<uint64_t>(rev.main));
  PutFixed64BE(&k, static_cast<uint64_t>(rev.sub));
  return k;
}

Rev DecodeRevKey(std::string_view k) {
  return Rev{static_cast<int64_t>(DecodeFixed64BE(k.data())),
             static_cast<int64_t>(DecodeFixed64BE(k.data() + 8))};
}

void AppendEscapedKey(std::string* dst, std::string_view user_key) {
  for (char c : user_key) {
    dst->push_back(c);
    if (c == '\0') dst->push_back('\xff');
  }
  dst->push_back('\0');
  dst->push_back('\0');
}

std::string VersionKey(std::string_view user_key, int64_t main) {
  std::string k;
  k.reserve(user_key.size() + 10);
  AppendEscapedKey(&k, user_key);
  PutFixed64BE(&k, ~static_cast<uint64_t>(main));
  return k;
}

std::string VersionKeyPrefix(std::string_view user_key) {
  std::string k;
  AppendEscapedKey(&k, user_key);
  return k;
}

bool SplitVersionKey(std::string_view k, std::string_view* escaped_prefix, int64_t* main) {
  if (k.size() < 10) return false;
  *escaped_prefix = k.substr(0, k.size() - 8);
  *main = static_cast<int64_t>(~DecodeFixed64BE(k.data() + k.size() - 8));
  return escaped_prefix->substr(escaped_prefix->size() - 2) == std::string_view("\0\0", 2);
}

std::string UnescapeKey(std::string_view escaped_prefix) {
  std::string out;
  out.reserve(escaped_prefix.size());
  // The last two bytes are the terminator.
  for (size_t i = 0; i + 2 < escaped_prefix.size(); ++i) {
    out.push_back(escaped_prefix[i]);
    if (escaped_prefix[i] == '\0') ++i;  // skip the 0xFF escape byte
  }
  return out;
}

std::string LeaseKey(int64_t id) {
  std::string k;
  PutFixed64BE(&k, static_cast<uint64_t>(id));
  return k;
}

std::string LeaseKeyEntry(int64_t id, std::string_view user_key) {
  std::string k = LeaseKey(id);
  k.append(user_key);
  return k;
}

}  // namespace etcfs::store
