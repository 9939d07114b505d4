// The store's errors, with etcd's exact messages where clients test for them
// (etcd's clients and etcdctl match on these strings).
#pragma once

#include <string>

#include "base/status.h"

namespace etcfs::store {

inline Status ErrCompacted() {
  return Status::Compacted("etcdserver: mvcc: required revision has been compacted");
}
inline Status ErrFutureRevision() {
  return Status::FutureRevision("etcdserver: mvcc: required revision is a future revision");
}
inline Status ErrKeyNotFound() { return Status::NotFound("etcdserver: key not found"); }
inline Status ErrEmptyKey() { return Status::InvalidArgument("etcdserver: key is not provided"); }
inline Status ErrDuplicateKey() {
  return Status::InvalidArgument("etcdserver: duplicate key given in txn request");
}
inline Status ErrTooManyOps() {
  return Status::InvalidArgument("etcdserver: too many operations in txn request");
}
inline Status ErrLeaseNotFound() {
  return Status::NotFound("etcdserver: requested lease not found");
}
inline Status ErrLeaseExists() { return Status::AlreadyExists("etcdserver: lease already exists"); }
inline Status ErrLeaseTTLTooLarge() {
  return Status::InvalidArgument("etcdserver: too large lease TTL");
}
inline Status ErrNoSpace() { return Status::NoSpace("etcdserver: mvcc: database space exceeded"); }

}  // namespace etcfs::store
