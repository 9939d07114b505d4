#include "member/etcd_backend.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <vector>

#include "base/coding.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/leasepb/lease.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "member/bbolt.h"
#include "member/membership.h"
#include "store/image.h"
#include "store/key_codec.h"
#include "store/meta.h"
#include "store/record_codec.h"

namespace etcfs::member {
namespace {

// Column families, as store::Db::all() numbers them.
constexpr uint8_t kMetaCf = 0, kLiveCf = 1, kRevsCf = 2, kVersionsCf = 3, kLeasesCf = 4, kLeaseKeysCf = 5;
constexpr std::string_view kAttrPrefix = "attr/";
constexpr std::string_view kEtcfsMetaKey = "meta";
constexpr std::string_view kClusterVersion = "3.4.0";

std::string Be64(uint64_t v) {
  std::string s;
  PutFixed64BE(&s, v);
  return s;
}

// etcd's revision key: BE64 main, '_', BE64 sub, and 't' for a delete.
std::string EtcdRevision(int64_t main, int64_t sub, bool tombstone) {
  std::string k = Be64(static_cast<uint64_t>(main)) + "_" + Be64(static_cast<uint64_t>(sub));
  if (tombstone) k += 't';
  return k;
}

bool ParseEtcdRevision(std::string_view k, int64_t* main, int64_t* sub, bool* tombstone) {
  if ((k.size() != 17 && k.size() != 18) || k[8] != '_' || (k.size() == 18 && k[17] != 't')) return false;
  *main = static_cast<int64_t>(DecodeFixed64BE(k.data()));
  *sub = static_cast<int64_t>(DecodeFixed64BE(k.data() + 9));
  *tombstone = k.size() == 18;
  return *main > 0 && *sub >= 0;
}

std::string Hex(uint64_t id) {
  char buf[17];
  snprintf(buf, sizeof(buf), "%lx", static_cast<unsigned long>(id));
  return buf;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// etcd 3.4's membership.Member as JSON, as its "members" bucket holds it.
std::string MemberJson(const etcdserverpb::Member& m) {
  auto list = [](const auto& urls) {
    std::string out = "[";
    for (int i = 0; i < urls.size(); ++i) out += (i ? "," : "") + JsonString(urls[i]);
    return out + "]";
  };
  std::string out = "{\"id\":" + std::to_string(m.id()) + ",\"peerURLs\":" + list(m.peerurls());
  if (!m.name().empty()) out += ",\"name\":" + JsonString(m.name());
  if (m.clienturls_size() > 0) out += ",\"clientURLs\":" + list(m.clienturls());
  if (m.islearner()) out += ",\"isLearner\":true";
  return out + "}";
}

// CRC-32C (Castagnoli, reflected), as Go's hash/crc32 with its Castagnoli table.
class Crc32c {
 public:
  void Update(std::string_view bytes) {
    static const auto table = [] {
      std::array<uint32_t, 256> t{};
      for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[i] = c;
      }
      return t;
    }();
    for (unsigned char b : bytes) crc_ = table[(crc_ ^ b) & 0xff] ^ (crc_ >> 8);
  }
  uint32_t Value() const { return ~crc_; }

 private:
  uint32_t crc_ = ~0u;
};

}  // namespace

Result<EtcdBackendStatus> StatusOfEtcdBackend(std::string_view db) {
  ETCFS_ASSIGN_OR_RETURN(bbolt::Reader reader, bbolt::Reader::Open(db));
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> buckets, reader.Buckets());
  EtcdBackendStatus status;
  Crc32c crc;
  for (const auto& name : buckets) {
    crc.Update(name);
    const bool history = name == "key";
    ETCFS_RETURN_IF_ERROR(reader.ForEach(name, [&](std::string_view k, std::string_view v) -> Status {
      crc.Update(k);
      crc.Update(v);
      int64_t main, sub;
      bool tombstone;
      if (history && ParseEtcdRevision(k, &main, &sub, &tombstone)) status.revision = main;
      ++status.total_keys;
      return Status::Ok();
    }));
  }
  status.hash = crc.Value();
  status.total_size = static_cast<int64_t>(db.size());
  return status;
}

