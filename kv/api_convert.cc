#include "kv/api_convert.h"

namespace etcfs::kv {

RangeRequest FromPb(const etcdserverpb::RangeRequest& in) {
  RangeRequest r;
  r.key = in.key();
  r.range_end = in.range_end();
  r.limit = in.limit();
  r.revision = in.revision();
  r.sort_order = static_cast<SortOrder>(in.sort_order());
  r.sort_target = static_cast<SortTarget>(in.sort_target());
  r.keys_only = in.keys_only();
  r.count_only = in.count_only();
  r.min_mod_revision = in.min_mod_revision();
  r.max_mod_revision = in.max_mod_revision();
  r.min_create_revision = in.min_create_revision();
  r.max_create_revision = in.max_create_revision();
  return r;
}

PutRequest FromPb(const etcdserverpb::PutRequest& in) {
  PutRequest r;
  r.key = in.key();
  r.value = in.value();
  r.lease = in.lease();
  r.prev_kv = in.prev_kv();
  r.ignore_value = in.ignore_value();
  r.ignore_lease = in.ignore_lease();
  return r;
}

DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& in) {
  return DeleteRangeRequest{in.key(), in.range_end(), in.prev_kv()};
}

Compare FromPb(const etcdserverpb::Compare& in) {
  Compare c;
  c.result = static_cast<Compare::Result>(in.result());
  c.target = static_cast<Compare::Target>(in.target());
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

std::vector<RequestOp> OpsFromPb(const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  std::vector<RequestOp> out;
  out.reserve(ops.size());
  for (const auto& op : ops) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestRange: out.emplace_back(FromPb(op.request_range())); break;
      case etcdserverpb::RequestOp::kRequestPut: out.emplace_back(FromPb(op.request_put())); break;
      case etcdserverpb::RequestOp::kRequestDeleteRange:
        out.emplace_back(FromPb(op.request_delete_range()));
        break;
      case etcdserverpb::RequestOp::kRequestTxn:
        out.emplace_back(std::make_shared<const TxnRequest>(FromPb(op.request_txn())));
        break;
      default:
        // An empty op: etcd treats it as a range of nothing; an empty key
        // fails validation with etcd's message.
        out.emplace_back(RangeRequest{});
        break;
    }
  }
  return out;
}

}  // namespace

TxnRequest FromPb(const etcdserverpb::TxnRequest& in) {
  TxnRequest t;
  for (const auto& c : in.compare()) t.compare.push_back(FromPb(c));
  t.success = OpsFromPb(in.success());
  t.failure = OpsFromPb(in.failure());
  return t;
}

void ToPb(const RangeRequest& in, etcdserverpb::RangeRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_limit(in.limit);
  out->set_revision(in.revision);
  out->set_sort_order(static_cast<etcdserverpb::RangeRequest::SortOrder>(in.sort_order));
  out->set_sort_target(static_cast<etcdserverpb::RangeRequest::SortTarget>(in.sort_target));
  out->set_keys_only(in.keys_only);
  out->set_count_only(in.count_only);
  out->set_min_mod_revision(in.min_mod_revision);
  out->set_max_mod_revision(in.max_mod_revision);
  out->set_min_create_revision(in.min_create_revision);
  out->set_max_create_revision(in.max_create_revision);
}

void ToPb(const PutRequest& in, etcdserverpb::PutRequest* out) {
  out->set_key(in.key);
  out->set_value(in.value);
  out->set_lease(in.lease);
  out->set_prev_kv(in.prev_kv);
  out->set_ignore_value(in.ignore_value);
  out->set_ignore_lease(in.ignore_lease);
}

void ToPb(const DeleteRangeRequest& in, etcdserverpb::DeleteRangeRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_prev_kv(in.prev_kv);
}

void ToPb(const Compare& in, etcdserverpb::Compare* out) {
  out->set_result(static_cast<etcdserverpb::Compare::CompareResult>(in.result));
  out->set_target(static_cast<etcdserverpb::Compare::CompareTarget>(in.target));
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  switch (in.target) {
    case Compare::Target::kVersion: out->set_version(in.number); break;
    case Compare::Target::kCreate: out->set_create_revision(in.number); break;
    case Compare::Target::kMod: out->set_mod_revision(in.number); break;
    case Compare::Target::kLease: out->set_lease(in.number); break;
    case Compare::Target::kValue: out->set_value(in.value); break;
  }
}

namespace {

void OpsToPb(const std::vector<RequestOp>& ops,
             google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* out) {
  for (const auto& op : ops) {
    etcdserverpb::RequestOp* o = out->Add();
    std::visit(
        [o](const auto& req) {
          using T = std::decay_t<decltype(req)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            ToPb(req, o->mutable_request_range());
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            ToPb(req, o->mutable_request_put());
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            ToPb(req, o->mutable_request_delete_range());
          } else {
            ToPb(*req, o->mutable_request_txn());
          }
        },
        op);
  }
}

}  // namespace

