// Companion keys in transactions: a txn from the filesystem becomes one that
// also writes the attributes of the keys it puts and deletes the companions
// of the keys it deletes (attr_keys.h), and its response is given back
// without the companions' answers. Pure functions.
#pragma once

#include <cstdint>

#include "mount-tools/attr_keys.h"
#include "kv/types.h"

namespace etcfs::mount_tools {

// `txn` with a companion operation right after each put that carries
// attributes (mtime 0 is stamped with now_ns) and each delete under the prefix.
kv::TxnRequest WithCompanions(const kv::TxnRequest& txn, const AttrKeys& keys, int64_t now_ns);

// The answer to WithCompanions(txn) as the answer to `txn`.
kv::TxnResponse WithoutCompanions(kv::TxnResponse resp, const kv::TxnRequest& txn, const AttrKeys& keys);

// How many operations WithCompanions(txn) sends per operation of `txn`, at most.
inline constexpr int kCompanionOpsFactor = 2;

}  // namespace etcfs::mount_tools
