// WatchQueue: what one watch stream has yet to encode, in order: the hub's
// updates and ready responses (created, canceled by the client, stream
// progress). A watch's new update joins the update of that watch still
// queued, so that a stream whose client or writer fell behind sends one
// response carrying the events of several revisions (as etcd does for a
// watcher catching up) instead of one per revision: the slower the stream
// drains, the fewer and larger its writes.
//
// Events only move earlier within their own watch, never across its cancel or
// a progress mark (an update without events), so each watch still sees its
// events in order and nothing past a revision it has been told about. A joined
// update stays under `byte_limit` (keys, values and 64 bytes per event).
//
// Threads: none of its own; the stream's lock guards it.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <unordered_map>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "store/watch_hub.h"

namespace etcfs::server {

class WatchQueue {
 public:
  // A hub update, or a ready response.
  struct Item {
    std::optional<store::WatchUpdate> update;
    etcdserverpb::WatchResponse response;
  };

  // At most `max_events` queued events and `max_items` entries; joined
  // updates up to `byte_limit`.
  WatchQueue(size_t byte_limit, size_t max_items, size_t max_events)
      : byte_limit_(byte_limit), max_items_(max_items), max_events_(max_events) {}

  // Queues `u`, joined to its watch's queued update when it may be. Returns
  // false, taking nothing, when the queue is full (a cancel always fits).
  bool PushUpdate(store::WatchUpdate&& u);
  void PushResponse(etcdserverpb::WatchResponse r);
  // Everything queued, in order; the queue is empty after.
  std::deque<Item> Take();
  // The watch `tag` is gone (canceled by the client): nothing more joins it.
  void Forget(int64_t tag) { open_.erase(tag); }
  void Clear();
  bool empty() const { return items_.empty(); }

 private:
  struct Open {
    uint64_t round;  // valid while it is the queue's round
    size_t index;    // in items_
    size_t bytes;
  };

  const size_t byte_limit_, max_items_, max_events_;
  std::deque<Item> items_;
  size_t events_ = 0;
  // Watch tag -> its update a later one may join. Entries of earlier rounds
  // are stale; they stay so that a busy stream does not allocate per round.
  std::unordered_map<int64_t, Open> open_;
  uint64_t round_ = 0;  // a Take starts a new one
};

}  // namespace etcfs::server
