// OwnChanges: which applied events are this mount's own doing. The kernel
// made those changes itself and already shows them, so they need neither an
// invalidation nor an echo. While a commit of a key is in flight, the key's
// events are held here; when the commit returns, the events that no commit
// of this mount made (another node's, or every one when the commit failed)
// are handed back to be invalidated and echoed like any change from
// elsewhere.
//
// Threads: thread-safe (one mutex, taken under the mirror's lock by Hold).
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fs/mirror.h"
#include "kv/types.h"

namespace etcfs::fs {

class OwnChanges {
 public:
  using Held = std::pair<kv::Event, Mirror::Change>;

  // A commit of `keys` starts.
  void Begin(const std::vector<std::string>& keys);
  // An applied event (the mirror's observer): true if it is held, for a
  // commit of its key in flight.
  bool Hold(const kv::Event& e, const Mirror::Change& c);
  // The commit of `keys` that Begin announced returned, having made
  // `revision` (0: it made none, or failed). Returns the held events of
  // those keys that no commit of this mount made, once no other commit of
  // the key is in flight.
  std::vector<Held> End(const std::vector<std::string>& keys, int64_t revision);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int> in_flight_;           // commits per key; guarded by mu_
  std::unordered_map<std::string, std::vector<Held>> held_;  // guarded by mu_
  // Revisions this mount's commits made, per key, while some commit of the
  // key is in flight: their events are this mount's own too (another local
  // writer's), not changes made elsewhere.
  std::unordered_map<std::string, std::set<int64_t>> made_;  // guarded by mu_
};

}  // namespace etcfs::fs
