// AttrKeys: where a remote mount keeps file attributes in a plain etcd.
//
// etcd stores values only. The remote backend keeps the mode, owner, mtime
// and kind of each key written through a mount in a companion key, changed in
// the same transaction as the key itself:
//
//   PREFIX "\0etcfs.attr/" REST   holds the attributes of   PREFIX REST
//
// Companion keys sort inside the mounted prefix, so one range and one watch
// of the prefix see keys and attributes together, at one revision; the
// filesystem never sees them. A companion is valid only from its key's
// creation on (its mod_revision >= the key's create_revision), so one left
// behind by an API delete does not dress a later key of the same name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kv/types.h"

namespace etcfs::mount_tools {

class AttrKeys {
 public:
  explicit AttrKeys(std::string prefix);

  // The prefix every companion key starts with.
  const std::string& attr_prefix() const { return attr_prefix_; }
  bool IsAttrKey(std::string_view key) const;
  // Whether `key` can have a companion (it is under the mounted prefix).
  bool Covers(std::string_view key) const;
  // The companion of a key under the prefix (Covers(key)).
  std::string AttrKeyOf(std::string_view key) const;
  // The key a companion describes (IsAttrKey(attr_key)).
  std::string KeyOf(std::string_view attr_key) const;

 private:
  std::string prefix_;
  std::string attr_prefix_;
};

// A companion key as last seen: the attributes and the revision they were written at.
struct Companion {
  kv::FileAttr attr;
  int64_t mod_revision = 0;
};

// The attributes the filesystem sees for `kv`: its companion's when that was
// written since the key was created, otherwise defaults (explicit_attrs
// false; a key ending in '/' is a directory). A value changed without its
// companion (an API write) shows `seen_ns`, when the mount saw it, as mtime.
kv::FileAttr AttrFor(const kv::KeyValue& kv, const Companion* companion, int64_t seen_ns);

// Moves the companion keys out of `kvs` (a range's result) and returns them
// by the key they describe; companions that do not decode are dropped.
std::map<std::string, Companion> TakeCompanions(const AttrKeys& keys, std::vector<kv::KeyValue>* kvs);

// "etcfs.attr/v1 KIND MODE UID:GID MTIME_NS", e.g. "etcfs.attr/v1 file 0644 0:0 1700000000000000000";
// readable with etcdctl, and versioned so that later fields can be added.
std::string EncodeAttr(const kv::FileAttr& attr);
// nullopt for anything EncodeAttr does not produce (the key keeps defaults).
std::optional<kv::FileAttr> DecodeAttr(std::string_view text);

}  // namespace etcfs::mount_tools
