#include "server/watch_encoder.h"

#include <grpcpp/support/slice.h>

#include "kv/api_convert.h"

namespace etcfs::server {

namespace {

// WatchResponse.events: field 11, length-delimited.
constexpr char kEventsTag = (11 << 3) | 2;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

grpc::ByteBuffer Own(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
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

grpc::ByteBuffer WatchEncoder::Encode(const etcdserverpb::WatchResponse& head,
                                      const std::vector<const std::string*>& events) {
  size_t size = head.ByteSizeLong();
  for (const std::string* e : events) size += e->size() + 6;
  std::string out;
  out.reserve(size);
  head.AppendToString(&out);
  for (const std::string* e : events) {
    out.push_back(kEventsTag);
    PutVarint(&out, e->size());
    out.append(*e);
  }
  return Own(std::move(out));
}

grpc::ByteBuffer WatchEncoder::Encode(const etcdserverpb::WatchResponse& resp) {
  return Own(resp.SerializeAsString());
}

}  // namespace etcfs::server
