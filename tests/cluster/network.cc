#include "tests/cluster/network.h"

#include <unistd.h>

#include <mutex>
#include <set>

#include "tests/cluster/command_runner.h"

namespace etcfs::testing {
namespace {

// Runs a bash script; its failure is the harness's setup failing.
Status Bash(const std::string& script) {
  if (RunCommand(script) != 0) return Status::IOError("'" + script + "' failed");
  return Status::Ok();
}

std::mutex live_mu;
std::set<NamespaceNetwork*> live;  // guarded by live_mu

}  // namespace

void RemoveAllNetworks() {
  std::set<NamespaceNetwork*> nets;
  {
    std::lock_guard<std::mutex> lock(live_mu);
    nets.swap(live);
  }
  for (NamespaceNetwork* n : nets) delete n;
}

NamespaceNetwork::NamespaceNetwork(int members)
    : members_(members), prefix_("efh" + std::to_string(getpid())), subnet_(20 + getpid() % 200) {}

Result<std::unique_ptr<NamespaceNetwork>> NamespaceNetwork::Create(int members) {
  if (geteuid() != 0) return Status::FailedPrecondition("network namespaces need root");
  if (RunCommand("command -v ip >/dev/null && command -v nft >/dev/null") != 0) {
    return Status::FailedPrecondition("network namespaces need ip (iproute2) and nft (nftables)");
  }
  std::unique_ptr<NamespaceNetwork> n(new NamespaceNetwork(members));
  {
    std::lock_guard<std::mutex> lock(live_mu);
    live.insert(n.get());
  }
  const std::string br = n->prefix_ + "-br";
  const std::string net = "10." + std::to_string(n->subnet_) + ".0.";
  std::string script = "set -e; ip netns add " + br + "; ip -n " + br + " link add br0 type bridge; ip -n " + br +
                       " link set br0 up; ip -n " + br + " link set lo up;";
  for (int i = 0; i < members; ++i) {
    const std::string ns = n->Namespace(i), host = n->prefix_ + "h" + std::to_string(i);
    script += "ip netns add " + ns + "; ip link add " + host + " type veth peer name eth0 netns " + ns + ";" +
              "ip link set " + host + " netns " + br + "; ip -n " + br + " link set " + host + " master br0 up;" +
              "ip -n " + ns + " addr add " + net + std::to_string(i + 1) + "/24 dev eth0;" + "ip -n " + ns +
              " link set eth0 up; ip -n " + ns + " link set lo up;" + "ip netns exec " + ns +
              " nft add table inet faults; ip netns exec " + ns +
              " nft add chain inet faults input \"{ type filter hook input priority 0; }\";";
  }
  // The harness's own way in, from the namespace it runs in.
  const std::string mine = n->prefix_ + "c";
  script += "ip link add " + mine + " type veth peer name " + mine + "b netns " + br + "; ip -n " + br +
            " link set " + mine + "b master br0 up; ip addr add " + net + "254/24 dev " + mine + "; ip link set " +
            mine + " up;";
  if (Status s = Bash(script); !s.ok()) return s;  // the destructor removes what was made
  return n;
}

NamespaceNetwork::~NamespaceNetwork() {
  {
    std::lock_guard<std::mutex> lock(live_mu);
    live.erase(this);
  }
  std::string script = "ip link del " + prefix_ + "c 2>/dev/null; ip netns del " + prefix_ + "-br 2>/dev/null;";
  for (int i = 0; i < members_; ++i) script += "ip netns del " + Namespace(i) + " 2>/dev/null;";
  (void)Bash(script + " true");
}

std::string NamespaceNetwork::Namespace(int i) const { return prefix_ + "-n" + std::to_string(i); }

std::string NamespaceNetwork::Address(int i) const {
  return "10." + std::to_string(subnet_) + ".0." + std::to_string(i + 1);
}

std::vector<std::string> NamespaceNetwork::Launcher(int i) const {
  return {"/usr/bin/nsenter", "--net=/run/netns/" + Namespace(i), "--"};
}

void NamespaceNetwork::Rule(int i, const std::string& rule) {
  (void)Bash("ip netns exec " + Namespace(i) + " nft add rule inet faults input \"" + rule + "\"");
}

void NamespaceNetwork::Partition(const std::vector<int>& side) {
  auto in_side = [&](int i) {
    for (int s : side) {
      if (s == i) return true;
    }
    return false;
  };
  for (int i = 0; i < members_; ++i) {
    for (int j = 0; j < members_; ++j) {
      if (in_side(i) != in_side(j)) Rule(i, "ip saddr " + Address(j) + " drop");
    }
  }
}

void NamespaceNetwork::Loss(int percent) {
  for (int i = 0; i < members_; ++i) {
    for (int j = 0; j < members_; ++j) {
      if (i != j) Rule(i, "ip saddr " + Address(j) + " numgen random mod 100 < " + std::to_string(percent) + " drop");
    }
  }
}

void NamespaceNetwork::Heal() {
  for (int i = 0; i < members_; ++i) (void)Bash("ip netns exec " + Namespace(i) + " nft flush chain inet faults input");
}

}  // namespace etcfs::testing
