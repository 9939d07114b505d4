#include "member/membership.h"

#include <algorithm>
#include <cstdio>

#include <xxhash.h>

#include "base/coding.h"

namespace etcfs::member {
namespace {

uint64_t NonZeroHash(const std::string& seed) {
  const uint64_t h = XXH3_64bits(seed.data(), seed.size());
  return h == 0 ? 1 : h;
}

std::string HexKey(std::string_view prefix, uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return std::string(prefix) + buf;
}

}  // namespace

uint64_t InitialMemberId(const std::string& name, const std::string& peer_address, const std::string& token) {
  return NonZeroHash(name + "\n" + peer_address + "\n" + token);
}

uint64_t AddedMemberId(const std::vector<std::string>& peer_urls, const std::string& token, int64_t now_ns) {
  std::vector<std::string> sorted = peer_urls;
  std::sort(sorted.begin(), sorted.end());
  std::string seed;
  for (const auto& u : sorted) seed += u + "\n";
  return NonZeroHash(seed + token + "\n" + std::to_string(now_ns));
}

uint64_t ClusterId(std::vector<uint64_t> ids, const std::string& token) {
  std::sort(ids.begin(), ids.end());
  std::string seed = token;
  for (uint64_t id : ids) seed += ":" + std::to_string(id);
  return XXH3_64bits(seed.data(), seed.size());
}

std::map<uint64_t, std::string> InitialMembers(const std::map<std::string, std::string>& initial_cluster,
                                               const std::string& token) {
  std::map<uint64_t, std::string> members;
  for (const auto& [name, address] : initial_cluster) members[InitialMemberId(name, address, token)] = address;
  return members;
}

MemberIdentity InitialIdentity(const std::string& name, const std::map<std::string, std::string>& initial_cluster,
                               const std::string& token) {
  std::vector<uint64_t> ids;
  for (const auto& [id, address] : InitialMembers(initial_cluster, token)) ids.push_back(id);
  MemberIdentity me;
  me.member_id = InitialMemberId(name, initial_cluster.at(name), token);
  me.cluster_id = ClusterId(ids, token);
  me.name = name;
  me.token = token;
  return me;
}

std::string MemberIdentity::Encode() const {
  std::string out = "etcfs-member 1\n";
  PutVarint64(&out, member_id);
  PutVarint64(&out, cluster_id);
  PutLengthPrefixed(&out, name);
  PutLengthPrefixed(&out, token);
  return out;
}

Result<MemberIdentity> MemberIdentity::Decode(std::string_view in) {
  constexpr std::string_view kTag = "etcfs-member 1\n";
  MemberIdentity m;
  std::string_view name, token;
  if (!in.starts_with(kTag)) return Status::Corruption("the WAL's member identity is not in a known format");
  in.remove_prefix(kTag.size());
  if (!GetVarint64(&in, &m.member_id) || !GetVarint64(&in, &m.cluster_id) || !GetLengthPrefixed(&in, &name) ||
      !GetLengthPrefixed(&in, &token)) {
    return Status::Corruption("the WAL's member identity is truncated");
  }
  m.name = name;
  m.token = token;
  return m;
}

std::string MemberKey(uint64_t id) { return HexKey(kMemberPrefix, id); }
std::string RemovedKey(uint64_t id) { return HexKey(kRemovedPrefix, id); }
std::string PeerUrl(const std::string& address) { return "http://" + address; }

}  // namespace etcfs::member
