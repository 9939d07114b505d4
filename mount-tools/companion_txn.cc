#include "mount-tools/companion_txn.h"

#include <memory>
#include <optional>
#include <variant>

#include "base/key_range.h"

namespace etcfs::mount_tools {

namespace {

// The companion operation for `op`, if it has one.
std::optional<store::RequestOp> CompanionOf(const store::RequestOp& op, const AttrKeys& keys, int64_t now_ns) {
  if (const auto* put = std::get_if<store::PutRequest>(&op)) {
    if (!put->attr || !keys.Covers(put->key)) return std::nullopt;
    store::FileAttr attr = *put->attr;
    if (attr.mtime_ns == 0) attr.mtime_ns = now_ns;
    store::PutRequest c;
    c.key = keys.AttrKeyOf(put->key);
    c.value = EncodeAttr(attr);
    return c;
  }
  if (const auto* del = std::get_if<store::DeleteRangeRequest>(&op)) {
    if (!keys.Covers(del->key)) return std::nullopt;
    store::DeleteRangeRequest c;
    c.key = keys.AttrKeyOf(del->key);
    if (!del->range_end.empty()) {
      c.range_end = keys.Covers(del->range_end) ? keys.AttrKeyOf(del->range_end) : PrefixEnd(keys.attr_prefix());
    }
    return c;
  }
  return std::nullopt;
}

std::vector<store::RequestOp> Expand(const std::vector<store::RequestOp>& ops, const AttrKeys& keys,
                                     int64_t now_ns) {
  std::vector<store::RequestOp> out;
  out.reserve(ops.size() * kCompanionOpsFactor);
  for (const auto& op : ops) {
    if (const auto* nested = std::get_if<std::shared_ptr<const store::TxnRequest>>(&op)) {
      out.emplace_back(std::make_shared<const store::TxnRequest>(WithCompanions(**nested, keys, now_ns)));
      continue;
    }
    out.push_back(op);
    if (auto c = CompanionOf(op, keys, now_ns)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace

store::TxnRequest WithCompanions(const store::TxnRequest& txn, const AttrKeys& keys, int64_t now_ns) {
  store::TxnRequest out;
  out.compare = txn.compare;
  out.success = Expand(txn.success, keys, now_ns);
  out.failure = Expand(txn.failure, keys, now_ns);
  return out;
}

store::TxnResponse WithoutCompanions(store::TxnResponse resp, const store::TxnRequest& txn, const AttrKeys& keys) {
  const std::vector<store::RequestOp>& ops = resp.succeeded ? txn.success : txn.failure;
  std::vector<store::ResponseOp> out;
  out.reserve(ops.size());
  size_t i = 0;
  for (const auto& op : ops) {
    if (i >= resp.responses.size()) break;  // a short answer: give back what there is
    store::ResponseOp r = std::move(resp.responses[i++]);
    if (const auto* nested = std::get_if<std::shared_ptr<const store::TxnRequest>>(&op)) {
      if (auto* nr = std::get_if<std::shared_ptr<const store::TxnResponse>>(&r)) {
        r = std::make_shared<const store::TxnResponse>(WithoutCompanions(**nr, **nested, keys));
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
