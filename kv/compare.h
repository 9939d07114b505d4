// etcd's compare semantics (a Txn's conditions) on plain values: the one
// place that says when a key satisfies a Compare, for the store and for
// anything that evaluates transactions without it (tests' backends).
#pragma once

#include "kv/types.h"

namespace etcfs::kv {

// Whether `kv` satisfies `cmp` (its target against the number or value).
bool Satisfies(const Compare& cmp, const KeyValue& kv);
// Whether `cmp` holds over an interval in which no key exists: a value
// compare never does (a missing value cannot be told from an empty one);
// other targets compare zeros.
bool HoldsWithoutKeys(const Compare& cmp);

}  // namespace etcfs::kv
