// Node: membership administration (etcd's member add, remove, update and
// promote), with etcd's strict reconfiguration checks and error messages.
#include <spdlog/spdlog.h>

#include "server/node.h"
#include "member/urls.h"

namespace etcfs::server {

Status Node::WaitApplied(const std::function<bool()>& done) {
  std::unique_lock<std::mutex> lock(applied_mu_);
  if (!applied_cv_.wait_for(lock, options_.request_timeout, [&] { return done(); })) {
    return Status::Timeout("etcdserver: request timed out");
  }
  return Status::Ok();
}

Status Node::ProposeConfChange(const consensus::ConfChange& cc) {
  auto result = std::make_shared<std::optional<Status>>();
  driver_->ProposeConfChange(cc, [this, result](const Status& s) {
    {
      std::lock_guard<std::mutex> lock(applied_mu_);
      *result = s;
    }
    applied_cv_.notify_all();
  });
  // The Raft loop takes or refuses it at once.
  std::unique_lock<std::mutex> lock(applied_mu_);
  if (!applied_cv_.wait_for(lock, options_.request_timeout, [&] { return result->has_value(); })) {
    return Status::Timeout("etcdserver: request timed out");
  }
  if ((*result)->code() == StatusCode::kUnavailable) return Status::Unavailable("etcdserver: no leader");
  return **result;
}

namespace {

std::optional<etcdserverpb::Member> FindMember(const std::vector<etcdserverpb::Member>& members, uint64_t id) {
  for (const auto& m : members) {
    if (m.id() == id) return m;
  }
  return std::nullopt;
}

bool HasMember(const store::Store& store, uint64_t id, std::optional<bool> learner = std::nullopt) {
  auto rec = store.ListMetadata(member::MemberKey(id));
  etcdserverpb::Member m;
  if (!rec.ok() || rec->empty() || !m.ParseFromString(rec->front().second)) return false;
  return !learner || m.islearner() == *learner;
}

}  // namespace

int Node::ActiveVoters(uint64_t except) const {
  int active = 0;
  for (const auto& m : Members()) {
    if (m.islearner() || m.id() == except) continue;
    if (m.id() == member_id_ || driver_->transport().Stats(NodeId(m.id())).connected) ++active;
  }
  return active;
}

Status Node::MemberNotFound(uint64_t) const { return Status::NotFound("etcdserver: member not found"); }

bool Node::ConnectedToAll() const {
  for (const auto& m : Members()) {
    if (m.id() == member_id_) continue;
    const auto stats = driver_->transport().Stats(NodeId(m.id()));
    if (!stats.connected || stats.connected_for < std::chrono::seconds(5)) return false;
  }
  return true;
}

Result<etcdserverpb::Member> Node::AddMember(const std::vector<std::string>& peer_urls, bool learner) {
  if (peer_urls.empty()) return Status::InvalidArgument("member add needs at least one peer URL");
  std::vector<std::string> addresses;
  for (const auto& u : peer_urls) {
    ETCFS_ASSIGN_OR_RETURN(std::string hp, member::UrlAddress(u));
    addresses.push_back(hp);
  }
  const auto members = Members();
  int voters = 0, learners = 0;
  for (const auto& m : members) (m.islearner() ? learners : voters)++;
  // etcd's strict reconfiguration checks come first: a quorum of started
  // voters once the new one counts, and every member connected for 5 s.
  if (!learner && ActiveVoters(0) < (voters + 1) / 2 + 1) {
    return Status::Unavailable("etcdserver: re-configuration failed due to not enough started members");
  }
  if (!ConnectedToAll()) return Status::Unavailable("etcdserver: unhealthy cluster");
  for (const auto& m : members) {
    for (const auto& u : m.peerurls()) {
      if (std::find(peer_urls.begin(), peer_urls.end(), u) != peer_urls.end()) {
        return Status::FailedPrecondition("etcdserver: Peer URLs already exists");
      }
    }
  }
  if (learner && learners >= 1) return Status::FailedPrecondition("etcdserver: too many learner members in cluster");
  const uint64_t id = member::AddedMemberId(peer_urls, options_.cluster_token,
                                    std::chrono::system_clock::now().time_since_epoch().count());
  consensus::ConfChange cc{learner ? consensus::ConfChange::Type::kAddLearner : consensus::ConfChange::Type::kAddNode,
                           NodeId(id), addresses[0]};
  ETCFS_RETURN_IF_ERROR(ProposeConfChange(cc));
  ETCFS_RETURN_IF_ERROR(WaitApplied([&] { return HasMember(*store_, id); }));
  etcdserverpb::Member m;
  m.set_id(id);
  for (const auto& u : peer_urls) m.add_peerurls(u);
  m.set_islearner(learner);
  return m;
}

Status Node::RemoveMember(uint64_t id) {
  const auto members = Members();
  auto m = FindMember(members, id);
  if (!m) return MemberNotFound(id);
  if (!m->islearner()) {
    int voters = 0;
    for (const auto& x : members) voters += x.islearner() ? 0 : 1;
    if (ActiveVoters(id) < (voters - 1) / 2 + 1) return Status::Unavailable("etcdserver: unhealthy cluster");
  }
  ETCFS_RETURN_IF_ERROR(ProposeConfChange({consensus::ConfChange::Type::kRemoveNode, NodeId(id), ""}));
  return WaitApplied([&] { return !HasMember(*store_, id); });
}

Status Node::UpdateMember(uint64_t id, const std::vector<std::string>& peer_urls) {
  for (const auto& u : peer_urls) ETCFS_RETURN_IF_ERROR(member::UrlAddress(u).status());
  const auto members = Members();
  if (!FindMember(members, id)) return MemberNotFound(id);
  for (const auto& m : members) {
    if (m.id() == id) continue;
    for (const auto& u : m.peerurls()) {
      if (std::find(peer_urls.begin(), peer_urls.end(), u) != peer_urls.end()) {
        return Status::FailedPrecondition("etcdserver: Peer URLs already exists");
      }
    }
  }
  requestpb::Request req;
  req.mutable_member_update()->set_id(id);
  for (const auto& u : peer_urls) req.mutable_member_update()->add_peerurls(u);
  return Write(std::move(req)).status();
}

Status Node::PromoteMember(uint64_t id) {
  auto m = FindMember(Members(), id);
  if (!m) return MemberNotFound(id);
  if (!m->islearner()) return Status::FailedPrecondition("etcdserver: can only promote a learner member");
  Status s = ProposeConfChange({consensus::ConfChange::Type::kAddNode, NodeId(id), ""});
  if (s.code() == StatusCode::kFailedPrecondition && s.message().find("caught up") != std::string::npos) {
    return Status::FailedPrecondition("etcdserver: can only promote a learner member which is in sync with leader");
  }
  ETCFS_RETURN_IF_ERROR(s);
  return WaitApplied([&] { return HasMember(*store_, id, false); });
}

}  // namespace etcfs::server