bool LooksLikeBbolt(std::string_view file) {
  return file.size() >= 20 && DecodeFixed32LE(file.data() + 16) == bbolt::kMagic;
}

Status WriteEtcdBackend(const StoreRecords& records, int fd) {
  bbolt::Writer w(fd);
  const int key = w.Open("key");
  const int etcfs = w.Open("etcfs");
  const int lease = w.Open("lease");
  const int meta_bucket = w.Open("meta");
  const int members = w.Open("members");
  const int removed = w.Open("members_removed");
  const int alarm = w.Open("alarm");
  const int cluster = w.Open("cluster");
  const int auth = w.Open("auth");
  w.Open("authUsers");
  w.Open("authRoles");

  store::StoreMeta meta;
  std::map<std::string, std::string> member_entries, removed_entries;
  const std::string members_prefix = std::string(store::kMetaAppPrefix) + std::string(kMemberPrefix);
  const std::string removed_prefix = std::string(store::kMetaAppPrefix) + std::string(kRemovedPrefix);
  std::string value;
  ETCFS_RETURN_IF_ERROR(records([&](uint8_t cf, std::string_view k, std::string_view v) -> Status {
    switch (cf) {
      case kMetaCf:
        if (k == store::kMetaStateKey) {
          if (!store::DecodeMeta(v, &meta)) return Status::Corruption("store metadata does not decode");
        } else if (k.starts_with(store::kMetaAppPrefix)) {
          ETCFS_RETURN_IF_ERROR(w.Put(etcfs, k, v));  // "app/..." sorts before "attr/" and "meta"
          etcdserverpb::Member m;
          if (k.starts_with(members_prefix) && m.ParseFromString(std::string(v))) {
            member_entries[Hex(m.id())] = MemberJson(m);
          } else if (k.starts_with(removed_prefix)) {
            removed_entries[std::string(k.substr(removed_prefix.size()))] = "removed";
          }
        }
        return Status::Ok();
      case kRevsCf: {
        store::Record r;
        if (k.size() != 16 || !store::DecodeKeyedRecord(v, &r)) return Status::Corruption("a history record does not decode");
        const store::Rev rev = store::DecodeRevKey(k);
        const std::string etcd_rev = EtcdRevision(rev.main, rev.sub, r.tombstone);
        mvccpb::KeyValue kv;
        kv.set_key(r.kv.key);
        if (!r.tombstone) {
          kv.set_create_revision(r.kv.create_revision);
          kv.set_mod_revision(r.kv.mod_revision);
          kv.set_version(r.kv.version);
          kv.set_value(r.kv.value);
          kv.set_lease(r.kv.lease);
        }
        ETCFS_RETURN_IF_ERROR(w.Put(key, etcd_rev, kv.SerializeAsString()));
        // The attributes and times etcd has no place for (a delete's time too).
        r.kv.value.clear();
        value.clear();
        store::EncodeRecord(r, &value);
        ETCFS_RETURN_IF_ERROR(w.Put(etcfs, std::string(kAttrPrefix) + etcd_rev, value));
        return Status::Ok();
      }
      case kLeasesCf: {
        kv::LeaseInfo info;
        if (k.size() != 8 || !store::DecodeLease(v, static_cast<int64_t>(DecodeFixed64BE(k.data())), &info)) {
          return Status::Corruption("a lease record does not decode");
        }
        leasepb::Lease l;
        l.set_id(info.id);
        l.set_ttl(info.ttl);
        l.set_remainingttl(info.remaining_ttl);
        return w.Put(lease, k, l.SerializeAsString());  // etcd's key: the id, big-endian, as ours
      }
      default:
        return Status::Ok();  // live keys, versions and lease attachments follow from history
    }
  }));
  ETCFS_RETURN_IF_ERROR(w.Put(etcfs, kEtcfsMetaKey, store::EncodeMeta(meta)));
  ETCFS_RETURN_IF_ERROR(w.Put(meta_bucket, "consistent_index", Be64(meta.applied_index)));
  if (meta.compact_revision > 0) {
    const std::string rev = EtcdRevision(meta.compact_revision, 0, false);
    ETCFS_RETURN_IF_ERROR(w.Put(meta_bucket, "finishedCompactRev", rev));
    ETCFS_RETURN_IF_ERROR(w.Put(meta_bucket, "scheduledCompactRev", rev));
  }
  for (const auto& [id, json] : member_entries) ETCFS_RETURN_IF_ERROR(w.Put(members, id, json));
  for (const auto& [id, mark] : removed_entries) ETCFS_RETURN_IF_ERROR(w.Put(removed, id, mark));
  std::vector<std::string> alarms;
  for (const auto& a : meta.alarms) {
    etcdserverpb::AlarmMember m;
    m.set_memberid(a.member_id);
    m.set_alarm(static_cast<etcdserverpb::AlarmType>(a.alarm));
    alarms.push_back(m.SerializeAsString());
  }
  std::sort(alarms.begin(), alarms.end());
  for (const auto& a : alarms) ETCFS_RETURN_IF_ERROR(w.Put(alarm, a, ""));
  ETCFS_RETURN_IF_ERROR(w.Put(cluster, "clusterVersion", kClusterVersion));
  ETCFS_RETURN_IF_ERROR(w.Put(auth, "authRevision", Be64(1)));
  return w.Finish();
}

