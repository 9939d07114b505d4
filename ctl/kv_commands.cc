#include "ctl/kv_commands.h"

#include <iostream>
#include <iterator>

#include "ctl/kv_requests.h"
#include "ctl/txn_command.h"

namespace etcfs::ctl {

namespace {

void AddGet(CLI::App* app, const GlobalOptions* g) {
  auto f = std::make_shared<GetFlags>();
  CLI::App* cmd = app->add_subcommand("get", "Gets the key or a range of keys");
  f->Add(cmd);
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    const etcdserverpb::RangeRequest req = f->Build();
    Connection c(*g);
    etcdserverpb::RangeResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Range(ctx, req, &resp); });
    f->Print(format, resp);
  });
}

void AddPut(CLI::App* app, const GlobalOptions* g) {
  auto f = std::make_shared<PutFlags>();
  CLI::App* cmd = app->add_subcommand("put", "Puts the given key into the store (the value from stdin when not given)");
  f->Add(cmd, false);
  cmd->callback([f, g, cmd] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("put");
    f->value_given = cmd->get_option("value")->count() > 0;
    if (!f->value_given && !f->ignore_value) {
      f->value.assign(std::istreambuf_iterator<char>(std::cin), {});
      if (f->value.empty()) Fail(kExitBadArgs, "put needs a value: as its second argument, or on standard input");
    }
    const etcdserverpb::PutRequest req = f->Build();
    Connection c(*g);
    etcdserverpb::PutResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Put(ctx, req, &resp); });
    f->Print(format, resp);
  });
}

void AddDel(CLI::App* app, const GlobalOptions* g) {
  auto f = std::make_shared<DelFlags>();
  CLI::App* cmd = app->add_subcommand("del", "Removes the key or a range of keys");
  f->Add(cmd);
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("del");
    const etcdserverpb::DeleteRangeRequest req = f->Build();
    Connection c(*g);
    etcdserverpb::DeleteRangeResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().DeleteRange(ctx, req, &resp); });
    f->Print(format, resp);
  });
}

void AddCompaction(CLI::App* app, const GlobalOptions* g) {
  auto rev = std::make_shared<int64_t>(0);
  auto physical = std::make_shared<bool>(false);
  CLI::App* cmd = app->add_subcommand("compaction", "Compacts the event history up to the given revision");
  cmd->add_option("revision", *rev, "Drop the history before this revision")->required();
  cmd->add_flag("--physical", *physical, "Answer only once the compaction is done on disk");
  cmd->callback([rev, physical, g] {
    etcdserverpb::CompactionRequest req;
    req.set_revision(*rev);
    req.set_physical(*physical);
    Connection c(*g);
    etcdserverpb::CompactionResponse resp;
    c.Unary([&](grpc::ClientContext* ctx) { return c.kv().Compact(ctx, req, &resp); });
    std::printf("compacted revision %lld\n", static_cast<long long>(*rev));  // in every format, as etcdctl
  });
}

}  // namespace

void AddKvCommands(CLI::App* app, const GlobalOptions* global) {
  AddGet(app, global);
  AddPut(app, global);
  AddDel(app, global);
  AddTxn(app, global);
  AddCompaction(app, global);
}

}  // namespace etcfs::ctl