void ToPb(const TxnRequest& in, etcdserverpb::TxnRequest* out) {
  for (const auto& c : in.compare) ToPb(c, out->add_compare());
  OpsToPb(in.success, out->mutable_success());
  OpsToPb(in.failure, out->mutable_failure());
}

void ToPb(const KeyValue& in, mvccpb::KeyValue* out) {
  out->set_key(in.key);
  out->set_create_revision(in.create_revision);
  out->set_mod_revision(in.mod_revision);
  out->set_version(in.version);
  out->set_value(in.value);
  out->set_lease(in.lease);
}

void ToPb(const Event& in, mvccpb::Event* out) {
  out->set_type(in.type == Event::Type::kPut ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
  ToPb(in.kv, out->mutable_kv());
  if (in.prev_kv) ToPb(*in.prev_kv, out->mutable_prev_kv());
}

void ToPb(const RangeResponse& in, etcdserverpb::RangeResponse* out) {
  for (const auto& kv : in.kvs) ToPb(kv, out->add_kvs());
  out->set_more(in.more);
  out->set_count(in.count);
}

void ToPb(const PutResponse& in, etcdserverpb::PutResponse* out) {
  if (in.prev_kv) ToPb(*in.prev_kv, out->mutable_prev_kv());
}

void ToPb(const DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out) {
  out->set_deleted(in.deleted);
  for (const auto& kv : in.prev_kvs) ToPb(kv, out->add_prev_kvs());
}

void ToPb(const TxnResponse& in, etcdserverpb::TxnResponse* out) {
  out->set_succeeded(in.succeeded);
  for (const auto& r : in.responses) {
    etcdserverpb::ResponseOp* op = out->add_responses();
    std::visit(
        [op](const auto& resp) {
          using T = std::decay_t<decltype(resp)>;
          // As etcd, an operation's header holds only the revision it saw
          // or wrote (a read before the transaction's first write sees the
          // one before it).
          if constexpr (std::is_same_v<T, RangeResponse>) {
            ToPb(resp, op->mutable_response_range());
            op->mutable_response_range()->mutable_header()->set_revision(resp.revision);
          } else if constexpr (std::is_same_v<T, PutResponse>) {
            ToPb(resp, op->mutable_response_put());
            op->mutable_response_put()->mutable_header()->set_revision(resp.revision);
          } else if constexpr (std::is_same_v<T, DeleteRangeResponse>) {
            ToPb(resp, op->mutable_response_delete_range());
            op->mutable_response_delete_range()->mutable_header()->set_revision(resp.revision);
          } else {
            ToPb(*resp, op->mutable_response_txn());
          }
        },
        r);
  }
}

KeyValue FromPb(const mvccpb::KeyValue& in) {
  KeyValue kv;
  kv.key = in.key();
  kv.value = in.value();
  kv.create_revision = in.create_revision();
  kv.mod_revision = in.mod_revision();
  kv.version = in.version();
  kv.lease = in.lease();
  return kv;
}

Event FromPb(const mvccpb::Event& in) {
  Event e;
  e.type = in.type() == mvccpb::Event::DELETE ? Event::Type::kDelete : Event::Type::kPut;
  e.kv = FromPb(in.kv());
  if (in.has_prev_kv()) e.prev_kv = FromPb(in.prev_kv());
  return e;
}

RangeResponse FromPb(const etcdserverpb::RangeResponse& in) {
  RangeResponse r;
  r.kvs.reserve(in.kvs_size());
  for (const auto& kv : in.kvs()) r.kvs.push_back(FromPb(kv));
  r.more = in.more();
  r.count = in.count();
  r.revision = in.header().revision();
  return r;
}

TxnResponse FromPb(const etcdserverpb::TxnResponse& in) {
  TxnResponse t;
  t.succeeded = in.succeeded();
  t.revision = in.header().revision();
  for (const auto& op : in.responses()) {
    switch (op.response_case()) {
      case etcdserverpb::ResponseOp::kResponseRange:
        t.responses.emplace_back(FromPb(op.response_range()));
        break;
      case etcdserverpb::ResponseOp::kResponsePut: {
        PutResponse p;
        if (op.response_put().has_prev_kv()) p.prev_kv = FromPb(op.response_put().prev_kv());
        p.revision = op.response_put().header().revision();
        t.responses.emplace_back(std::move(p));
        break;
      }
      case etcdserverpb::ResponseOp::kResponseDeleteRange: {
        DeleteRangeResponse d;
        d.deleted = op.response_delete_range().deleted();
        for (const auto& kv : op.response_delete_range().prev_kvs()) d.prev_kvs.push_back(FromPb(kv));
        d.revision = op.response_delete_range().header().revision();
        t.responses.emplace_back(std::move(d));
        break;
      }
      case etcdserverpb::ResponseOp::kResponseTxn:
        t.responses.emplace_back(std::make_shared<const TxnResponse>(FromPb(op.response_txn())));
        break;
      default:
        break;
    }
  }
  return t;
}

}  // namespace etcfs::kv
