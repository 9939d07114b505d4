#include "tests/fs/memory_backend.h"

#include <algorithm>

#include "kv/compare.h"

namespace etcfs::fs::testing {

namespace {

// [key, end) as etcd reads it: an empty end is the key alone, "\0" every key from it.
bool InInterval(const std::string& k, const std::string& key, const std::string& end) {
  if (end.empty()) return k == key;
  if (end.size() == 1 && end[0] == '\0') return k >= key;
  return k >= key && k < end;
}

bool Under(const std::string& key, const std::string& prefix) { return key.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

class MemoryBackend::MemoryWatch : public KvWatch {
 public:
  MemoryWatch(MemoryBackend* backend, uint64_t id) : backend_(backend), id_(id) {}
  ~MemoryWatch() override { backend_->Cancel(id_); }

 private:
  MemoryBackend* backend_;
  uint64_t id_;
};

MemoryBackend::MemoryBackend() = default;
MemoryBackend::~MemoryBackend() = default;

Result<kv::RangeResponse> MemoryBackend::Range(const kv::RangeRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  kv::RangeResponse r;
  if (req.revision > 0 && req.revision < revision_) {  // a past revision, from the history
    if (req.revision <= compacted_) return Status::Compacted("mvcc: required revision has been compacted");
    // Today's keys, with every later event undone (each carries what it replaced).
    std::map<std::string, kv::KeyValue> then;
    for (auto it = live_.lower_bound(req.key); it != live_.end() && InInterval(it->first, req.key, req.range_end);
         ++it) {
      then.insert(*it);
    }
    for (auto e = history_.rbegin(); e != history_.rend() && e->kv.mod_revision > req.revision; ++e) {
      if (!InInterval(e->kv.key, req.key, req.range_end)) continue;
      if (e->prev_kv) {
        then[e->kv.key] = *e->prev_kv;
      } else {
        then.erase(e->kv.key);
      }
    }
    for (auto& [key, kv] : then) r.kvs.push_back(std::move(kv));
    r.count = static_cast<int64_t>(r.kvs.size());
    r.revision = revision_;
    return r;
  }
  for (auto it = live_.lower_bound(req.key); it != live_.end() && InInterval(it->first, req.key, req.range_end);
       ++it) {
    r.kvs.push_back(it->second);
  }
  r.count = static_cast<int64_t>(r.kvs.size());
  r.revision = revision_;
  return r;
}

bool MemoryBackend::Holds(const kv::Compare& cmp) const {
  bool any = false;
  for (auto it = live_.lower_bound(cmp.key); it != live_.end() && InInterval(it->first, cmp.key, cmp.range_end);
       ++it) {
    any = true;
    if (!kv::Satisfies(cmp, it->second)) return false;
  }
  return any || kv::HoldsWithoutKeys(cmp);
}

void MemoryBackend::ApplyOps(const std::vector<kv::RequestOp>& ops, int64_t rev,
                             std::vector<kv::ResponseOp>* out, std::vector<kv::Event>* events) {
  for (const kv::RequestOp& op : ops) {
    if (const auto* put = std::get_if<kv::PutRequest>(&op)) {
      auto prev_it = live_.find(put->key);
      const kv::KeyValue* prev = prev_it == live_.end() ? nullptr : &prev_it->second;
      kv::KeyValue kv;
      kv.key = put->key;
      kv.mod_revision = rev;
      kv.create_revision = prev ? prev->create_revision : rev;
      kv.version = prev ? prev->version + 1 : 1;
      kv.value = put->ignore_value && prev ? prev->value : put->value;
      kv.lease = put->ignore_lease && prev ? prev->lease : put->lease;
      if (put->attr) {
        kv.attr = *put->attr;
      } else if (prev) {
        kv.attr = prev->attr;
        kv.attr.mtime_ns = 0;
      } else {
        kv.attr.kind = put->key.back() == '/' ? kv::FileKind::kDirectory : kv::FileKind::kFile;
      }
      if (kv.attr.mtime_ns == 0) kv.attr.mtime_ns = clock_ns_;
      if (kv.attr.atime_ns == kv::kAtimeOfEntry) kv.attr.atime_ns = clock_ns_;
      kv.ctime_ns = clock_ns_;
      kv::PutResponse resp;
      resp.revision = rev;
      kv::Event e{kv::Event::Type::kPut, kv, std::nullopt};
      if (prev) {
        if (put->prev_kv) resp.prev_kv = *prev;
        e.prev_kv = *prev;
      }
      live_[put->key] = std::move(kv);
      events->push_back(std::move(e));
      out->emplace_back(std::move(resp));
    } else if (const auto* del = std::get_if<kv::DeleteRangeRequest>(&op)) {
      kv::DeleteRangeResponse resp;
      resp.revision = rev;
      for (auto it = live_.lower_bound(del->key); it != live_.end() && InInterval(it->first, del->key, del->range_end);) {
        kv::Event e;
        e.type = kv::Event::Type::kDelete;
        e.kv.key = it->first;
        e.kv.mod_revision = rev;
        e.prev_kv = it->second;
        if (del->prev_kv) resp.prev_kvs.push_back(it->second);
        ++resp.deleted;
        events->push_back(std::move(e));
        it = live_.erase(it);
      }
      out->emplace_back(std::move(resp));
    } else if (const auto* range = std::get_if<kv::RangeRequest>(&op)) {
      kv::RangeResponse resp;
      for (auto it = live_.lower_bound(range->key);
           it != live_.end() && InInterval(it->first, range->key, range->range_end); ++it) {
        resp.kvs.push_back(it->second);
      }
      resp.count = static_cast<int64_t>(resp.kvs.size());
      resp.revision = rev;
      out->emplace_back(std::move(resp));
    }
  }
}

namespace {

// The bytes of keys and values a request carries (the cluster's encoding
// adds a little framing, which the limits of these tests leave out).
size_t RequestBytes(const kv::TxnRequest& req) {
  size_t bytes = 0;
  for (const kv::Compare& cmp : req.compare) bytes += cmp.key.size() + cmp.range_end.size() + cmp.value.size();
  for (const auto* branch : {&req.success, &req.failure}) {
    for (const kv::RequestOp& op : *branch) {
      if (const auto* put = std::get_if<kv::PutRequest>(&op)) bytes += put->key.size() + put->value.size();
      if (const auto* del = std::get_if<kv::DeleteRangeRequest>(&op)) bytes += del->key.size() + del->range_end.size();
    }
  }
  return bytes;
}

}  // namespace

Result<kv::TxnResponse> MemoryBackend::Txn(const kv::TxnRequest& req, const CallOptions&) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unavailable_) return Status::Unavailable("etcdserver: no leader (MemoryBackend::SetUnavailable)");
    if (RequestBytes(req) > limits_.max_request_bytes) {
      return Status::ResourceExhausted("etcdserver: request is too large");
    }
    ++txns_;
    held_ = false;  // its answer comes after every earlier change reached the watch
  }
  return Apply(req);
}

