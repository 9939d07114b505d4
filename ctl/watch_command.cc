#include "ctl/watch_command.h"

#include <cstdio>

#include "ctl/json_output.h"
#include "ctl/kv_requests.h"
#include "ctl/output.h"

namespace etcfs::ctl {

void AddWatch(CLI::App* app, const GlobalOptions* g) {
  struct Flags {
    RangeArgs range;
    int64_t rev = 0;
    bool prev_kv = false, progress_notify = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app->add_subcommand("watch", "Watches a key or a range of keys until interrupted");
  f->range.Add(cmd);
  cmd->add_option("--rev", f->rev, "Start from this revision (history included)");
  cmd->add_flag("--prev-kv", f->prev_kv, "Also print each key-value as it was before the event");
  cmd->add_flag("--progress-notify", f->progress_notify, "Ask for periodic progress notifications");
  cmd->callback([f, g] {
    const Format format = ParseFormat(g->write_out);
    if (format == Format::kTable) NoTable("watch");
    etcdserverpb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(f->range.Key());
    create->set_range_end(f->range.End());
    create->set_start_revision(f->rev);
    create->set_prev_kv(f->prev_kv);
    create->set_progress_notify(f->progress_notify);
    Connection c(*g);
    grpc::ClientContext ctx;  // a stream: no deadline
    auto stream = c.watch().Watch(&ctx);
    if (!stream->Write(req)) {
      FailCall(stream->Finish(), c.endpoint_list());
    }
    etcdserverpb::WatchResponse resp;
    while (stream->Read(&resp)) {
      if (resp.canceled()) {
        Fail(kExitError, resp.cancel_reason().empty()
                             ? "the watch was cancelled (compacted revision " + std::to_string(resp.compact_revision()) + ")"
                             : resp.cancel_reason());
      }
      if (resp.created() && resp.events_size() == 0) continue;
      if (format == Format::kJson) {
        // etcdctl prints its Go client's WatchResponse, Go's field names.
        std::string events;
        for (const auto& e : resp.events()) events += (events.empty() ? "" : ",") + ToJson(e);
        std::printf("{\"Header\":%s,\"Events\":%s,\"CompactRevision\":%lld,\"Canceled\":%s,\"Created\":%s}\n",
                    ToJson(resp.header()).c_str(), events.empty() ? "null" : ("[" + events + "]").c_str(),
                    static_cast<long long>(resp.compact_revision()), resp.canceled() ? "true" : "false",
                    resp.created() ? "true" : "false");
      } else {
        for (const auto& e : resp.events()) {
          std::printf("%s\n", e.type() == mvccpb::Event::DELETE ? "DELETE" : "PUT");
          if (e.has_prev_kv()) PrintKv(e.prev_kv());
          PrintKv(e.kv());
        }
      }
      std::fflush(stdout);
    }
    if (grpc::Status st = stream->Finish(); !st.ok()) FailCall(st, c.endpoint_list());
  });
}

}  // namespace etcfs::ctl
