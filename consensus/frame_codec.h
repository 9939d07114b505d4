// The peer protocol on the wire: each raftpb::Frame on a stream is preceded
// by its length, 4 bytes big-endian. Every connection opens with a Hello
// that names the stream it is (messages, one snapshot, or a joining member's
// cluster query), the cluster, the caller and the callee.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "consensus/types.h"
#include "raft.pb.h"

namespace etcfs::consensus {

inline constexpr size_t kFrameHeaderBytes = 4;

// `frame` with its length in front, ready to write.
std::string EncodeFrame(const raftpb::Frame& frame);
// The length a frame header (kFrameHeaderBytes) announces.
uint32_t DecodeFrameLength(const char* header);

struct Hello {
  uint64_t cluster_id = 0;
  NodeId from;
  NodeId to;
  raftpb::Hello::Stream stream = raftpb::Hello::MESSAGES;
};
// The framed Hello that opens a connection.
std::string EncodeHello(const Hello& hello);
Hello HelloOf(const raftpb::Hello& pb);

}  // namespace etcfs::consensus
