// The first entries of a new cluster's log. Each initial member is added by a
// configuration change committed at term 1, so that members added later learn
// the initial ones by replaying the log like any other change. Every initial
// member writes the same entries, in the given order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "consensus/types.h"

namespace etcfs::consensus {

struct BootstrapLog {
  std::vector<Entry> entries;
  HardState hard_state;  // term 1, everything committed
};

// `peers` gives each member's peer address (the change's context).
BootstrapLog MakeBootstrapLog(const std::vector<NodeId>& members, const std::map<NodeId, std::string>& peers);

}  // namespace etcfs::consensus
