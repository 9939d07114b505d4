#include "mount-tools/companion_txn.h"

#include <memory>
#include <optional>
#include <variant>

#include "base/key_range.h"

namespace etcfs::mount_tools {

namespace {

// The companion operation for `op`, if it has one.
std::optional<kv::RequestOp> CompanionOf(const kv::RequestOp& op, const AttrKeys& keys, int64_t now_ns) {
  if (const auto* put = std::get_if<kv::PutRequest>(&op)) {
    if (!put->attr || !keys.Covers(put->key)) return std::nullopt;
    kv::FileAttr attr = *put->attr;
    if (attr.mtime_ns == 0) attr.mtime_ns = now_ns;
    if (attr.atime_ns == kv::kAtimeOfEntry) attr.atime_ns = now_ns;
    kv::PutRequest c;
    c.key = keys.AttrKeyOf(put->key);
    c.value = EncodeAttr(attr);
    return c;
  }
  if (const auto* del = std::get_if<kv::DeleteRangeRequest>(&op)) {
    if (!keys.Covers(del->key)) return std::nullopt;
    kv::DeleteRangeRequest c;
    c.key = keys.AttrKeyOf(del->key);
    if (!del->range_end.empty()) {
      c.range_end = keys.Covers(del->range_end) ? keys.AttrKeyOf(del->range_end) : PrefixEnd(keys.attr_prefix());
    }
    return c;
  }
  return std::nullopt;
}

std::vector<kv::RequestOp> Expand(const std::vector<kv::RequestOp>& ops, const AttrKeys& keys,
                                     int64_t now_ns) {
  std::vector<kv::RequestOp> out;
  out.reserve(ops.size() * kCompanionOpsFactor);
  for (const auto& op : ops) {
    if (const auto* nested = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
      out.emplace_back(std::make_shared<const kv::TxnRequest>(WithCompanions(**nested, keys, now_ns)));
      continue;
    }
    out.push_back(op);
    if (auto c = CompanionOf(op, keys, now_ns)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace

kv::TxnRequest WithCompanions(const kv::TxnRequest& txn, const AttrKeys& keys, int64_t now_ns) {
  kv::TxnRequest out;
  out.compare = txn.compare;
  out.success = Expand(txn.success, keys, now_ns);
  out.failure = Expand(txn.failure, keys, now_ns);
  return out;
}

kv::TxnResponse WithoutCompanions(kv::TxnResponse resp, const kv::TxnRequest& txn, const AttrKeys& keys) {
  const std::vector<kv::RequestOp>& ops = resp.succeeded ? txn.success : txn.failure;
  std::vector<kv::ResponseOp> out;
  out.reserve(ops.size());
  size_t i = 0;
  for (const auto& op : ops) {
    if (i >= resp.responses.size()) break;  // a short answer: give back what there is
    kv::ResponseOp r = std::move(resp.responses[i++]);
    if (const auto* nested = std::get_if<std::shared_ptr<const kv::TxnRequest>>(&op)) {
      if (auto* nr = std::get_if<std::shared_ptr<const kv::TxnResponse>>(&r)) {
        r = std::make_shared<const kv::TxnResponse>(WithoutCompanions(**nr, **nested, keys));
      }
    } else if (CompanionOf(op, keys, 0)) {
      ++i;
    }
    out.push_back(std::move(r));
  }
  resp.responses = std::move(out);
  return resp;
}

}  // namespace etcfs::mount_tools
