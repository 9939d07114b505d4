// etcd's v3 data model as plain values: keys with their revisions, the
// requests and responses of ranges, puts, deletes and transactions, events,
// leases and alarms. They follow etcd's messages (etcdserverpb, mvccpb) field
// for field, so that kv/api_convert.h maps them one to one. Every layer that
// handles keys speaks them: the store applies them, the filesystem reads
// and writes through them, the server and the clients convert them.
//
// Each value carries an attribute record (FileAttr) that no etcd client
// sees: the filesystem's (etcfs(5)); the store keeps it with each version
// and stamps its time with the writing entry's, and reads nothing else in it.
// Plain values; no threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace etcfs::kv {

// What a key is to the filesystem (etcfs(5)): a key ending in '/' is a
// directory marker, whatever its record says.
// Named pipes, sockets and devices are keys with empty values: the kernel
// serves them, the key only names them.
enum class FileKind : uint8_t {
  kFile = 0,
  kDirectory = 1,
  kSymlink = 2,
  kFifo = 3,
  kSocket = 4,
  kCharDevice = 5,
  kBlockDevice = 6,
};
inline constexpr FileKind kLastFileKind = FileKind::kBlockDevice;

// An atime_ns in a request that asks for the entry's time (touch).
inline constexpr int64_t kAtimeOfEntry = INT64_MIN;

// File attributes stored and versioned with each value. Invisible to etcd API
// clients. `explicit_attrs` is false for keys written through the etcd API
// without attributes: the filesystem then shows its mount defaults instead of
// mode/uid/gid/kind (mtime is always meaningful).
struct FileAttr {
  bool explicit_attrs = false;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime_ns = 0;  // 0 in a request: stamp with the entry's time
  // Last access as set explicitly (utimensat, touch -a); reads never change
  // it. 0: never set, shown as the modification time.
  int64_t atime_ns = 0;
  uint64_t rdev = 0;  // a device's number
  FileKind kind = FileKind::kFile;
  bool operator==(const FileAttr&) const = default;
};

// mvccpb.KeyValue plus attributes.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
  FileAttr attr;
  // When this version was written (the entry's time, as mtime without an
  // explicit one): a file's ctime. 0 where unknown (written before it was kept).
  int64_t ctime_ns = 0;
  bool operator==(const KeyValue&) const = default;
};

enum class SortOrder { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget { kKey = 0, kVersion = 1, kCreate = 2, kMod = 3, kValue = 4 };

// etcdserverpb.RangeRequest. range_end: empty = the key alone; "\0" = every
// key >= key; otherwise [key, range_end).
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0 = no limit
  int64_t revision = 0;  // <= 0 = the current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;  // 0 = no bound (likewise below)
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  std::vector<KeyValue> kvs;
  bool more = false;   // more keys matched than `limit` let through
  int64_t count = 0;   // keys in the range at that revision, before limit and filters
  int64_t revision = 0;  // the store's current revision (header revision)
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value (the key must exist)
  bool ignore_lease = false;  // keep the current lease (the key must exist)
  // Absent: keep the key's previous attributes (a new key gets defaults).
  std::optional<FileAttr> attr;
};

struct PutResponse {
  std::optional<KeyValue> prev_kv;
  int64_t revision = 0;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;
  int64_t revision = 0;
};

// etcdserverpb.Compare. With range_end, every key in the range must satisfy
// it; a VALUE compare on no key at all fails, other targets compare against
// zero values.
struct Compare {
  enum class Result { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
  enum class Target { kVersion = 0, kCreate = 1, kMod = 2, kValue = 3, kLease = 4 };
  Result result = Result::kEqual;
  Target target = Target::kVersion;
  std::string key;
  std::string range_end;
  int64_t number = 0;  // version, create/mod revision or lease, by target
  std::string value;   // for Target::kValue
};

struct TxnRequest;
struct TxnResponse;

// One operation of a transaction branch. A nested transaction is held by
// shared_ptr so that requests stay copyable values; it is never mutated.
using RequestOp =
    std::variant<RangeRequest, PutRequest, DeleteRangeRequest, std::shared_ptr<const TxnRequest>>;
using ResponseOp = std::variant<RangeResponse, PutResponse, DeleteRangeResponse,
                                std::shared_ptr<const TxnResponse>>;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  bool succeeded = false;
  std::vector<ResponseOp> responses;
  int64_t revision = 0;
};

struct LeaseGrantRequest {
  int64_t ttl = 0;  // seconds
  int64_t id = 0;   // 0 = let the store choose
};

struct LeaseGrantResponse {
  int64_t id = 0;
  int64_t ttl = 0;
};

struct LeaseRevokeResponse {
  int64_t revision = 0;
};

// The store's durable view of a lease. Expiry is decided by the server's
// clock; the store keeps the granted TTL and the last checkpointed remainder.
struct LeaseInfo {
  int64_t id = 0;
  int64_t ttl = 0;            // granted, seconds
  int64_t remaining_ttl = 0;  // last checkpoint, seconds; 0 = never checkpointed
  bool operator==(const LeaseInfo&) const = default;
};

struct LeaseTimeToLiveResponse {
  LeaseInfo lease;
  std::vector<std::string> keys;  // attached keys, sorted (when asked for)
};

enum class AlarmType { kNone = 0, kNoSpace = 1, kCorrupt = 2 };

struct AlarmMember {
  uint64_t member_id = 0;
  AlarmType alarm = AlarmType::kNone;
  bool operator==(const AlarmMember&) const = default;
};

// mvccpb.Event. Events of one revision keep the order of their sub-revisions.
struct Event {
  enum class Type { kPut = 0, kDelete = 1 };
  Type type = Type::kPut;
  KeyValue kv;  // for a delete: key and mod_revision only
  std::optional<KeyValue> prev_kv;
  bool operator==(const Event&) const = default;
};

// Per-entry context the server passes with each write.
struct ApplyContext {
  int64_t time_ns = 0;  // the leader's timestamp in the Raft entry; stamps mtime
};

}  // namespace etcfs::kv
