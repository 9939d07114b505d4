// Node: who this member is. On a restart its WAL says so; a new cluster's
// members take their identities from --initial-cluster; a member joining an
// existing cluster asks one of its members (QueryCluster) for its id.
#include <spdlog/spdlog.h>

#include "consensus/cluster_query.h"
#include "server/node.h"
#include "member/urls.h"

namespace etcfs::server {

Status Node::ResolveIdentity(const std::string& wal_dir, member::MemberIdentity* me,
                             std::map<NodeId, std::string>* peers, std::vector<NodeId>* initial) {
  const std::string& self_address = options_.initial_cluster.at(options_.name);
  consensus::WalOptions wo;
  wo.dir = wal_dir;
  if (consensus::Wal::Exists(wo)) {
    // A restart: the WAL says who this member is; --initial-cluster no longer counts.
    ETCFS_ASSIGN_OR_RETURN(std::string raw, consensus::Wal::ReadMetadata(wo));
    auto decoded = member::MemberIdentity::Decode(raw);
    if (!decoded.ok()) {
      return Status::FailedPrecondition("the WAL in " + wal_dir + " was not written by etcfsd (" +
                                        decoded.status().message() + "); point --data-dir at this member's own data");
    }
    *me = *decoded;
    if (me->name != options_.name) {
      return Status::FailedPrecondition("the data directory " + options_.data_dir + " belongs to member '" +
                                        me->name + "', not '" + options_.name + "'; start it with --name " +
                                        me->name + " or give this member its own --data-dir");
    }
    if (me->token != options_.cluster_token) {
      return Status::FailedPrecondition(
          "the data directory " + options_.data_dir + " belongs to a cluster with --initial-cluster-token '" +
          me->token + "', not '" + options_.cluster_token + "'; use that token or another --data-dir");
    }
    auto removed = store_->ListMetadata(member::RemovedKey(me->member_id));
    if (removed.ok() && !removed->empty()) {
      return Status::FailedPrecondition("member " + options_.name + " was removed from the cluster; remove " +
                                        options_.data_dir + " and add it again with etcdctl member add");
    }
    for (const auto& m : Members()) {
      if (m.peerurls_size() == 0) continue;
      auto hp = member::UrlAddress(m.peerurls(0));
      if (hp.ok()) (*peers)[NodeId(m.id())] = *hp;
    }
    if (!peers->count(NodeId(me->member_id))) (*peers)[NodeId(me->member_id)] = self_address;
    if (peers->size() == 1) {
      // Nothing applied yet: the log's bootstrap entries still name the others.
      for (const auto& [id, address] : member::InitialMembers(options_.initial_cluster, me->token)) {
        (*peers)[NodeId(id)] = address;
      }
    }
    return Status::Ok();
  }
  if (store_->AppliedIndex().value() > 0) {
    return Status::FailedPrecondition("the store in " + options_.data_dir +
                                      "/member/store has data but there is no WAL in " + wal_dir +
                                      "; restore the WAL or start this member with an empty --data-dir");
  }
  if (options_.join_existing) return DiscoverCluster(me, peers);

  for (const auto& [id, address] : member::InitialMembers(options_.initial_cluster, options_.cluster_token)) {
    (*peers)[NodeId(id)] = address;
    initial->push_back(NodeId(id));
  }
  *me = member::InitialIdentity(options_.name, options_.initial_cluster, options_.cluster_token);
  return Status::Ok();
}

Status Node::DiscoverCluster(member::MemberIdentity* me, std::map<NodeId, std::string>* peers) {
  const std::string self_url = member::PeerUrl(options_.initial_cluster.at(options_.name));
  std::string errors;
  for (const auto& [name, addr] : options_.initial_cluster) {
    if (name == options_.name) continue;
    auto info = consensus::QueryCluster(addr, std::chrono::seconds(2));
    etcdserverpb::MemberListResponse list;
    if (!info.ok() || !list.ParseFromString(*info)) {
      errors += "\n  " + name + " at " + addr + ": " + (info.ok() ? "an unreadable answer" : info.status().message());
      continue;
    }
    const etcdserverpb::Member* mine = nullptr;
    for (const auto& m : list.members()) {
      for (const auto& u : m.peerurls()) {
        if (u == self_url) mine = &m;
      }
      if (m.peerurls_size() > 0) {
        auto hp = member::UrlAddress(m.peerurls(0));
        if (hp.ok()) (*peers)[NodeId(m.id())] = *hp;
      }
    }
    if (mine == nullptr) {
      return Status::FailedPrecondition("the cluster has no member with peer URL " + self_url +
                                        "; add this member first: etcdctl member add " + options_.name +
                                        " --peer-urls=" + self_url);
    }
    me->member_id = mine->id();
    me->cluster_id = list.header().cluster_id();
    me->name = options_.name;
    me->token = options_.cluster_token;
    spdlog::info("etcfsd: joining cluster {:x} as member {:x}, with {} members", me->cluster_id, me->member_id,
                 list.members_size());
    return Status::Ok();
  }
  return Status::Unavailable("--initial-cluster-state existing, but no member of the cluster answered:" + errors +
                             "\nstart this member once the others are up, with --initial-cluster naming them");
}

std::string Node::DescribeCluster() const {
  etcdserverpb::MemberListResponse list;
  for (auto& m : Members()) *list.add_members() = std::move(m);
  FillHeader(list.mutable_header(), store_->CurrentRevision());
  return list.SerializeAsString();
}

}  // namespace etcfs::server
