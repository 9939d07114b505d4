#include "ctl/kv_commands.h"

#include <cstdio>
#include <iostream>
#include <iterator>

#include "base/key_range.h"
#include "ctl/output.h"

namespace etcfs::ctl {

namespace {

// The range a key argument names, as etcdctl reads it.
struct RangeArgs {
  std::string key, range_end;
  bool prefix = false, from_key = false;

  void Add(CLI::App* cmd) {
    cmd->add_option("key", key, "The key (or the start of the range)")->required();
    cmd->add_option("range_end", range_end, "The end of the range [key, range_end)");
    cmd->add_flag("--prefix", prefix, "Every key starting with the key");
    cmd->add_flag("--from-key", from_key, "Every key from the key on (byte order)");
  }
  std::string End() const {
    if (prefix && from_key) Fail(kExitBadArgs, "--prefix and --from-key exclude each other; choose one");
    if ((prefix || from_key) && !range_end.empty()) {
      Fail(kExitBadArgs, "a range end and --prefix or --from-key exclude each other; choose one");
    }
    if (prefix) return PrefixEnd(key);
    if (from_key) return std::string(1, '\0');
    return range_end;
  }
};

int64_t ParseLease(const std::string& hex) {
  if (hex.empty() || hex == "0") return 0;
  size_t used = 0;
  uint64_t id = 0;
  try {
    id = std::stoull(hex, &used, 16);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != hex.size()) Fail(kExitBadArgs, "bad lease ID '" + hex + "': a lease ID is hexadecimal, as `lease grant` prints it");
  return static_cast<int64_t>(id);
}

void AddGet(CLI::App* app, const GlobalOptions* g) {
  struct Flags {
    RangeArgs range;
    std::string consistency = "l", order, sort_by;
    int64_t limit = 0, rev = 0;
    bool keys_only = false, count_only = false, print_value_only = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app->add_subcommand("get", "Gets the key or a range of keys");
  f->range.Add(cmd);
  cmd->add_option("--consistency", f->consistency, "Linearizable (l) or serializable (s)")->capture_default_str();
  cmd->add_option("--order", f->order, "ASCEND or DESCEND")->check(CLI::IsMember({"ASCEND", "DESCEND"}));
  cmd->add_option("--sort-by", f->sort_by, "CREATE, KEY, MODIFY, VALUE or VERSION")
      ->check(CLI::IsMember({"CREATE", "KEY", "MODIFY", "VALUE", "VERSION"}));
  cmd->add_option("--limit", f->limit, "At most this many keys");
  cmd->add_option("--rev", f->rev, "As of this revision");
  cmd->add_flag("--keys-only", f->keys_only, "Keys without their values");
  cmd->add_flag("--count-only", f->count_only, "Only how many keys there are");
  cmd->add_flag("--print-value-only", f->print_value_only, "Values without their keys (simple output)");
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    if (f->consistency != "l" && f->consistency != "s") {
      Fail(kExitBadFeature, "unknown consistency flag \"" + f->consistency + "\" (l: linearizable, s: serializable)");
    }
    etcdserverpb::RangeRequest req;
    req.set_key(f->range.key);
    req.set_range_end(f->range.End());
    req.set_serializable(f->consistency == "s");
    req.set_limit(f->limit);
    req.set_revision(f->rev);
    req.set_keys_only(f->keys_only);
    req.set_count_only(f->count_only);
    static const std::map<std::string, etcdserverpb::RangeRequest::SortTarget> targets = {
        {"CREATE", etcdserverpb::RangeRequest::CREATE}, {"KEY", etcdserverpb::RangeRequest::KEY},
        {"MODIFY", etcdserverpb::RangeRequest::MOD},    {"VALUE", etcdserverpb::RangeRequest::VALUE},
        {"VERSION", etcdserverpb::RangeRequest::VERSION}};
    if (!f->sort_by.empty()) {
      req.set_sort_target(targets.at(f->sort_by));
      req.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
    }
    if (f->order == "ASCEND") req.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
    if (f->order == "DESCEND") req.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
    Connection c(*g);
    etcdserverpb::RangeResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Range(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    if (format == Format::kTable) {
      Table t({"KEY", "VALUE", "CREATE REVISION", "MOD REVISION", "VERSION", "LEASE"});
      for (const auto& kv : resp.kvs()) {
        char lease[32];
        std::snprintf(lease, sizeof(lease), "%llx", static_cast<unsigned long long>(kv.lease()));
        t.Row({kv.key(), kv.value(), std::to_string(kv.create_revision()), std::to_string(kv.mod_revision()),
               std::to_string(kv.version()), kv.lease() ? lease : "0"});
      }
      std::fputs(t.Render().c_str(), stdout);
      return;
    }
    if (f->count_only) {
      std::printf("%lld\n", static_cast<long long>(resp.count()));
      return;
    }
    for (const auto& kv : resp.kvs()) PrintKv(kv, f->print_value_only);
  });
}

void AddPut(CLI::App* app, const GlobalOptions* g) {
  struct Flags {
    std::string key, value, lease;
    bool prev_kv = false, ignore_value = false, ignore_lease = false, value_given = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app->add_subcommand("put", "Puts the given key into the store (the value from stdin when not given)");
  cmd->add_option("key", f->key, "The key")->required();
  auto* value = cmd->add_option("value", f->value, "The value");
  cmd->add_option("--lease", f->lease, "The lease ID (hexadecimal) to attach the key to");
  cmd->add_flag("--prev-kv", f->prev_kv, "Also print the key-value as it was before");
  cmd->add_flag("--ignore-value", f->ignore_value, "Keep the current value");
  cmd->add_flag("--ignore-lease", f->ignore_lease, "Keep the current lease");
  cmd->callback([f, g, value] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("put");
    etcdserverpb::PutRequest req;
    req.set_key(f->key);
    if (value->count() > 0) {
      if (f->ignore_value) Fail(kExitInvalidInput, "a value and --ignore-value exclude each other");
      req.set_value(f->value);
    } else if (!f->ignore_value) {
      std::string in(std::istreambuf_iterator<char>(std::cin), {});
      if (in.empty()) Fail(kExitBadArgs, "put needs a value: as its second argument, or on standard input");
      req.set_value(std::move(in));
    }
    req.set_lease(ParseLease(f->lease));
    req.set_prev_kv(f->prev_kv);
    req.set_ignore_value(f->ignore_value);
    req.set_ignore_lease(f->ignore_lease);
    Connection c(*g);
    etcdserverpb::PutResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Put(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("OK\n");
    if (f->prev_kv && resp.has_prev_kv()) PrintKv(resp.prev_kv());
  });
}

void AddDel(CLI::App* app, const GlobalOptions* g) {
  struct Flags {
    RangeArgs range;
    bool prev_kv = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app->add_subcommand("del", "Removes the key or a range of keys");
  f->range.Add(cmd);
  cmd->add_flag("--prev-kv", f->prev_kv, "Also print the deleted key-values");
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("del");
    etcdserverpb::DeleteRangeRequest req;
    req.set_key(f->range.key);
    req.set_range_end(f->range.End());
    req.set_prev_kv(f->prev_kv);
    Connection c(*g);
    etcdserverpb::DeleteRangeResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().DeleteRange(ctx, req, &resp); });
    if (format == Format::kJson) return PrintJson(resp);
    std::printf("%lld\n", static_cast<long long>(resp.deleted()));
    for (const auto& kv : resp.prev_kvs()) PrintKv(kv);
  });
}

}  // namespace

void AddKvCommands(CLI::App* app, const GlobalOptions* global) {
  AddGet(app, global);
  AddPut(app, global);
  AddDel(app, global);
}

}  // namespace etcfs::ctl
