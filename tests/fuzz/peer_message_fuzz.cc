// Peer frames as the transport receives them: any bytes parse, convert to a
// Raft message or fail cleanly, and a message that converts converts back to
// the same message.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "consensus/message_codec.h"
#include "raft.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  etcfs::raftpb::Message pb;
  if (!pb.ParseFromArray(data, static_cast<int>(size))) return 0;
  etcfs::consensus::Message m;
  if (!etcfs::consensus::FromProto(pb, &m).ok()) return 0;
  etcfs::raftpb::Message again;
  etcfs::consensus::ToProto(m, &again);
  etcfs::consensus::Message m2;
  if (!etcfs::consensus::FromProto(again, &m2).ok() || !(m2 == m)) std::abort();
  return 0;
}