kv::TxnResponse MemoryBackend::Commit(const kv::TxnRequest& req) {
  kv::TxnResponse r = Apply(req);
  std::function<void()> barrier;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!held_) barrier = barrier_;
  }
  if (barrier) barrier();
  return r;
}

void MemoryBackend::SetLocalViewBarrier(std::function<void()> barrier) {
  std::lock_guard<std::mutex> lock(mu_);
  barrier_ = std::move(barrier);
}

kv::TxnResponse MemoryBackend::Apply(const kv::TxnRequest& req) {
  kv::TxnResponse r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    r.succeeded = std::all_of(req.compare.begin(), req.compare.end(), [&](const auto& c) { return Holds(c); });
    std::vector<kv::Event> events;
    clock_ns_ += 1'000'000;
    ApplyOps(r.succeeded ? req.success : req.failure, revision_ + 1, &r.responses, &events);
    if (!events.empty()) {
      ++revision_;
      history_.insert(history_.end(), events.begin(), events.end());
    }
    r.revision = revision_;
    for (auto& op : r.responses) {
      std::visit([&](auto& resp) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(resp)>, std::shared_ptr<const kv::TxnResponse>>) {
          resp.revision = revision_;
        }
      }, op);
    }
  }
  Deliver();
  return r;
}

int64_t MemoryBackend::Put(const std::string& key, const std::string& value, std::optional<kv::FileAttr> attr) {
  kv::PutRequest put;
  put.key = key;
  put.value = value;
  put.attr = std::move(attr);
  kv::TxnRequest txn;
  txn.success.emplace_back(std::move(put));
  return Commit(txn).revision;
}

