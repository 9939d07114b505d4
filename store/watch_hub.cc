#include "store/watch_hub.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/key_codec.h"
#include "store/range.h"
#include "store/reader.h"

namespace etcfs::store {
namespace {

// A catch-up round reads at most about this many events (whole revisions).
constexpr size_t kCatchUpChunkEvents = 4096;

std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// The events as the hub hands them out: one shared copy each.
std::vector<SharedEvent> Share(std::vector<kv::Event>* events) {
  std::vector<SharedEvent> out;
  out.reserve(events->size());
  for (kv::Event& ev : *events) out.push_back(std::make_shared<const kv::Event>(std::move(ev)));
  return out;
}

}  // namespace

kv::Event WatchUpdate::EventAt(size_t i) const {
  kv::Event ev = *events[i];
  if (!prev_kv) ev.prev_kv.reset();
  return ev;
}

bool WatchHub::Watcher::Matches(const kv::Event& ev) const {
  if (ev.type == kv::Event::Type::kPut && req.filter_put) return false;
  if (ev.type == kv::Event::Type::kDelete && req.filter_delete) return false;
  return KeyInterval{req.key, req.range_end}.Contains(ev.kv.key);
}

WatchHub::WatchHub(const Db* db, StateFn state, Executor* background)
    : db_(db), state_(std::move(state)), background_(background) {
  notified_rev_ = state_()->meta.revision;
}

WatchHub::~WatchHub() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  idle_cv_.wait(lock, [this] { return !catch_up_running_; });
}

bool WatchHub::HasWatchers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !watchers_.empty();
}

size_t WatchHub::WatcherCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watchers_.size();
}

WatchId WatchHub::Watch(const WatchRequest& req, WatchSink* sink) {
  std::lock_guard<std::mutex> lock(mu_);
  auto w = std::make_unique<Watcher>();
  w->id = next_id_++;
  w->req = req;
  w->sink = sink;
  w->next_rev = req.start_revision > 0 ? req.start_revision : notified_rev_ + 1;
  w->synced = false;
  Watcher* raw = w.get();
  watchers_.emplace(raw->id, std::move(w));
  if (raw->next_rev > notified_rev_) {
    AddSynced(raw);
  } else {
    ++unsynced_;
    ScheduleCatchUp();
  }
  return raw->id;
}

bool WatchHub::Cancel(WatchId id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return false;
  if (it->second->synced) {
    RemoveSynced(it->second.get());
  } else {
    --unsynced_;
  }
  watchers_.erase(it);
  return true;
}

bool WatchHub::RequestProgress(WatchId id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watchers_.find(id);
  if (it == watchers_.end() || !it->second->synced) return false;
  return it->second->sink->Deliver(WatchUpdate{id, it->second->req.tag, {}, false, notified_rev_, false, 0});
}

std::optional<int64_t> WatchHub::ProgressRevision(const std::vector<WatchId>& ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (WatchId id : ids) {
    auto it = watchers_.find(id);
    if (it == watchers_.end() || !it->second->synced) return std::nullopt;
  }
  return notified_rev_;
}

void WatchHub::AddSynced(Watcher* w) {
  w->synced = true;
  if (w->req.range_end.empty()) {
    synced_keys_[w->req.key].push_back(w);
  } else {
    synced_ranges_.push_back(w);
  }
}

void WatchHub::RemoveSynced(Watcher* w) {
  w->synced = false;
  if (w->req.range_end.empty()) {
    auto it = synced_keys_.find(w->req.key);
    std::erase(it->second, w);
    if (it->second.empty()) synced_keys_.erase(it);
  } else {
    std::erase(synced_ranges_, w);
  }
}

void WatchHub::MakeUnsynced(Watcher* w) {
  RemoveSynced(w);
  ++unsynced_;
  ScheduleCatchUp();
}

void WatchHub::ScheduleCatchUp() {
  if (catch_up_running_ || stopping_) return;
  catch_up_running_ = true;
  background_->Post([this] { CatchUp(); });
}

void WatchHub::Notify(int64_t first, int64_t last, std::vector<kv::Event>* events) {
  std::lock_guard<std::mutex> lock(mu_);
  notified_rev_ = last;
  if (events == nullptr) {
    // The batch did not gather events (nobody watched when it began): anyone
    // synced now replays these revisions from history.
    std::vector<Watcher*> behind;
    for (auto& [key, ws] : synced_keys_) {
      for (Watcher* w : ws) {
        if (w->next_rev <= last) behind.push_back(w);
      }
    }
    for (Watcher* w : synced_ranges_) {
      if (w->next_rev <= last) behind.push_back(w);
    }
    for (Watcher* w : behind) {
      w->next_rev = std::max(w->next_rev, first);
      MakeUnsynced(w);
    }
    return;
  }

  // Group the batch's events per watcher, preserving their order; each
  // event is shared by all its watchers.
  const std::vector<SharedEvent> shared = Share(events);
  std::vector<std::pair<Watcher*, std::vector<SharedEvent>>> per;
  const uint64_t round = ++notify_round_;
  auto add = [&](Watcher* w, const SharedEvent& ev) {
    if (ev->kv.mod_revision < w->next_rev || !w->Matches(*ev)) return;
    if (w->notify_round != round) {
      w->notify_round = round;
      w->notify_slot = per.size();
      per.emplace_back(w, std::vector<SharedEvent>());
    }
    per[w->notify_slot].second.push_back(ev);
  };
  for (const SharedEvent& ev : shared) {
    if (auto it = synced_keys_.find(ev->kv.key); it != synced_keys_.end()) {
      for (Watcher* w : it->second) add(w, ev);
    }
    for (Watcher* w : synced_ranges_) add(w, ev);
  }
  for (auto& [w, evs] : per) {
    const int64_t first_undelivered = evs.front()->kv.mod_revision;
    if (w->sink->Deliver(WatchUpdate{w->id, w->req.tag, std::move(evs), w->req.prev_kv, last, false, 0})) {
      w->next_rev = last + 1;
    } else {
      w->next_rev = first_undelivered;
      MakeUnsynced(w);
    }
  }
}

