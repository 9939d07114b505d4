// Network: where a harness cluster's members live and the faults between them.
//
// With network namespaces (root only), each member runs in a namespace of its
// own, joined to the others by veth pairs on a bridge in one more namespace;
// the harness reaches them through a veth of its own (10.X.0.254). Addresses
// exist only inside these namespaces. Partitions and loss are nftables rules
// in the members' namespaces: a partition drops what comes from the other
// side, loss drops a random share of what comes from the other members.
// Everything is removed when the object goes away.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace etcfs::testing {

// Removes every network still set up (the harness's signal handling).
void RemoveAllNetworks();

class NamespaceNetwork {
 public:
  // Errors: FailedPrecondition (not root, no ip or nft), IOError.
  static Result<std::unique_ptr<NamespaceNetwork>> Create(int members);
  ~NamespaceNetwork();

  // Member i's (0-based) address, and the command prefix that runs a program
  // in its namespace (only the network namespace: its mounts stay visible).
  std::string Address(int i) const;
  std::vector<std::string> Launcher(int i) const;

  // Members in `side` no longer hear from the others, nor the others from them.
  void Partition(const std::vector<int>& side);
  // Drops `percent` of the packets each member receives from the others.
  void Loss(int percent);
  // Removes every rule.
  void Heal();

 private:
  explicit NamespaceNetwork(int members);
  std::string Namespace(int i) const;
  void Rule(int i, const std::string& rule);
  int members_;
  std::string prefix_;  // unique per harness process
  int subnet_;          // 10.subnet_.0.0/24
};

}  // namespace etcfs::testing
