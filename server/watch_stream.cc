#include "server/watch_stream.h"

#include <spdlog/spdlog.h>

#include "server/request_convert.h"
#include "server/watch_writer.h"

namespace etcfs::server {

namespace {

// What a stream may hold before the hub must replay from history instead:
// queued entries, and events in them (pointers to events shared by all
// watchers).
constexpr size_t kStreamQueue = 1024;
constexpr size_t kStreamEvents = 1 << 16;

}  // namespace

WatchStream* WatchStream::Open(Node* node, WatchWriter* writer) {
  std::shared_ptr<WatchStream> stream(new WatchStream(node, writer));
  stream->self_ = stream;
  stream->StartRead(&stream->request_);
  return stream.get();
}

WatchStream::WatchStream(Node* node, WatchWriter* writer)
    : node_(node), writer_(writer), queue_(node->options().max_request_bytes, kStreamQueue, kStreamEvents) {}

bool WatchStream::Deliver(store::WatchUpdate&& u) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reads_done_ || done_) return true;  // nobody to send it to
  if (!queue_.PushUpdate(std::move(u))) return false;
  Schedule();
  return true;
}

void WatchStream::Schedule() {
  if (scheduled_ || out_.size() > 1 || queue_.empty()) return;
  scheduled_ = true;
  writer_->Ready(shared_from_this());
}

void WatchStream::Respond(etcdserverpb::WatchResponse resp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reads_done_ || done_) return;
  queue_.PushResponse(std::move(resp));
  Schedule();
}

void WatchStream::OnReadDone(bool ok) {
  if (ok) {
    etcdserverpb::WatchRequest req;
    if (grpc::SerializationTraits<etcdserverpb::WatchRequest>::Deserialize(&request_, &req).ok()) {
      Handle(req);
    } else {
      spdlog::warn("etcfsd: an undecodable watch request; ignoring it");
    }
    StartRead(&request_);
    return;
  }
  // The client closed its side: no update may reach this sink after this.
  CancelAll();
  bool finish;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reads_done_ = true;
    queue_.Clear();
    if (!out_.empty()) out_.erase(writing_ ? out_.begin() + 1 : out_.begin(), out_.end());
    finish = ShouldFinish();
  }
  if (finish) Finish(grpc::Status::OK);
}

bool WatchStream::ShouldFinish() {
  if (!reads_done_ || writing_ || finished_) return false;
  finished_ = true;
  return true;
}

void WatchStream::Send(std::vector<grpc::ByteBuffer> responses) {
  const grpc::ByteBuffer* next = nullptr;
  bool more = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reads_done_ || done_) return;
    for (auto& r : responses) out_.push_back(std::move(r));
    if (writing_ || out_.empty()) return;
    writing_ = true;
    next = &out_.front();
    more = out_.size() > 1;
  }
  grpc::WriteOptions options;
  if (more) options.set_buffer_hint();
  StartWrite(next, options);
}

void WatchStream::OnWriteDone(bool ok) {
  const grpc::ByteBuffer* next = nullptr;
  bool more = false;
  bool finish = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out_.pop_front();
    if (!ok) out_.clear();  // the client went away; OnReadDone(false) follows
    if (ok && !done_) Schedule();  // what queued meanwhile, joined
    if (out_.empty() || done_) {
      writing_ = false;
      finish = ShouldFinish();
    } else {
      next = &out_.front();
      more = out_.size() > 1;
    }
  }
  if (finish) Finish(grpc::Status::OK);
  if (next == nullptr) return;
  grpc::WriteOptions options;
  if (more) options.set_buffer_hint();
  StartWrite(next, options);
}

void WatchStream::OnDone() {
  CancelAll();  // a cancelled call may end without a failed read
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    queue_.Clear();
    out_.clear();
  }
  auto last = std::move(self_);  // the writer may still hold one: it sends nothing now
}

void WatchStream::Handle(const etcdserverpb::WatchRequest& req) {
  switch (req.request_union_case()) {
    case etcdserverpb::WatchRequest::kCreateRequest:
      Create(req.create_request());
      break;
    case etcdserverpb::WatchRequest::kCancelRequest:
      Cancel(req.cancel_request().watch_id());
      break;
    case etcdserverpb::WatchRequest::kProgressRequest:
      Progress();
      break;
    default:
      break;
  }
}