void WatchHub::CatchUp() {
  while (CatchUpRound()) {
  }
}

bool WatchHub::CatchUpRound() {
  struct Pending {
    WatchId id;
    int64_t next_rev;
    WatchRequest req;
  };
  std::vector<Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || unsynced_ == 0) {
      catch_up_running_ = false;
      idle_cv_.notify_all();
      return false;
    }
    for (auto& [id, w] : watchers_) {
      if (!w->synced) pending.push_back({id, w->next_rev, w->req});
    }
  }

  std::shared_ptr<const ReadState> state = state_();
  const int64_t compact = state->meta.compact_revision;
  const int64_t current = state->meta.revision;
  int64_t start = current + 1;
  bool any_prev = false;
  for (const auto& p : pending) {
    if (p.next_rev >= compact) start = std::min(start, p.next_rev);
    any_prev |= p.req.prev_kv;
  }

  // Read whole revisions of history from `start` on.
  std::vector<kv::Event> events;
  int64_t end_rev = current;
  Status read_status;
  if (start <= current) {
    // A snapshot taken now (after reading `current`, so it holds every
    // revision up to it) reflects the compaction finished so far, as etcd's
    // backend reads do.
    rocksdb::DB* db = db_->db();
    std::shared_ptr<const rocksdb::Snapshot> now(
        db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
    SnapshotReader reader(db_, now.get());
    auto it = reader.NewIterator(db_->revs());
    int64_t last_main = start - 1;
    for (it->Seek(RevKey(Rev{start, 0})); it->Valid(); it->Next()) {
      Rev rev = DecodeRevKey(ToView(it->key()));
      if (rev.main > current) break;
      if (rev.main != last_main && events.size() >= kCatchUpChunkEvents) {
        end_rev = last_main;
        break;
      }
      last_main = rev.main;
      Record r;
      if (!DecodeKeyedRecord(ToView(it->value()), &r)) {
        read_status = Status::Corruption("undecodable history record");
        break;
      }
      kv::Event ev;
      ev.type = r.tombstone ? kv::Event::Type::kDelete : kv::Event::Type::kPut;
      ev.kv = std::move(r.kv);
      if (any_prev) {
        bool wanted = false;
        for (const auto& p : pending) {
          wanted |= p.req.prev_kv && KeyInterval{p.req.key, p.req.range_end}.Contains(ev.kv.key);
        }
        if (wanted) {
          // At the compact revision the previous version may be gone; the
          // event then goes without it, as in etcd.
          auto prev = reader.GetAt(ev.kv.key, rev.main - 1);
          if (!prev.ok()) {
            read_status = prev.status();
            break;
          }
          if (*prev) ev.prev_kv = std::move((*prev)->kv);
        }
      }
      events.push_back(std::move(ev));
    }
    if (read_status.ok()) read_status = FromRocks(it->status(), "reading watch history");
  }

  if (!read_status.ok()) {
    spdlog::error("store: watch catch-up cannot read history ({}); ending the watchers that need it",
                  read_status.ToString());
  }
  const std::vector<SharedEvent> shared = Share(&events);
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& p : pending) {
      auto found = watchers_.find(p.id);
      if (found == watchers_.end() || found->second->synced) continue;
      Watcher* w = found->second.get();
      if (w->next_rev < compact || !read_status.ok()) {
        // The history this watcher needs is gone (or unreadable): end it.
        w->sink->Deliver(WatchUpdate{w->id, w->req.tag, {}, false, current, true, compact});
        --unsynced_;
        watchers_.erase(found);
        continue;
      }
      if (w->next_rev <= end_rev) {
        std::vector<SharedEvent> evs;
        for (const SharedEvent& ev : shared) {
          if (ev->kv.mod_revision >= w->next_rev && w->Matches(*ev)) evs.push_back(ev);
        }
        if (evs.empty() ||
            w->sink->Deliver(WatchUpdate{w->id, w->req.tag, std::move(evs), w->req.prev_kv, end_rev, false, 0})) {
          w->next_rev = end_rev + 1;
        } else {
          refused = true;
        }
      }
      if (w->next_rev > notified_rev_) {
        --unsynced_;
        AddSynced(w);
      }
    }
  }
  if (refused) {
    // A sink is full; give its reader time before replaying again.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace etcfs::store
