#include "tests/cluster/kv_workload.h"

#include <unistd.h>

#include <random>
#include <unordered_map>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "tests/cluster/file_ops.h"

namespace etcfs::testing {

struct KvWorkload::Client {
  int id = 0;
  bool files = false;  // works through the mounts
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kv;  // one per endpoint
  std::mt19937_64 rng;
  std::unordered_map<int64_t, std::optional<std::string>> last_seen;  // per key, for the next CAS
  uint64_t seq = 0;
};

namespace {

std::shared_ptr<grpc::Channel> Dial(const std::string& endpoint) {
  grpc::ChannelArguments args;
  // A member comes back within a second or two of a restart: find it then.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

// A call that failed before it left this process (the channel had no
// connection to try): it took no effect, and is no operation at all.
bool NeverSent(const grpc::Status& st) {
  return st.error_code() == grpc::StatusCode::UNAVAILABLE &&
         st.error_message().find("failed to connect to all addresses") != std::string::npos;
}

}  // namespace

KvWorkload::KvWorkload(std::vector<std::string> endpoints, WorkloadOptions options)
    : endpoints_(std::move(endpoints)), options_(options) {
  for (int i = 0; i < options_.clients; ++i) {
    auto c = std::make_unique<Client>();
    c->id = i;
    c->files = !options_.mounts.empty() && i < options_.file_clients;
    for (const auto& ep : endpoints_) c->kv.push_back(etcdserverpb::KV::NewStub(Dial(ep)));
    c->rng.seed(options_.seed * 1000003 + static_cast<uint64_t>(i));
    clients_.push_back(std::move(c));
  }
}

KvWorkload::~KvWorkload() = default;

int64_t KvWorkload::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - epoch_).count();
}

KvOp KvWorkload::Do(Client& c, int endpoint, KvOp op) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options_.op_timeout);
  auto& kv = *c.kv[static_cast<size_t>(endpoint)];
  grpc::Status st;
  op.client = c.id;
  op.call_ns = Now();
  switch (op.kind) {
    case KvOp::Kind::kGet: {
      etcdserverpb::RangeRequest req;
      req.set_key(op.key);
      etcdserverpb::RangeResponse resp;
      st = kv.Range(&ctx, req, &resp);
      if (st.ok() && resp.kvs_size() > 0) op.got = resp.kvs(0).value();
      break;
    }
    case KvOp::Kind::kPut: {
      etcdserverpb::PutRequest req;
      req.set_key(op.key);
      req.set_value(op.value);
      etcdserverpb::PutResponse resp;
      st = kv.Put(&ctx, req, &resp);
      break;
    }
    case KvOp::Kind::kDelete: {
      etcdserverpb::DeleteRangeRequest req;
      req.set_key(op.key);
      etcdserverpb::DeleteRangeResponse resp;
      st = kv.DeleteRange(&ctx, req, &resp);
      op.succeeded = resp.deleted() > 0;
      break;
    }
    case KvOp::Kind::kCas: {
      etcdserverpb::TxnRequest req;
      auto* cmp = req.add_compare();
      cmp->set_key(op.key);
      if (op.expect) {
        cmp->set_target(etcdserverpb::Compare::VALUE);
        cmp->set_result(etcdserverpb::Compare::EQUAL);
        cmp->set_value(*op.expect);
      } else {  // absent: never created
        cmp->set_target(etcdserverpb::Compare::CREATE);
        cmp->set_result(etcdserverpb::Compare::EQUAL);
        cmp->set_create_revision(0);
      }
      auto* put = req.add_success()->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      etcdserverpb::TxnResponse resp;
      st = kv.Txn(&ctx, req, &resp);
      op.succeeded = resp.succeeded();
      break;
    }
  }
  if (!st.ok()) op.error = std::to_string(static_cast<int>(st.error_code())) + " " + st.error_message();
  return Finish(std::move(op), st.ok(), !st.ok() && NeverSent(st));
}

KvOp KvWorkload::Finish(KvOp op, bool known, bool not_sent) {
  op.return_ns = known ? Now() : KvOp::kUnknown;
  if (not_sent) {
    op.not_sent = true;
    ++not_sent_;
  } else {
    (known ? completed_ : unknown_)++;
  }
  return op;
}

