#include "server/request_convert.h"

namespace etcfs::server {

kv::FileAttr FromPb(const requestpb::FileAttr& in) {
  kv::FileAttr a;
  a.explicit_attrs = in.explicit_attrs();
  a.mode = in.mode();
  a.uid = in.uid();
  a.gid = in.gid();
  a.mtime_ns = in.mtime_ns();
  a.atime_ns = in.atime_ns();
  a.rdev = in.rdev();
  // A kind this member does not know is stored as a file: every record
  // stays one it can read.
  a.kind = in.kind() <= static_cast<uint32_t>(kv::kLastFileKind) ? static_cast<kv::FileKind>(in.kind())
                                                                 : kv::FileKind::kFile;
  return a;
}

namespace {

// Visits the puts of a txn in ordinal order (see txn_put_attrs).
template <typename Txn, typename Fn>
void ForEachPut(Txn& t, uint32_t* ordinal, const Fn& fn) {
  for (auto* branch : {&t.success, &t.failure}) {
    for (auto& op : *branch) {
      if (auto* put = std::get_if<kv::PutRequest>(&op)) {
        fn((*ordinal)++, *put);
      } else if (auto* nested = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
        // Nested requests are immutable once shared; copy before changing.
        auto copy = std::make_shared<kv::TxnRequest>(**nested);
        ForEachPut(*copy, ordinal, fn);
        *nested = std::move(copy);
      }
    }
  }
}

}  // namespace

kv::TxnRequest TxnFromRequest(const requestpb::Request& in) {
  kv::TxnRequest t = FromPb(in.txn());
  if (in.txn_put_attrs().empty()) return t;
  uint32_t ordinal = 0;
  ForEachPut(t, &ordinal, [&](uint32_t n, kv::PutRequest& put) {
    auto it = in.txn_put_attrs().find(n);
    if (it != in.txn_put_attrs().end()) put.attr = FromPb(it->second);
  });
  return t;
}

void ToPb(const kv::FileAttr& in, requestpb::FileAttr* out) {
  out->set_explicit_attrs(in.explicit_attrs);
  out->set_mode(in.mode);
  out->set_uid(in.uid);
  out->set_gid(in.gid);
  out->set_mtime_ns(in.mtime_ns);
  out->set_atime_ns(in.atime_ns);
  out->set_rdev(in.rdev);
  out->set_kind(static_cast<uint32_t>(in.kind));
}

requestpb::Request TxnToRequest(const kv::TxnRequest& in) {
  requestpb::Request r;
  ToPb(in, r.mutable_txn());
  kv::TxnRequest walk = in;  // ForEachPut may copy nested txns
  uint32_t ordinal = 0;
  ForEachPut(walk, &ordinal, [&](uint32_t n, kv::PutRequest& put) {
    if (put.attr) ToPb(*put.attr, &(*r.mutable_txn_put_attrs())[n]);
  });
  return r;
}

store::WatchRequest FromPb(const etcdserverpb::WatchCreateRequest& in) {
  store::WatchRequest w;
  w.key = in.key();
  w.range_end = in.range_end();
  w.start_revision = in.start_revision();
  w.prev_kv = in.prev_kv();
  for (int f : in.filters()) {
    if (f == etcdserverpb::WatchCreateRequest::NOPUT) w.filter_put = true;
    if (f == etcdserverpb::WatchCreateRequest::NODELETE) w.filter_delete = true;
  }
  return w;
}

}  // namespace etcfs::server
