// MergeWatchUpdates: a watch stream's queued updates, with each watch's later
// updates joined to its first, so that a stream writer that fell behind sends
// one response carrying the events of several revisions (as etcd does for a
// watcher catching up) instead of one per revision: fewer, larger writes.
//
// Events only move earlier within their own watch, never across its cancel or
// a progress mark (an update without events), so each watch still sees its
// events in order and nothing past a revision it has been told about. A joined
// update stays under `byte_limit` (keys, values and 64 bytes per event).
#pragma once

#include <cstddef>
#include <vector>

#include "store/watch_hub.h"

namespace etcfs::server {

// `updates` in queue order; null entries are other responses (created,
// canceled by the client, stream progress), which nothing waits on. Returns,
// per entry, whether its events went into an earlier update (send nothing).
std::vector<bool> MergeWatchUpdates(const std::vector<store::WatchUpdate*>& updates, size_t byte_limit);

}  // namespace etcfs::server