void WatchStream::Create(const etcdserverpb::WatchCreateRequest& req) {
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
      if (!reads_done_ && !done_) {
        queue_.PushResponse(std::move(resp));
        Schedule();
      }
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
  Respond(std::move(created));
  store::WatchRequest wr = FromPb(req);
  wr.tag = id;  // updates name the stream's id: no window where they cannot be routed
  const store::WatchId hub_id = node_->store().watch_hub().Watch(wr, this);
  std::lock_guard<std::mutex> lock(mu_);
  ids_[id] = hub_id;
}

void WatchStream::Cancel(int64_t id) {
  store::WatchId hub_id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ids_.find(id);
    if (it == ids_.end()) return;
    hub_id = it->second;
    ids_.erase(it);
    queue_.Forget(id);
  }
  node_->store().watch_hub().Cancel(hub_id);
  etcdserverpb::WatchResponse resp;
  Header(resp.mutable_header(), node_->store().CurrentRevision());
  resp.set_watch_id(id);
  resp.set_canceled(true);
  Respond(std::move(resp));
}

void WatchStream::Progress() {
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
  Respond(std::move(resp));
}

void WatchStream::CancelAll() {
  std::vector<store::WatchId> hub_ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, hub] : ids_) hub_ids.push_back(hub);
    ids_.clear();
  }
  for (auto h : hub_ids) node_->store().watch_hub().Cancel(h);
}

// All that is queued goes out together (a watch's updates already joined).
std::vector<grpc::ByteBuffer> WatchStream::EncodeQueued(WatchEncoder* encoder) {
  std::deque<WatchQueue::Item> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scheduled_ = false;
    if (reads_done_ || done_) return {};
    batch = queue_.Take();
  }
  std::vector<grpc::ByteBuffer> out;
  out.reserve(batch.size());
  for (WatchQueue::Item& item : batch) {
    if (item.update) {
      EncodeUpdate(*item.update, encoder, &out);
    } else {
      out.push_back(WatchEncoder::Encode(item.response));
    }
  }
  return out;
}

void WatchStream::EncodeUpdate(store::WatchUpdate& u, WatchEncoder* encoder, std::vector<grpc::ByteBuffer>* out) {
  const int64_t id = u.tag;
  bool fragment;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ids_.find(id);
    // Canceled meanwhile, or the id now names a newer watch (0: its hub id
    // is not known yet, and only its own updates can come before).
    if (it == ids_.end() || (it->second != 0 && it->second != u.id)) return;
    fragment = fragment_[id];
    if (u.canceled) ids_.erase(it);
  }
  if (u.canceled) {
    // As etcd 3.4 says it: the compact revision, no revision in the header
    // and no reason (clients read the compaction from compact_revision).
    etcdserverpb::WatchResponse head;
    Header(head.mutable_header(), 0);
    head.set_watch_id(id);
    head.set_canceled(true);
    head.set_compact_revision(u.compact_revision);
    out->push_back(WatchEncoder::Encode(head));
    return;
  }
  const std::string& header =
      encoder->HeaderBytes(u.revision, [&](etcdserverpb::ResponseHeader* h) { Header(h, u.revision); });
  const size_t limit = node_->options().max_request_bytes;
  std::vector<const std::string*> events;
  size_t bytes = 0;
  for (const store::SharedEvent& ev : u.events) {
    const std::string& encoded = encoder->EventBytes(ev, u.prev_kv);
    if (fragment && bytes > 0 && bytes + encoded.size() > limit) {
      // More of this revision range follows.
      out->push_back(WatchEncoder::Encode(header, id, /*fragment=*/true, events));
      events.clear();
      bytes = 0;
    }
    events.push_back(&encoded);
    bytes += encoded.size();
  }
  out->push_back(WatchEncoder::Encode(header, id, /*fragment=*/false, events));
}

}  // namespace etcfs::server
