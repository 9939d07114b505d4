// Encodings of the keys of the store's RocksDB column families. Each keeps
// RocksDB's bytewise order meaningful:
//   revs:       BE64(main) BE64(sub)            -> every change, in revision order
//   versions:   Escape(key) BE64(~main)         -> a key's changes, newest first
//   lease_keys: BE64(lease id) key              -> keys attached to a lease
//   leases:     BE64(lease id)
// Escape() maps 0x00 to 0x00 0xFF and ends with 0x00 0x00, so that escaped keys
// sort as the raw keys do and no key's entries run into another's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/key_range.h"

namespace etcfs::store {

// A revision with its sub-revision (the change's position inside its txn).
struct Rev {
  int64_t main = 0;
  int64_t sub = 0;
  auto operator<=>(const Rev&) const = default;
};

std::string RevKey(Rev rev);
Rev DecodeRevKey(std::string_view k);  // REQUIRES: k.size() == 16

void AppendEscapedKey(std::string* dst, std::string_view user_key);
// The versions-CF key of `user_key` at main revision `main`.
std::string VersionKey(std::string_view user_key, int64_t main);
// The first versions-CF key of `user_key` (its newest version sorts first).
std::string VersionKeyPrefix(std::string_view user_key);
// Splits a versions-CF key into the escaped-key prefix and the main revision.
// Returns false for a malformed key.
bool SplitVersionKey(std::string_view k, std::string_view* escaped_prefix, int64_t* main);
// Unescapes the prefix returned by SplitVersionKey.
std::string UnescapeKey(std::string_view escaped_prefix);

std::string LeaseKey(int64_t id);
std::string LeaseKeyEntry(int64_t id, std::string_view user_key);

using ::etcfs::PrefixEnd;  // base/key_range.h

}  // namespace etcfs::store
