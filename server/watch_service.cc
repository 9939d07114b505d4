#include "server/watch_service.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/request_convert.h"
#include "server/watch_merge.h"
#include "store/watch_hub.h"

namespace etcfs::server {
namespace {

// Updates a stream may hold before the hub must replay from history instead.
constexpr size_t kStreamQueue = 1024;

// One Watch stream: its watches, and the queue its writer thread drains.
class WatchStream final : public store::WatchSink {
 public:
  WatchStream(Node* node,
              grpc::ServerReaderWriter<etcdserverpb::WatchResponse, etcdserverpb::WatchRequest>* stream)
      : node_(node), stream_(stream) {}

  // store::WatchSink: called with the hub's lock held; never blocks.
  bool Deliver(store::WatchUpdate&& u) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kStreamQueue && !u.canceled) return false;
    Push(Item{std::move(u), {}});
    return true;
  }

  void Send(etcdserverpb::WatchResponse resp) {
    std::lock_guard<std::mutex> lock(mu_);
    Push(Item{std::nullopt, std::move(resp)});
  }

  void Create(const etcdserverpb::WatchCreateRequest& req) {
    int64_t id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id = req.watch_id() != 0 ? req.watch_id() : next_id_;
      if (ids_.count(id)) {
        etcdserverpb::WatchResponse resp;
        Header(resp.mutable_header(), node_->store().CurrentRevision());
        resp.set_watch_id(id);
        resp.set_created(true);
        resp.set_canceled(true);
        resp.set_cancel_reason("etcdserver: duplicate watch ID provided on the WatchStream");
        Push(Item{std::nullopt, std::move(resp)});
        return;
      }
      next_id_ = std::max(next_id_, id + 1);
      ids_[id] = 0;  // reserved until the hub gives its id
      fragment_[id] = req.fragment();
    }
    // "created" goes out before any event of the watch.
    etcdserverpb::WatchResponse created;
    Header(created.mutable_header(), node_->store().CurrentRevision());
    created.set_watch_id(id);
    created.set_created(true);
    Send(std::move(created));
    store::WatchRequest wr = FromPb(req);
    wr.tag = id;  // updates name the stream's id: no window where they cannot be routed
    const store::WatchId hub_id = node_->store().watch_hub().Watch(wr, this);
    std::lock_guard<std::mutex> lock(mu_);
    ids_[id] = hub_id;
  }

  void Cancel(int64_t id) {
    store::WatchId hub_id = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = ids_.find(id);
      if (it == ids_.end()) return;
      hub_id = it->second;
      ids_.erase(it);
    }
    node_->store().watch_hub().Cancel(hub_id);
    etcdserverpb::WatchResponse resp;
    Header(resp.mutable_header(), node_->store().CurrentRevision());
    resp.set_watch_id(id);
    resp.set_canceled(true);
    Send(std::move(resp));
  }

  void Progress() {
    // As etcd 3.4: one response for the whole stream, with watch id -1, and
    // only when every watcher is synced. Its revision is the one up to which
    // events were already queued to this stream, so it never overtakes them
    // (the store's current revision may not have been delivered yet).
    std::vector<store::WatchId> hub_ids;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, hub] : ids_) hub_ids.push_back(hub);
    }
    auto rev = node_->store().watch_hub().ProgressRevision(hub_ids);
    if (!rev) return;
    etcdserverpb::WatchResponse resp;
    Header(resp.mutable_header(), *rev);
    resp.set_watch_id(-1);
    Send(std::move(resp));
  }

  void CancelAll() {
    std::vector<store::WatchId> hub_ids;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, hub] : ids_) hub_ids.push_back(hub);
      ids_.clear();
    }
    for (auto h : hub_ids) node_->store().watch_hub().Cancel(h);
  }

  // The writer: drains the queue into the stream until Stop(). All that is
  // queued goes out together: every write but the last is marked as one more
  // follows, so gRPC packs them into few frames and system calls (a put seen
  // by many watchers of a stream is many responses at once), and a watch's
  // updates queued meanwhile become one response (watch_merge.h). The
  // responses of a round live on one arena, freed at once.
  void WriteLoop() {
    std::deque<Item> batch;
    std::vector<etcdserverpb::WatchResponse*> out;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        batch.swap(queue_);
      }
      std::vector<store::WatchUpdate*> updates;
      for (Item& item : batch) updates.push_back(item.update ? &*item.update : nullptr);
      const std::vector<bool> merged = MergeWatchUpdates(updates, node_->options().max_request_bytes);
      google::protobuf::Arena arena;
      out.clear();
      for (size_t i = 0; i < batch.size(); ++i) {
        Item& item = batch[i];
        if (merged[i]) continue;
        if (!item.update) {
          out.push_back(google::protobuf::Arena::CreateMessage<etcdserverpb::WatchResponse>(&arena));
          out.back()->Swap(&item.response);
        } else {
          Convert(*item.update, &arena, &out);  // nothing when the watch was canceled meanwhile
        }
      }
      batch.clear();
      for (size_t i = 0; i < out.size(); ++i) {
        grpc::WriteOptions options;
        if (i + 1 < out.size()) options.set_buffer_hint();
        if (!stream_->Write(*out[i], options)) return;  // the client went away
      }
    }
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }

 private:
  struct Item {
    std::optional<store::WatchUpdate> update;
    etcdserverpb::WatchResponse response;
  };

  // REQUIRES: mu_. The writer waits only on an empty queue: wake it then.
  void Push(Item item) {
    if (queue_.empty()) cv_.notify_one();
    queue_.push_back(std::move(item));
  }

  void Header(etcdserverpb::ResponseHeader* h, int64_t revision) { node_->FillHeader(h, revision); }

  // A hub update as responses on `arena` (several when fragmenting). None
  // when the watch is no longer this stream's.
  void Convert(store::WatchUpdate& u, google::protobuf::Arena* arena,
               std::vector<etcdserverpb::WatchResponse*>* out) {
    const int64_t id = u.tag;
    bool fragment;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = ids_.find(id);
      if (it == ids_.end()) return;  // canceled meanwhile
      fragment = fragment_[id];
      if (u.canceled) ids_.erase(it);
    }
    auto next = [&] {
      auto* resp = google::protobuf::Arena::CreateMessage<etcdserverpb::WatchResponse>(arena);
      Header(resp->mutable_header(), u.revision);
      resp->set_watch_id(id);
      out->push_back(resp);
      return resp;
    };
    etcdserverpb::WatchResponse* resp = next();
    if (u.canceled) {
      resp->set_canceled(true);
      resp->set_compact_revision(u.compact_revision);
      resp->set_cancel_reason("etcdserver: mvcc: required revision has been compacted");
      return;
    }
    const size_t limit = node_->options().max_request_bytes;
    size_t bytes = 0;
    for (const auto& ev : u.events) {
      const size_t size = ev.kv.key.size() + ev.kv.value.size() +
                          (ev.prev_kv ? ev.prev_kv->key.size() + ev.prev_kv->value.size() : 0) + 64;
      if (fragment && bytes > 0 && bytes + size > limit) {
        resp->set_fragment(true);  // more of this revision range follows
        resp = next();
        bytes = 0;
      }
      ToPb(ev, resp->add_events());
      bytes += size;
    }
  }

  Node* node_;
  grpc::ServerReaderWriter<etcdserverpb::WatchResponse, etcdserverpb::WatchRequest>* stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;                     // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  int64_t next_id_ = 0;                        // guarded by mu_
  std::map<int64_t, store::WatchId> ids_;      // stream id -> hub id; guarded by mu_
  std::map<int64_t, bool> fragment_;           // guarded by mu_
};

}  // namespace

grpc::Status WatchService::Watch(
    grpc::ServerContext*, grpc::ServerReaderWriter<etcdserverpb::WatchResponse, etcdserverpb::WatchRequest>* stream) {
  WatchStream ws(node_, stream);
  std::thread writer([&ws] { ws.WriteLoop(); });
  etcdserverpb::WatchRequest req;
  while (stream->Read(&req)) {
    switch (req.request_union_case()) {
      case etcdserverpb::WatchRequest::kCreateRequest:
        ws.Create(req.create_request());
        break;
      case etcdserverpb::WatchRequest::kCancelRequest:
        ws.Cancel(req.cancel_request().watch_id());
        break;
      case etcdserverpb::WatchRequest::kProgressRequest:
        ws.Progress();
        break;
      default:
        break;
    }
  }
  // The client closed its side: no update may reach the sink after this.
  ws.CancelAll();
  ws.Stop();
  writer.join();
  return grpc::Status::OK;
}

}  // namespace etcfs::server