Result<std::string> StoreImageOfEtcdBackend(std::string_view db) {
  ETCFS_ASSIGN_OR_RETURN(bbolt::Reader reader, bbolt::Reader::Open(db));
  ETCFS_ASSIGN_OR_RETURN(std::vector<std::string> buckets, reader.Buckets());
  auto has = [&](std::string_view name) { return std::find(buckets.begin(), buckets.end(), name) != buckets.end(); };
  if (!has("key") || !has("meta")) {
    return Status::Corruption("a bbolt database, but not etcd's: it has no key or meta bucket");
  }

  // etcfs's own bucket, when etcfs wrote the file.
  std::optional<store::StoreMeta> etcfs_meta;
  std::vector<std::pair<std::string, std::string>> app;
  std::map<std::string, std::string, std::less<>> attrs;  // etcd revision -> record without value
  if (has("etcfs")) {
    ETCFS_RETURN_IF_ERROR(reader.ForEach("etcfs", [&](std::string_view k, std::string_view v) -> Status {
      if (k == kEtcfsMetaKey) {
        store::StoreMeta m;
        if (!store::DecodeMeta(v, &m)) return Status::Corruption("the etcfs bucket's metadata does not decode");
        etcfs_meta = m;
      } else if (k.starts_with(kAttrPrefix)) {
        attrs.emplace(k.substr(kAttrPrefix.size()), v);
      } else if (k.starts_with(store::kMetaAppPrefix)) {
        app.emplace_back(k, v);
      }
      return Status::Ok();
    }));
  }

  // History, in revision order; the live keys and each key's versions follow.
  std::vector<std::pair<std::string, std::string>> revs, versions;
  std::map<std::string, store::Record> live;
  int64_t max_main = 0;
  std::string encoded;
  ETCFS_RETURN_IF_ERROR(reader.ForEach("key", [&](std::string_view k, std::string_view v) -> Status {
    int64_t main, sub;
    bool tombstone;
    mvccpb::KeyValue kv;
    if (!ParseEtcdRevision(k, &main, &sub, &tombstone) || !kv.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      return Status::Corruption("etcd backend: an undecodable entry in the key bucket");
    }
    store::Record r;
    r.tombstone = tombstone;
    r.sub = sub;
    r.kv.key = kv.key();
    r.kv.mod_revision = main;
    if (!tombstone) {
      r.kv.value = kv.value();
      r.kv.create_revision = kv.create_revision();
      r.kv.version = kv.version();
      r.kv.lease = kv.lease();
    }
    if (auto a = attrs.find(k); a != attrs.end()) {
      store::Record with_attrs;
      if (!store::DecodeRecord(a->second, r.kv.key, &with_attrs) || with_attrs.tombstone != tombstone) {
        return Status::Corruption("etcd backend: undecodable etcfs attributes");
      }
      if (!tombstone) r.kv.attr = with_attrs.kv.attr;
      r.kv.ctime_ns = with_attrs.kv.ctime_ns;
    }
    max_main = std::max(max_main, main);
    encoded.clear();
    store::EncodeKeyedRecord(r, &encoded);
    revs.emplace_back(store::RevKey(store::Rev{main, sub}), encoded);
    versions.emplace_back(store::VersionKey(r.kv.key, main), store::EncodeVersionValue(sub, tombstone));
    if (tombstone) {
      live.erase(r.kv.key);
    } else {
      live[r.kv.key] = std::move(r);
    }
    return Status::Ok();
  }));

  std::vector<std::pair<std::string, std::string>> leases;
  if (has("lease")) {
    ETCFS_RETURN_IF_ERROR(reader.ForEach("lease", [&](std::string_view k, std::string_view v) -> Status {
      leasepb::Lease l;
      if (k.size() != 8 || !l.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
        return Status::Corruption("etcd backend: an undecodable lease");
      }
      leases.emplace_back(k, store::EncodeLease(kv::LeaseInfo{l.id(), l.ttl(), l.remainingttl()}));
      return Status::Ok();
    }));
  }

  // As etcd restores its own: compacted up to the scheduled compaction, the
  // current revision the highest seen (or the compaction's). Derived even
  // when etcfs wrote the file: etcd keeps the etcfs bucket untouched while
  // it writes on, so only what etcd does not know comes from it.
  store::StoreMeta meta;
  if (etcfs_meta) meta.lease_seq = etcfs_meta->lease_seq;
  ETCFS_RETURN_IF_ERROR(reader.ForEach("meta", [&](std::string_view k, std::string_view v) -> Status {
    int64_t main, sub;
    bool tombstone;
    if (k == "scheduledCompactRev" && ParseEtcdRevision(v, &main, &sub, &tombstone)) meta.compact_revision = main;
    return Status::Ok();
  }));
  meta.revision = std::max({int64_t{1}, max_main, meta.compact_revision});
  if (has("alarm")) {
    ETCFS_RETURN_IF_ERROR(reader.ForEach("alarm", [&](std::string_view k, std::string_view) -> Status {
      etcdserverpb::AlarmMember m;
      if (!m.ParseFromArray(k.data(), static_cast<int>(k.size()))) return Status::Corruption("etcd backend: an undecodable alarm");
      meta.alarms.push_back(kv::AlarmMember{m.memberid(), static_cast<kv::AlarmType>(m.alarm())});
      return Status::Ok();
    }));
    std::sort(meta.alarms.begin(), meta.alarms.end(), [](const auto& a, const auto& b) {
      return std::pair(a.member_id, a.alarm) < std::pair(b.member_id, b.alarm);
    });
  }
  meta.key_count = static_cast<int64_t>(live.size());

  std::string image;
  store::ImageWriter out([&image](std::string_view chunk) {
    image.append(chunk);
    return Status::Ok();
  });
  ETCFS_RETURN_IF_ERROR(out.Add(kMetaCf, store::kMetaStateKey, store::EncodeMeta(meta)));
  for (const auto& [k, v] : app) ETCFS_RETURN_IF_ERROR(out.Add(kMetaCf, k, v));
  for (const auto& [k, r] : live) {
    encoded.clear();
    store::EncodeRecord(r, &encoded);
    ETCFS_RETURN_IF_ERROR(out.Add(kLiveCf, k, encoded));
  }
  for (const auto& [k, v] : revs) ETCFS_RETURN_IF_ERROR(out.Add(kRevsCf, k, v));
  std::sort(versions.begin(), versions.end());
  for (const auto& [k, v] : versions) ETCFS_RETURN_IF_ERROR(out.Add(kVersionsCf, k, v));
  for (const auto& [k, v] : leases) ETCFS_RETURN_IF_ERROR(out.Add(kLeasesCf, k, v));
  std::vector<std::string> attached;
  for (const auto& [k, r] : live) {
    if (r.kv.lease != 0) attached.push_back(store::LeaseKeyEntry(r.kv.lease, k));
  }
  std::sort(attached.begin(), attached.end());
  for (const auto& k : attached) ETCFS_RETURN_IF_ERROR(out.Add(kLeaseKeysCf, k, ""));
  ETCFS_RETURN_IF_ERROR(out.Finish());
  return image;
}

}  // namespace etcfs::member
