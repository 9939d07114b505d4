// etcd API requests as a client may send them, bytes and all: parsing,
// conversion and validation answer every input without crashing, and a
// request that passes validation converts to a store request that passes too.
#include <cstdint>
#include <string>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/api_convert.h"
#include "store/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace etcfs;
  switch (data[0] % 4) {
    case 0: {
      etcdserverpb::RangeRequest req;
      if (req.ParseFromString(bytes)) (void)store::ValidateRange(kv::FromPb(req));
      break;
    }
    case 1: {
      etcdserverpb::PutRequest req;
      if (req.ParseFromString(bytes)) (void)store::ValidatePut(kv::FromPb(req));
      break;
    }
    case 2: {
      etcdserverpb::DeleteRangeRequest req;
      if (req.ParseFromString(bytes)) (void)store::ValidateDeleteRange(kv::FromPb(req));
      break;
    }
    case 3: {
      etcdserverpb::TxnRequest req;
      if (req.ParseFromString(bytes)) {
        const kv::TxnRequest txn = kv::FromPb(req);
        if (store::ValidateTxn(txn).ok()) (void)store::PutBytes(txn);
      }
      break;
    }
  }
  return 0;
}
