// Conversions between the core's Message and the wire's raftpb::Message.
// Decoding validates what the core relies on (known types, sane fields):
// a peer's bytes are input like any other.
#pragma once

#include "base/status.h"
#include "consensus/types.h"
#include "raft.pb.h"

namespace etcfs::consensus {

void ToProto(const Message& m, raftpb::Message* out);
// Errors: InvalidArgument for a message the core must not see.
Status FromProto(const raftpb::Message& in, Message* out);

}  // namespace etcfs::consensus
