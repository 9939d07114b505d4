// Bodies sent to etcd's HTTP/JSON gateway (server/gateway_json.h), bytes and
// all: splitting a stream body into objects and parsing each into its
// request answer every input without crashing, and whatever parses prints
// back as JSON that parses to the same request, and survives the byte
// buffers the in-process calls carry.
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "server/gateway_json.h"

namespace {

const google::protobuf::Descriptor* TypeFor(uint8_t selector) {
  switch (selector % 6) {
    case 0: return etcdserverpb::RangeRequest::descriptor();
    case 1: return etcdserverpb::PutRequest::descriptor();
    case 2: return etcdserverpb::TxnRequest::descriptor();
    case 3: return etcdserverpb::WatchRequest::descriptor();
    case 4: return etcdserverpb::LeaseKeepAliveRequest::descriptor();
    default: return etcdserverpb::LeaseGrantRequest::descriptor();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace etcfs::server::gateway;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const google::protobuf::Descriptor* type = TypeFor(data[0]);
  std::vector<std::string_view> objects;
  if (!SplitObjects(body, &objects).ok()) return 0;
  for (std::string_view object : objects) {
    auto request = NewMessage(type);
    if (!ParseJson(object, request.get()).ok()) continue;
    auto again = NewMessage(type);
    if (!ParseJson(PrintJson(*request), again.get()).ok()) abort();
    if (!google::protobuf::util::MessageDifferencer::Equals(*request, *again)) abort();
    auto carried = NewMessage(type);
    if (!FromBuffer(ToBuffer(*request), carried.get()).ok()) abort();
    if (!google::protobuf::util::MessageDifferencer::Equals(*request, *carried)) abort();
  }
  return 0;
}
