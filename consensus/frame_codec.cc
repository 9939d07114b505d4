#include "consensus/frame_codec.h"

#include "base/coding.h"

namespace etcfs::consensus {

std::string EncodeFrame(const raftpb::Frame& frame) {
  std::string out;
  const size_t n = frame.ByteSizeLong();
  out.reserve(kFrameHeaderBytes + n);
  PutFixed32BE(&out, static_cast<uint32_t>(n));
  frame.AppendToString(&out);
  return out;
}

uint32_t DecodeFrameLength(const char* header) { return DecodeFixed32BE(header); }

std::string EncodeHello(const Hello& hello) {
  raftpb::Frame frame;
  raftpb::Hello* h = frame.mutable_hello();
  h->set_cluster_id(hello.cluster_id);
  h->set_from(hello.from.value());
  h->set_to(hello.to.value());
  h->set_stream(hello.stream);
  return EncodeFrame(frame);
}

Hello HelloOf(const raftpb::Hello& pb) { return Hello{pb.cluster_id(), NodeId(pb.from()), NodeId(pb.to()), pb.stream()}; }

}  // namespace etcfs::consensus
