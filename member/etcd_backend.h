// A store's state as etcd 3.4 lays out its backend, in a bbolt file
// (bbolt.h): what an etcd snapshot file holds, so that etcd's tools and etcd
// itself read what etcfs saves, and etcfs restores what etcd saved.
//
// etcd's buckets, with etcd's encodings:
//   key          revision (BE64 main, '_', BE64 sub, and 't' for a delete)
//                -> mvccpb.KeyValue (a delete's holds only the key)
//   lease        BE64 id -> leasepb.Lease
//   meta         consistent_index -> BE64; scheduledCompactRev and
//                finishedCompactRev -> a revision, once compacted
//   members      hex id -> the member as JSON; members_removed hex id -> "removed"
//   alarm        an etcdserverpb.AlarmMember -> ""
//   cluster      clusterVersion -> "3.4.0"; auth: authRevision; authUsers,
//                authRoles empty
// and one of etcfs's own, which etcd ignores, so that an etcfs -> etcfs round
// trip loses nothing:
//   etcfs        "app/..." -> the store's other metadata; "attr/" revision
//                -> the record's attributes (store/record_codec.h, value
//                left out); "meta" -> the store's metadata (store/meta.h),
//                of which only what etcd has no word for is read back (etcd
//                keeps this bucket as it is while it writes on).
//
// From etcd's buckets alone (a file etcd wrote), the key space, its history,
// leases, compaction and alarms come across; a key's file attributes are the
// mount's defaults and its modification time unknown (0: a mount shows its
// own start, as for directories). Every member restored from one file gets
// the very same store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace etcfs::member {

// Calls its argument for every record of a store (column family as
// store::Db::all() numbers them, key, value): the store's metadata first,
// then each column family in key order, as a store image lists them.
using StoreRecordFn = std::function<Status(uint8_t column_family, std::string_view key, std::string_view value)>;
using StoreRecords = std::function<Status(const StoreRecordFn&)>;

// Writes the store `records` describes into `fd` (an empty regular file) as
// etcd's backend. Errors: Corruption (an undecodable record), IOError.
Status WriteEtcdBackend(const StoreRecords& records, int fd);

// A store image (store/image.h) of the state in an etcd backend `db` (a
// bbolt file's bytes, without the snapshot's SHA-256). Errors: Corruption,
// saying what is wrong.
Result<std::string> StoreImageOfEtcdBackend(std::string_view db);

// What etcdctl snapshot status says of an etcd backend: a CRC-32C of every
// bucket's name, keys and values in order, the highest revision in the key
// bucket, the number of keys of all buckets, and the database's size.
struct EtcdBackendStatus {
  uint32_t hash = 0;
  int64_t revision = 0;
  int64_t total_keys = 0;
  int64_t total_size = 0;
};
// Errors: Corruption.
Result<EtcdBackendStatus> StatusOfEtcdBackend(std::string_view db);

// Whether `file` begins as a bbolt database does.
bool LooksLikeBbolt(std::string_view file);

}  // namespace etcfs::member
