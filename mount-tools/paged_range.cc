#include "mount-tools/paged_range.h"


#include "client/endpoints.h"
#include "kv/api_convert.h"

namespace etcfs::mount_tools {

namespace {

constexpr int64_t kPageSize = 1000;

}  // namespace

Result<kv::RangeResponse> RangeInPages(etcdserverpb::KV::Stub* kv, kv::RangeRequest req,
                                          std::chrono::milliseconds timeout, std::string_view what) {
  kv::RangeResponse out;
  const bool paged = req.limit == 0 && !req.count_only;
  if (paged) req.limit = kPageSize;
  for (bool first = true;; first = false) {
    etcdserverpb::RangeRequest pb;
    kv::ToPb(req, &pb);
    pb.set_serializable(true);
    etcdserverpb::RangeResponse resp;
    const auto deadline = std::chrono::system_clock::now() + timeout;
    const grpc::Status st = client::RetryUnavailable(deadline, [&] {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      ctx.set_wait_for_ready(true);
      return kv->Range(&ctx, pb, &resp);
    });
    ETCFS_RETURN_IF_ERROR(client::FromGrpc(st, what));
    kv::RangeResponse r = kv::FromPb(resp);
    if (first) {
      out.revision = r.revision;
      out.count = r.count;
      if (req.revision <= 0) req.revision = r.revision;  // the rest at the first page's revision
    }
    for (auto& k : r.kvs) out.kvs.push_back(std::move(k));
    if (!paged || !r.more || out.kvs.empty()) {
      out.more = paged ? false : r.more;
      return out;
    }
    req.key = out.kvs.back().key + '\0';
  }
}

}  // namespace etcfs::mount_tools