int64_t MemoryBackend::Delete(const std::string& key, const std::string& range_end) {
  kv::TxnRequest txn;
  txn.success.emplace_back(kv::DeleteRangeRequest{key, range_end, false});
  return Commit(txn).revision;
}

Result<std::unique_ptr<KvWatch>> MemoryBackend::Watch(std::string prefix, int64_t from_revision,
                                                      std::function<void(WatchUpdate)> on_update) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_watch_++;
    watchers_[id] = std::make_shared<Watcher>(Watcher{std::move(prefix), from_revision, std::move(on_update)});
  }
  Deliver();
  return std::unique_ptr<KvWatch>(std::make_unique<MemoryWatch>(this, id));
}

void MemoryBackend::Deliver() {
  std::lock_guard<std::recursive_mutex> deliver(deliver_mu_);
  std::vector<std::pair<std::shared_ptr<Watcher>, WatchUpdate>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_) return;
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      auto& w = it->second;
      if (w->next > revision_) {
        ++it;
        continue;
      }
      WatchUpdate u;
      if (w->next <= compacted_) {
        u.compacted = compacted_;
        due.emplace_back(w, std::move(u));
        it = watchers_.erase(it);  // a compacted watch ends; the watcher ranges again
        continue;
      }
      for (const kv::Event& e : history_) {
        if (e.kv.mod_revision >= w->next && Under(e.kv.key, w->prefix)) u.events.push_back(e);
      }
      u.revision = revision_;
      w->next = revision_ + 1;
      due.emplace_back(w, std::move(u));
      ++it;
    }
  }
  for (auto& [w, u] : due) w->on_update(std::move(u));
}

void MemoryBackend::Cancel(uint64_t id) {
  std::lock_guard<std::recursive_mutex> deliver(deliver_mu_);  // no callback after this returns
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(id);
}

void MemoryBackend::Compact(int64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  compacted_ = std::max(compacted_, revision);
  std::erase_if(history_, [&](const kv::Event& e) { return e.kv.mod_revision <= compacted_; });
}

void MemoryBackend::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = true;
}

void MemoryBackend::Release() {
  std::function<void()> barrier;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    barrier = barrier_;
  }
  Deliver();
  if (barrier) barrier();
}

void MemoryBackend::SetUnavailable(bool unavailable) {
  std::lock_guard<std::mutex> lock(mu_);
  unavailable_ = unavailable;
}

Result<int64_t> MemoryBackend::LinearizableRevision(const CallOptions&) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return Status::Unavailable("etcdserver: no leader (MemoryBackend::SetUnavailable)");
  return revision_;
}

Status MemoryBackend::ConfirmWritable(const CallOptions&) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return Status::Unavailable("etcdserver: no leader (MemoryBackend::SetUnavailable)");
  return Status::Ok();
}

Result<BackendUsage> MemoryBackend::Usage() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t used = 0;
  for (const auto& [k, kv] : live_) used += static_cast<int64_t>(k.size() + kv.value.size());
  return BackendUsage{used, limits_.quota_bytes};
}

std::optional<kv::KeyValue> MemoryBackend::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(key);
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

int64_t MemoryBackend::revision() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revision_;
}

size_t MemoryBackend::txns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return txns_;
}

}  // namespace etcfs::fs::testing
