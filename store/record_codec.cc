#include "store/record_codec.h"

#include "base/coding.h"

namespace etcfs::store {
namespace {

// Format version byte. 2 added atime, ctime and a device number after the
// mtime; records of format 1 still decode (without them).
constexpr char kRecordFormatV1 = 1;
constexpr char kRecordFormat = 2;
constexpr uint8_t kFlagTombstone = 1;
constexpr uint8_t kFlagExplicitAttrs = 2;

}  // namespace

void EncodeRecord(const Record& r, std::string* dst) {
  const kv::KeyValue& kv = r.kv;
  dst->push_back(kRecordFormat);
  uint8_t flags = (r.tombstone ? kFlagTombstone : 0) |
                  (kv.attr.explicit_attrs ? kFlagExplicitAttrs : 0);
  dst->push_back(static_cast<char>(flags));
  dst->push_back(static_cast<char>(kv.attr.kind));
  PutVarint64(dst, static_cast<uint64_t>(kv.mod_revision));
  PutVarint64(dst, static_cast<uint64_t>(r.sub));
  if (r.tombstone) {
    PutVarintSigned64(dst, kv.ctime_ns);  // when it was deleted
    return;
  }
  PutVarint64(dst, static_cast<uint64_t>(kv.create_revision));
  PutVarint64(dst, static_cast<uint64_t>(kv.version));
  PutVarintSigned64(dst, kv.lease);
  PutVarint64(dst, kv.attr.mode);
  PutVarint64(dst, kv.attr.uid);
  PutVarint64(dst, kv.attr.gid);
  PutVarintSigned64(dst, kv.attr.mtime_ns);
  PutVarintSigned64(dst, kv.attr.atime_ns);
  PutVarintSigned64(dst, kv.ctime_ns);
  PutVarint64(dst, kv.attr.rdev);
  dst->append(kv.value);  // the rest is the value
}

bool DecodeRecord(std::string_view in, std::string_view key, Record* r, bool with_value) {
  if (in.size() < 3 || (in[0] != kRecordFormat && in[0] != kRecordFormatV1)) return false;
  const bool v1 = in[0] == kRecordFormatV1;
  uint8_t flags = static_cast<uint8_t>(in[1]);
  uint8_t kind = static_cast<uint8_t>(in[2]);
  if (kind > static_cast<uint8_t>(v1 ? kv::FileKind::kSymlink : kv::kLastFileKind)) return false;
  in.remove_prefix(3);
  *r = Record{};
  kv::KeyValue& kv = r->kv;
  kv.key.assign(key);
  r->tombstone = flags & kFlagTombstone;
  kv.attr.explicit_attrs = flags & kFlagExplicitAttrs;
  kv.attr.kind = static_cast<kv::FileKind>(kind);
  uint64_t mod, sub;
  if (!GetVarint64(&in, &mod) || !GetVarint64(&in, &sub)) return false;
  kv.mod_revision = static_cast<int64_t>(mod);
  r->sub = static_cast<int64_t>(sub);
  if (r->tombstone) return (v1 || GetVarintSigned64(&in, &kv.ctime_ns)) && in.empty();
  uint64_t create, version, mode, uid, gid;
  if (!GetVarint64(&in, &create) || !GetVarint64(&in, &version) ||
      !GetVarintSigned64(&in, &kv.lease) || !GetVarint64(&in, &mode) ||
      !GetVarint64(&in, &uid) || !GetVarint64(&in, &gid) ||
      !GetVarintSigned64(&in, &kv.attr.mtime_ns)) {
    return false;
  }
  if (!v1 && (!GetVarintSigned64(&in, &kv.attr.atime_ns) || !GetVarintSigned64(&in, &kv.ctime_ns) ||
              !GetVarint64(&in, &kv.attr.rdev))) {
    return false;
  }
  kv.create_revision = static_cast<int64_t>(create);
  kv.version = static_cast<int64_t>(version);
  kv.attr.mode = static_cast<uint32_t>(mode);
  kv.attr.uid = static_cast<uint32_t>(uid);
  kv.attr.gid = static_cast<uint32_t>(gid);
  if (with_value) kv.value.assign(in);
  return true;
}

void EncodeKeyedRecord(const Record& r, std::string* dst) {
  PutLengthPrefixed(dst, r.kv.key);
  EncodeRecord(r, dst);
}

bool DecodeKeyedRecord(std::string_view in, Record* r) {
  std::string_view key;
  if (!GetLengthPrefixed(&in, &key)) return false;
  return DecodeRecord(in, key, r);
}

std::string EncodeVersionValue(int64_t sub, bool tombstone) {
  std::string v;
  v.push_back(tombstone ? 1 : 0);
  PutVarint64(&v, static_cast<uint64_t>(sub));
  return v;
}

bool DecodeVersionValue(std::string_view in, int64_t* sub, bool* tombstone) {
  if (in.empty() || static_cast<uint8_t>(in[0]) > 1) return false;
  *tombstone = in[0] == 1;
  in.remove_prefix(1);
  uint64_t s;
  if (!GetVarint64(&in, &s) || !in.empty()) return false;
  *sub = static_cast<int64_t>(s);
  return true;
}

std::string EncodeLease(const kv::LeaseInfo& lease) {
  std::string v;
  PutVarintSigned64(&v, lease.ttl);
  PutVarintSigned64(&v, lease.remaining_ttl);
  return v;
}

bool DecodeLease(std::string_view in, int64_t id, kv::LeaseInfo* lease) {
  lease->id = id;
  return GetVarintSigned64(&in, &lease->ttl) && GetVarintSigned64(&in, &lease->remaining_ttl) &&
         in.empty();
}

}  // namespace etcfs::store
