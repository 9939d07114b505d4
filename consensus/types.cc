#include "consensus/types.h"

#include "base/coding.h"

namespace etcfs::consensus {

std::string EncodeConfChange(const ConfChange& cc) {
  std::string out;
  out.push_back(static_cast<char>(cc.type));
  PutVarint64(&out, cc.node.value());
  out.append(cc.context);
  return out;
}

bool DecodeConfChange(const std::string& data, ConfChange* cc) {
  std::string_view in(data);
  if (in.empty() || static_cast<uint8_t>(in[0]) > 2) return false;
  cc->type = static_cast<ConfChange::Type>(in[0]);
  in.remove_prefix(1);
  uint64_t node;
  if (!GetVarint64(&in, &node)) return false;
  cc->node = NodeId(node);
  cc->context.assign(in);
  return true;
}

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kHup: return "MsgHup";
    case MessageType::kBeat: return "MsgBeat";
    case MessageType::kProp: return "MsgProp";
    case MessageType::kApp: return "MsgApp";
    case MessageType::kAppResp: return "MsgAppResp";
    case MessageType::kVote: return "MsgVote";
    case MessageType::kVoteResp: return "MsgVoteResp";
    case MessageType::kSnap: return "MsgSnap";
    case MessageType::kHeartbeat: return "MsgHeartbeat";
    case MessageType::kHeartbeatResp: return "MsgHeartbeatResp";
    case MessageType::kUnreachable: return "MsgUnreachable";
    case MessageType::kSnapStatus: return "MsgSnapStatus";
    case MessageType::kCheckQuorum: return "MsgCheckQuorum";
    case MessageType::kTransferLeader: return "MsgTransferLeader";
    case MessageType::kTimeoutNow: return "MsgTimeoutNow";
    case MessageType::kReadIndex: return "MsgReadIndex";
    case MessageType::kReadIndexResp: return "MsgReadIndexResp";
    case MessageType::kPreVote: return "MsgPreVote";
    case MessageType::kPreVoteResp: return "MsgPreVoteResp";
  }
  return "MsgUnknown";
}

bool IsLocalMessage(MessageType t) {
  return t == MessageType::kHup || t == MessageType::kBeat || t == MessageType::kUnreachable ||
         t == MessageType::kSnapStatus || t == MessageType::kCheckQuorum;
}

bool IsResponseMessage(MessageType t) {
  return t == MessageType::kAppResp || t == MessageType::kVoteResp ||
         t == MessageType::kHeartbeatResp || t == MessageType::kUnreachable ||
         t == MessageType::kPreVoteResp;
}

const char* StateTypeName(StateType s) {
  switch (s) {
    case StateType::kFollower: return "follower";
    case StateType::kCandidate: return "candidate";
    case StateType::kLeader: return "leader";
    case StateType::kPreCandidate: return "pre-candidate";
  }
  return "unknown";
}

}  // namespace etcfs::consensus