KvOp KvWorkload::DoFile(Client& c, int endpoint, KvOp op) {
  const std::string path = op.key.substr(1);  // the mount shows prefix "/"
  op.client = c.id;
  op.call_ns = Now();
  const int root = OpenMountRoot(options_.mounts[static_cast<size_t>(endpoint)]);
  if (root < 0) return Finish(std::move(op), false, true);  // not mounted now: nothing was tried
  FileOutcome outcome = FileOutcome::kUnknown;
  switch (op.kind) {
    case KvOp::Kind::kGet: outcome = ReadKeyFile(root, path, &op.got); break;
    case KvOp::Kind::kPut: outcome = WriteKeyFile(root, path, "lin/.tmp-c" + std::to_string(c.id), op.value); break;
    case KvOp::Kind::kDelete: outcome = UnlinkKeyFile(root, path, &op.succeeded); break;
    case KvOp::Kind::kCas: break;  // no file operation compares and swaps
  }
  ::close(root);
  ++file_ops_;
  return Finish(std::move(op), outcome == FileOutcome::kDone, outcome == FileOutcome::kNoEffect);
}

void KvWorkload::Run(std::chrono::steady_clock::time_point until) {
  // The keys' directory, /lin/, as a marker key (etcfs(5)): a file can only
  // be created in a directory that exists.
  for (size_t m = 0; !options_.mounts.empty() && std::chrono::steady_clock::now() < until; ++m) {
    const int root = OpenMountRoot(options_.mounts[m % options_.mounts.size()]);
    const bool made = root >= 0 && MakeDirectory(root, "lin");
    if (root >= 0) ::close(root);
    if (made) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<std::thread> threads;
  for (auto& cp : clients_) {
    Client* c = cp.get();
    threads.emplace_back([this, c, until] {
      std::vector<KvOp> mine;
      while (std::chrono::steady_clock::now() < until) {
        const int64_t window = Now() / (std::chrono::duration_cast<std::chrono::nanoseconds>(options_.rotate).count());
        const int64_t k = window * options_.keys + static_cast<int64_t>(c->rng() % static_cast<uint64_t>(options_.keys));
        for (int64_t used = keys_used_; used < k + 1 && !keys_used_.compare_exchange_weak(used, k + 1);) {
        }
        const int endpoint = static_cast<int>(c->rng() % endpoints_.size());
        KvOp op;
        op.key = "/lin/k" + std::to_string(k);
        op.value = "c" + std::to_string(c->id) + "." + std::to_string(++c->seq);
        const int dice = static_cast<int>(c->rng() % 100);
        op.kind = dice < 40 ? KvOp::Kind::kGet : dice < 70 ? KvOp::Kind::kPut
                : dice < 80 || (c->files && dice < 90) ? KvOp::Kind::kDelete
                : c->files ? KvOp::Kind::kGet : KvOp::Kind::kCas;
        if (op.kind == KvOp::Kind::kCas) op.expect = c->last_seen[k];
        KvOp done = c->files ? DoFile(*c, endpoint, std::move(op)) : Do(*c, endpoint, std::move(op));
        if (!done.known()) {
          // A member down answers at once: pause rather than fill the history.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          if (done.not_sent) continue;
        }
        if (done.known()) {
          if (done.kind == KvOp::Kind::kGet) c->last_seen[k] = done.got;
          if (done.kind == KvOp::Kind::kPut || (done.kind == KvOp::Kind::kCas && done.succeeded)) {
            c->last_seen[k] = done.value;
          }
        }
        mine.push_back(std::move(done));
      }
      std::lock_guard<std::mutex> lock(mu_);
      history_.insert(history_.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
}

std::string KvWorkload::FinalReads(std::chrono::steady_clock::time_point deadline) {
  Client& c = *clients_.front();
  for (int64_t k = 0; k < keys_used_; ++k) {
    for (size_t e = 0; e < endpoints_.size(); ++e) {
      for (;;) {
        KvOp op;
        op.kind = KvOp::Kind::kGet;
        op.key = "/lin/k" + std::to_string(k);
        KvOp done = Do(c, static_cast<int>(e), std::move(op));
        if (done.known()) {
          std::lock_guard<std::mutex> lock(mu_);
          history_.push_back(std::move(done));
          break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
          return "member " + std::to_string(e + 1) + " (" + endpoints_[e] + ") never answered; last error: gRPC code " +
                 done.error;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  return "";
}

std::vector<KvOp> KvWorkload::History() const {
  std::lock_guard<std::mutex> lock(mu_);
  return history_;
}

}  // namespace etcfs::testing
