#include "ctl/kv_requests.h"

#include <cstdio>
#include <map>

#include "base/key_range.h"
#include "ctl/connection.h"

namespace etcfs::ctl {

void RangeArgs::Add(CLI::App* cmd) {
  cmd->add_option("key", key, "The key (or the start of the range)")->required();
  cmd->add_option("range_end", range_end, "The end of the range [key, range_end)");
  cmd->add_flag("--prefix", prefix, "Every key starting with the key");
  cmd->add_flag("--from-key", from_key, "Every key from the key on (byte order)");
}

std::string RangeArgs::End() const {
  if (prefix && from_key) Fail(kExitBadArgs, "--prefix and --from-key exclude each other; choose one");
  if ((prefix || from_key) && !range_end.empty()) {
    Fail(kExitBadArgs, "a range end and --prefix or --from-key exclude each other; choose one");
  }
  if (prefix) return PrefixEnd(key);
  if (from_key) return std::string(1, '\0');
  return range_end;
}

int64_t ParseLease(const std::string& hex) {
  if (hex.empty() || hex == "0") return 0;
  return static_cast<int64_t>(ParseHexId(hex, "lease"));
}

void GetFlags::Add(CLI::App* cmd) {
  range.Add(cmd);
  cmd->add_option("--consistency", consistency, "Linearizable (l) or serializable (s)")->capture_default_str();
  cmd->add_option("--order", order, "ASCEND or DESCEND")->check(CLI::IsMember({"ASCEND", "DESCEND"}));
  cmd->add_option("--sort-by", sort_by, "CREATE, KEY, MODIFY, VALUE or VERSION")
      ->check(CLI::IsMember({"CREATE", "KEY", "MODIFY", "VALUE", "VERSION"}));
  cmd->add_option("--limit", limit, "At most this many keys");
  cmd->add_option("--rev", rev, "As of this revision");
  cmd->add_flag("--keys-only", keys_only, "Keys without their values");
  cmd->add_flag("--count-only", count_only, "Only how many keys there are");
  cmd->add_flag("--print-value-only", print_value_only, "Values without their keys (simple output)");
}

etcdserverpb::RangeRequest GetFlags::Build() const {
  if (consistency != "l" && consistency != "s") {
    Fail(kExitBadFeature, "unknown consistency flag \"" + consistency + "\" (l: linearizable, s: serializable)");
  }
  etcdserverpb::RangeRequest req;
  req.set_key(range.Key());
  req.set_range_end(range.End());
  req.set_serializable(consistency == "s");
  req.set_limit(limit);
  req.set_revision(rev);
  req.set_keys_only(keys_only);
  req.set_count_only(count_only);
  static const std::map<std::string, etcdserverpb::RangeRequest::SortTarget> targets = {
      {"CREATE", etcdserverpb::RangeRequest::CREATE}, {"KEY", etcdserverpb::RangeRequest::KEY},
      {"MODIFY", etcdserverpb::RangeRequest::MOD},    {"VALUE", etcdserverpb::RangeRequest::VALUE},
      {"VERSION", etcdserverpb::RangeRequest::VERSION}};
  if (!sort_by.empty()) {
    req.set_sort_target(targets.at(sort_by));
    req.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  }
  if (order == "ASCEND") req.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  if (order == "DESCEND") req.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  return req;
}

void GetFlags::Print(Format format, const etcdserverpb::RangeResponse& resp) const {
  if (format == Format::kJson) return PrintJson(resp);
  if (format == Format::kTable) {
    Table t({"KEY", "VALUE", "CREATE REVISION", "MOD REVISION", "VERSION", "LEASE"});
    for (const auto& kv : resp.kvs()) {
      t.Row({kv.key(), kv.value(), std::to_string(kv.create_revision()), std::to_string(kv.mod_revision()),
             std::to_string(kv.version()), HexId(static_cast<uint64_t>(kv.lease()))});
    }
    std::fputs(t.Render().c_str(), stdout);
    return;
  }
  if (count_only) {
    std::printf("%lld\n", static_cast<long long>(resp.count()));
    return;
  }
  for (const auto& kv : resp.kvs()) PrintKv(kv, print_value_only);
}

void PutFlags::Add(CLI::App* cmd, bool value_required) {
  cmd->add_option("key", key, "The key")->required();
  auto* v = cmd->add_option("value", value, value_required ? "The value" : "The value (standard input when not given)");
  if (value_required) v->required();
  cmd->add_option("--lease", lease, "The lease ID (hexadecimal) to attach the key to");
  cmd->add_flag("--prev-kv", prev_kv, "Also print the key-value as it was before");
  cmd->add_flag("--ignore-value", ignore_value, "Keep the current value");
  cmd->add_flag("--ignore-lease", ignore_lease, "Keep the current lease");
}

etcdserverpb::PutRequest PutFlags::Build() const {
  if (value_given && ignore_value) Fail(kExitBadArgs, "a value and --ignore-value exclude each other");
  etcdserverpb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  req.set_lease(ParseLease(lease));
  req.set_prev_kv(prev_kv);
  req.set_ignore_value(ignore_value);
  req.set_ignore_lease(ignore_lease);
  return req;
}

void PutFlags::Print(Format format, const etcdserverpb::PutResponse& resp) const {
  if (format == Format::kJson) return PrintJson(resp);
  std::printf("OK\n");
  if (prev_kv && resp.has_prev_kv()) PrintKv(resp.prev_kv());
}

void DelFlags::Add(CLI::App* cmd) {
  range.Add(cmd);
  cmd->add_flag("--prev-kv", prev_kv, "Also print the deleted key-values");
}

etcdserverpb::DeleteRangeRequest DelFlags::Build() const {
  etcdserverpb::DeleteRangeRequest req;
  req.set_key(range.Key());
  req.set_range_end(range.End());
  req.set_prev_kv(prev_kv);
  return req;
}

void DelFlags::Print(Format format, const etcdserverpb::DeleteRangeResponse& resp) const {
  if (format == Format::kJson) return PrintJson(resp);
  std::printf("%lld\n", static_cast<long long>(resp.deleted()));
  for (const auto& kv : resp.prev_kvs()) PrintKv(kv);
}

}  // namespace etcfs::ctl
