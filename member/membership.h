// Membership: who a member is and how the cluster's member list is kept.
//
// Ids are etcd-style: an initial member's comes from its name, peer address
// and the cluster token, so every initial member computes the same ids; a
// member added later gets one from its peer URLs, the token and the time, so
// that a re-added member never reuses a removed one's id. The cluster id
// comes from the initial members' ids and the token.
//
// A member's identity is written into its WAL when the WAL is created and
// read back on every restart (etcd likewise ignores --initial-cluster once a
// member has data).
//
// The member list is replicated state in the store's metadata: a record per
// member (etcdserverpb::Member), written when a configuration change is
// applied (add, promote, remove) and when a member publishes its name and
// client URLs or its peer URLs change; removed ids are remembered so that
// they are never admitted again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "etcd/etcdserverpb/rpc.pb.h"

namespace etcfs::member {

uint64_t InitialMemberId(const std::string& name, const std::string& peer_address, const std::string& token);
uint64_t AddedMemberId(const std::vector<std::string>& peer_urls, const std::string& token, int64_t now_ns);
uint64_t ClusterId(std::vector<uint64_t> initial_member_ids, const std::string& token);

// What a member's WAL records about it.
struct MemberIdentity {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  std::string name;
  std::string token;

  std::string Encode() const;
  // Errors: Corruption.
  static Result<MemberIdentity> Decode(std::string_view in);
};

// A new cluster's members as --initial-cluster (name -> peer address) names
// them: id -> peer address; and the identity of member `name` among them
// (REQUIRES: `name` is in `initial_cluster`).
std::map<uint64_t, std::string> InitialMembers(const std::map<std::string, std::string>& initial_cluster,
                                               const std::string& token);
MemberIdentity InitialIdentity(const std::string& name, const std::map<std::string, std::string>& initial_cluster,
                               const std::string& token);

// Store metadata keys (under the store's application prefix).
inline constexpr std::string_view kMemberPrefix = "members/";
inline constexpr std::string_view kRemovedPrefix = "removed/";
std::string MemberKey(uint64_t id);
std::string RemovedKey(uint64_t id);

// "http://host:port" for a peer address (urls.h's HostPort goes back).
std::string PeerUrl(const std::string& address);

}  // namespace etcfs::member
