#include "consensus/bootstrap.h"

#include "consensus/types.h"

namespace etcfs::consensus {

BootstrapLog MakeBootstrapLog(const std::vector<NodeId>& members, const std::map<NodeId, std::string>& peers) {
  BootstrapLog log;
  for (NodeId member : members) {
    auto it = peers.find(member);
    ConfChange cc{ConfChange::Type::kAddNode, member, it == peers.end() ? "" : it->second};
    log.entries.push_back(
        Entry{Term(1), Index(log.entries.size() + 1), EntryType::kConfChange, EncodeConfChange(cc)});
  }
  log.hard_state = HardState{Term(1), kNoNode, Index(log.entries.size())};
  return log;
}

}  // namespace etcfs::consensus
