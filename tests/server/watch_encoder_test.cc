// The watch responses a stream writes field by field are what protobuf writes.
#include "server/watch_encoder.h"

#include <gtest/gtest.h>

#include "kv/api_convert.h"

namespace etcfs::server {
namespace {

store::SharedEvent Event(std::string key, std::string value, int64_t revision, bool with_prev) {
  kv::Event ev;
  ev.kv.key = std::move(key);
  ev.kv.value = std::move(value);
  ev.kv.create_revision = 2;
  ev.kv.mod_revision = revision;
  ev.kv.version = 3;
  if (with_prev) {
    kv::KeyValue prev = ev.kv;
    prev.value = "old";
    prev.mod_revision = revision - 1;
    ev.prev_kv = prev;
  }
  return std::make_shared<const kv::Event>(std::move(ev));
}

std::string Bytes(const grpc::ByteBuffer& b) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(b.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

void Fill(etcdserverpb::ResponseHeader* h, int64_t revision) {
  h->set_cluster_id(0xc1);
  h->set_member_id(0x3e);
  h->set_revision(revision);
  h->set_raft_term(7);
}

TEST(WatchEncoder, AResponseWithEventsIsWhatProtobufWrites) {
  WatchEncoder encoder;
  const auto a = Event("a", std::string(300, 'x'), 9, true), b = Event(std::string("b\0c", 3), "", 10, false);
  for (const bool prev_kv : {false, true}) {
    for (const int64_t id : {int64_t{0}, int64_t{5}, int64_t{1} << 40, int64_t{-1}}) {
      for (const bool fragment : {false, true}) {
        etcdserverpb::WatchResponse want;
        Fill(want.mutable_header(), 10);
        want.set_watch_id(id);
        want.set_fragment(fragment);
        std::vector<const std::string*> events;
        for (const auto& ev : {a, b}) {
          kv::Event view = *ev;
          if (!prev_kv) view.prev_kv.reset();
          kv::ToPb(view, want.add_events());
          events.push_back(&encoder.EventBytes(ev, prev_kv));
        }
        const std::string& header =
            encoder.HeaderBytes(10, [](etcdserverpb::ResponseHeader* h) { Fill(h, 10); });
        const std::string got = Bytes(WatchEncoder::Encode(header, id, fragment, events));
        EXPECT_EQ(got, want.SerializeAsString()) << "id " << id << " fragment " << fragment;
        etcdserverpb::WatchResponse parsed;
        ASSERT_TRUE(parsed.ParseFromString(got));
        EXPECT_EQ(parsed.events_size(), 2);
        EXPECT_EQ(parsed.events(0).has_prev_kv(), prev_kv);
      }
    }
  }
}

TEST(WatchEncoder, AHeaderIsFilledOncePerRevision) {
  WatchEncoder encoder;
  int fills = 0;
  auto fill = [&](int64_t rev) {
    return [&fills, rev](etcdserverpb::ResponseHeader* h) {
      ++fills;
      Fill(h, rev);
    };
  };
  const std::string first = encoder.HeaderBytes(4, fill(4));
  EXPECT_EQ(encoder.HeaderBytes(4, fill(4)), first);
  const std::string other = encoder.HeaderBytes(5, fill(5));
  EXPECT_NE(other, first);
  EXPECT_EQ(fills, 2);
  etcdserverpb::ResponseHeader h;
  ASSERT_TRUE(h.ParseFromString(other));
  EXPECT_EQ(h.revision(), 5);
}

TEST(WatchEncoder, AResponseWithoutEventsIsWhatProtobufWrites) {
  etcdserverpb::WatchResponse resp;
  Fill(resp.mutable_header(), 3);
  resp.set_watch_id(2);
  resp.set_created(true);
  EXPECT_EQ(Bytes(WatchEncoder::Encode(resp)), resp.SerializeAsString());
}

}  // namespace
}  // namespace etcfs::server
