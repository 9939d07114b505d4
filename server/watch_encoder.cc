#include "server/watch_encoder.h"

#include <cstring>

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include "kv/api_convert.h"

namespace etcfs::server {

namespace {

// WatchResponse's fields: header (1, message), watch_id (2, varint),
// fragment (7, varint), events (11, messages).
constexpr uint8_t kHeaderTag = (1 << 3) | 2;
constexpr uint8_t kWatchIdTag = (2 << 3) | 0;
constexpr uint8_t kFragmentTag = (7 << 3) | 0;
constexpr uint8_t kEventsTag = (11 << 3) | 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* PutVarint(uint8_t* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<uint8_t>(v);
  return out;
}

uint8_t* PutBytesField(uint8_t* out, uint8_t tag, const std::string& bytes) {
  *out++ = tag;
  out = PutVarint(out, bytes.size());
  return static_cast<uint8_t*>(std::memcpy(out, bytes.data(), bytes.size())) + bytes.size();
}

// A buffer that owns `slice`, which gRPC sends without a copy.
grpc::ByteBuffer Adopt(grpc_slice slice) {
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace

const std::string& WatchEncoder::EventBytes(const store::SharedEvent& ev, bool prev_kv) {
  auto [it, inserted] = cache_.try_emplace(ev.get());
  if (inserted) pinned_.push_back(ev);
  Encoded& e = it->second;
  const bool with = prev_kv && ev->prev_kv.has_value();
  if (with ? e.has_with : e.has_without) return with ? e.with_prev : e.without_prev;
  mvccpb::Event pb;
  kv::ToPb(*ev, &pb);
  if (!with) pb.clear_prev_kv();
  std::string& out = with ? e.with_prev : e.without_prev;
  pb.SerializeToString(&out);
  (with ? e.has_with : e.has_without) = true;
  return out;
}

const std::string& WatchEncoder::HeaderBytes(int64_t revision,
                                             const std::function<void(etcdserverpb::ResponseHeader*)>& fill) {
  auto [it, inserted] = headers_.try_emplace(revision);
  if (inserted) {
    etcdserverpb::ResponseHeader h;
    fill(&h);
    h.SerializeToString(&it->second);
  }
  return it->second;
}

grpc::ByteBuffer WatchEncoder::Encode(const std::string& header, int64_t watch_id, bool fragment,
                                      const std::vector<const std::string*>& events) {
  // Negative ids (none a watch has) take ten bytes, as protobuf writes them.
  const auto id = static_cast<uint64_t>(watch_id);
  size_t size = 1 + VarintSize(header.size()) + header.size();
  if (id != 0) size += 1 + VarintSize(id);
  if (fragment) size += 2;
  for (const std::string* e : events) size += 1 + VarintSize(e->size()) + e->size();
  grpc_slice slice = grpc_slice_malloc(size);
  uint8_t* out = GRPC_SLICE_START_PTR(slice);
  out = PutBytesField(out, kHeaderTag, header);
  if (id != 0) {
    *out++ = kWatchIdTag;
    out = PutVarint(out, id);
  }
  if (fragment) {
    *out++ = kFragmentTag;
    *out++ = 1;
  }
  for (const std::string* e : events) out = PutBytesField(out, kEventsTag, *e);
  return Adopt(slice);
}

grpc::ByteBuffer WatchEncoder::Encode(const etcdserverpb::WatchResponse& resp) {
  grpc_slice slice = grpc_slice_malloc(resp.ByteSizeLong());
  resp.SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(slice));
  return Adopt(slice);
}

}  // namespace etcfs::server
