#include "server/convert.h"

namespace etcfs::server {

store::RangeRequest FromPb(const etcdserverpb::RangeRequest& in) {
  store::RangeRequest r;
  r.key = in.key();
  r.range_end = in.range_end();
  r.limit = in.limit();
  r.revision = in.revision();
  r.sort_order = static_cast<store::SortOrder>(in.sort_order());
  r.sort_target = static_cast<store::SortTarget>(in.sort_target());
  r.keys_only = in.keys_only();
  r.count_only = in.count_only();
  r.min_mod_revision = in.min_mod_revision();
  r.max_mod_revision = in.max_mod_revision();
  r.min_create_revision = in.min_create_revision();
  r.max_create_revision = in.max_create_revision();
  return r;
}

store::PutRequest FromPb(const etcdserverpb::PutRequest& in) {
  store::PutRequest r;
  r.key = in.key();
  r.value = in.value();
  r.lease = in.lease();
  r.prev_kv = in.prev_kv();
  r.ignore_value = in.ignore_value();
  r.ignore_lease = in.ignore_lease();
  return r;
}

store::DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& in) {
  return store::DeleteRangeRequest{in.key(), in.range_end(), in.prev_kv()};
}

store::Compare FromPb(const etcdserverpb::Compare& in) {
  store::Compare c;
  c.result = static_cast<store::Compare::Result>(in.result());
  c.target = static_cast<store::Compare::Target>(in.target());
  c.key = in.key();
  c.range_end = in.range_end();
  switch (in.target_union_case()) {
    case etcdserverpb::Compare::kVersion: c.number = in.version(); break;
    case etcdserverpb::Compare::kCreateRevision: c.number = in.create_revision(); break;
    case etcdserverpb::Compare::kModRevision: c.number = in.mod_revision(); break;
    case etcdserverpb::Compare::kLease: c.number = in.lease(); break;
    case etcdserverpb::Compare::kValue: c.value = in.value(); break;
    default: break;
  }
  return c;
}

namespace {

std::vector<store::RequestOp> OpsFromPb(const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  std::vector<store::RequestOp> out;
  out.reserve(ops.size());
  for (const auto& op : ops) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestRange: out.emplace_back(FromPb(op.request_range())); break;
      case etcdserverpb::RequestOp::kRequestPut: out.emplace_back(FromPb(op.request_put())); break;
      case etcdserverpb::RequestOp::kRequestDeleteRange:
        out.emplace_back(FromPb(op.request_delete_range()));
        break;
      case etcdserverpb::RequestOp::kRequestTxn:
        out.emplace_back(std::make_shared<const store::TxnRequest>(FromPb(op.request_txn())));
        break;
      default:
        // An empty op: etcd treats it as a range of nothing; an empty key
        // fails validation with etcd's message.
        out.emplace_back(store::RangeRequest{});
        break;
    }
  }
  return out;
}

}  // namespace

store::TxnRequest FromPb(const etcdserverpb::TxnRequest& in) {
  store::TxnRequest t;
  for (const auto& c : in.compare()) t.compare.push_back(FromPb(c));
  t.success = OpsFromPb(in.success());
  t.failure = OpsFromPb(in.failure());
  return t;
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

void ToPb(const store::KeyValue& in, mvccpb::KeyValue* out) {
  out->set_key(in.key);
  out->set_create_revision(in.create_revision);
  out->set_mod_revision(in.mod_revision);
  out->set_version(in.version);
  out->set_value(in.value);
  out->set_lease(in.lease);
}

void ToPb(const store::Event& in, mvccpb::Event* out) {
  out->set_type(in.type == store::Event::Type::kPut ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
  ToPb(in.kv, out->mutable_kv());
  if (in.prev_kv) ToPb(*in.prev_kv, out->mutable_prev_kv());
}

void ToPb(const store::RangeResponse& in, etcdserverpb::RangeResponse* out) {
  for (const auto& kv : in.kvs) ToPb(kv, out->add_kvs());
  out->set_more(in.more);
  out->set_count(in.count);
}

void ToPb(const store::PutResponse& in, etcdserverpb::PutResponse* out) {
  if (in.prev_kv) ToPb(*in.prev_kv, out->mutable_prev_kv());
}

void ToPb(const store::DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out) {
  out->set_deleted(in.deleted);
  for (const auto& kv : in.prev_kvs) ToPb(kv, out->add_prev_kvs());
}

void ToPb(const store::TxnResponse& in, etcdserverpb::TxnResponse* out) {
  out->set_succeeded(in.succeeded);
  for (const auto& r : in.responses) {
    etcdserverpb::ResponseOp* op = out->add_responses();
    std::visit(
        [op](const auto& resp) {
          using T = std::decay_t<decltype(resp)>;
          if constexpr (std::is_same_v<T, store::RangeResponse>) {
            ToPb(resp, op->mutable_response_range());
          } else if constexpr (std::is_same_v<T, store::PutResponse>) {
            ToPb(resp, op->mutable_response_put());
          } else if constexpr (std::is_same_v<T, store::DeleteRangeResponse>) {
            ToPb(resp, op->mutable_response_delete_range());
          } else {
            ToPb(*resp, op->mutable_response_txn());
          }
        },
        r);
  }
}

}  // namespace etcfs::server
