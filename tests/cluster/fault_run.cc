#include "tests/cluster/fault_run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "tests/cluster/file_ops.h"
#include "tests/cluster/kv_workload.h"
#include "tests/cluster/linearizability.h"
#include "tests/support/free_port.h"

namespace etcfs::testing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::optional<etcdserverpb::StatusResponse> Status(const std::string& endpoint) {
  auto stub = etcdserverpb::Maintenance::NewStub(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(500));
  etcdserverpb::StatusResponse resp;
  if (!stub->Status(&ctx, {}, &resp).ok()) return std::nullopt;
  return resp;
}

std::optional<etcdserverpb::HashKVResponse> HashKV(const std::string& endpoint, int64_t revision) {
  auto stub = etcdserverpb::Maintenance::NewStub(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
  etcdserverpb::HashKVRequest req;
  req.set_revision(revision);
  etcdserverpb::HashKVResponse resp;
  if (!stub->HashKV(&ctx, req, &resp).ok()) return std::nullopt;
  return resp;
}

}  // namespace

FaultRun::FaultRun(const HarnessOptions& o, uint64_t seed, Totals* totals) : o_(o), rng_(seed), seed_(seed), totals_(totals) {
  char tmpl[] = "/tmp/etcfs-faults-XXXXXX";
  dir_ = mkdtemp(tmpl);
  if (o.network == "netns") {
    auto net = NamespaceNetwork::Create(o.members);
    if (!net.ok()) {
      setup_error_ = net.status().message();
      return;
    }
    net_ = std::move(*net);
  }
  std::string cluster;
  std::vector<std::pair<std::string, std::string>> urls;
  for (int i = 1; i <= o.members; ++i) {
    std::string client, peer;
    if (net_) {
      client = "http://" + net_->Address(i - 1) + ":2379";
      peer = "http://" + net_->Address(i - 1) + ":2380";
    } else {
      client = "http://127.0.0.1:" + std::to_string(FreePort());
      peer = "http://127.0.0.1:" + std::to_string(FreePort());
    }
    cluster += (cluster.empty() ? "" : ",") + ("n" + std::to_string(i)) + "=" + peer;
    urls.emplace_back(client, peer);
  }
  for (int i = 1; i <= o.members; ++i) {
    MemberSpec s;
    s.etcfsd = o.etcfsd;
    s.name = "n" + std::to_string(i);
    s.data_dir = dir_ + "/n" + std::to_string(i);
    s.client_url = urls[static_cast<size_t>(i - 1)].first;
    s.peer_url = urls[static_cast<size_t>(i - 1)].second;
    s.initial_cluster = cluster;
    s.extra_flags = {"--heartbeat-interval", "50", "--election-timeout", "500", "--log-level", "info"};
    if (o.replace_members) {
      s.extra_flags.insert(s.extra_flags.end(),
                           {"--snapshot-count", "200", "--experimental-snapshot-catchup-entries", "50"});
    }
    if (o.full_disk && i == o.members && setup_error_.empty()) {
      auto disk = SmallDisk::Create(s.data_dir, 256);  // room for 2 preallocated WAL segments and the store
      if (!disk.ok()) setup_error_ = disk.status().message();
      if (disk.ok()) disk_ = std::move(*disk);
    }
    if (o.file_clients > 0) {
      s.mount_dir = s.data_dir + ".mnt";
      s.extra_flags.insert(s.extra_flags.end(),
                           {"--mount", s.mount_dir, "--mount-options", "consistency=linearizable"});
    }
    if (net_) s.launcher = net_->Launcher(i - 1);
    members_.push_back(std::make_unique<MemberProcess>(s));
  }
}

FaultRun::~FaultRun() {
  members_.clear();  // killed
  disk_.reset();     // unmounted
  if (failed_) {
    std::fprintf(stderr, "member logs kept in %s\n", dir_.c_str());
  } else {
    std::error_code ignored;  // a mount that would not detach keeps its directory
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool FaultRun::Go() {
  if (!setup_error_.empty()) return Fail("cannot set up the run: " + setup_error_);
  for (auto& m : members_) m->Start();
  if (!WaitServing(Clock::now() + std::chrono::seconds(30))) return Fail("the cluster did not start");
  std::vector<std::string> endpoints;
  for (auto& m : members_) endpoints.push_back(m->endpoint());
  WorkloadOptions wo;
  wo.clients = o_.clients;
  wo.keys = o_.keys;
  wo.seed = seed_;
  if (o_.file_clients > 0) {
    for (auto& m : members_) wo.mounts.push_back(m->spec().mount_dir);
    wo.file_clients = o_.file_clients;
  }
  KvWorkload workload(endpoints, wo);
  const auto until = Clock::now() + std::chrono::seconds(o_.seconds);
  std::thread faults([&] { InjectFaults(until); });
  workload.Run(until);
  faults.join();
  Heal();
  if (!exits_.empty()) return Fail(exits_);
  if (std::string silent = workload.FinalReads(Clock::now() + std::chrono::seconds(60)); !silent.empty()) {
    return Fail("after healing, a linearizable read went unanswered for 60 s: " + silent);
  }
  const auto history = workload.History();
  const auto check_start = Clock::now();
  const LinearizabilityResult lin = CheckLinearizable(history, o_.state_budget);
  totals_->ops_checked += lin.ops;
  totals_->ops_unknown += workload.unknown();
  totals_->file_ops += workload.file_ops();
  if (!lin.ok) {
    ++totals_->violations;
    return Fail("not linearizable: " + lin.explanation);
  }
  if (lin.inconclusive) {
    totals_->inconclusive_keys += lin.inconclusive_keys;
    std::fprintf(stderr, "note (seed %llu): %zu keys left unchecked; for example: %s\n",
                 static_cast<unsigned long long>(seed_), lin.inconclusive_keys, lin.explanation.c_str());
  }
  std::string why;
  if (!SameHashes(&why)) {
    ++totals_->violations;
    return Fail(why);
  }
  if (o_.file_clients > 0) {
    std::string differ;
    if (!SameTrees(&differ)) {
      ++totals_->violations;
      return Fail(differ);
    }
    why += ", " + differ;
  }
  totals_->notes.push_back("run seed " + std::to_string(seed_) + " (" + Took(check_start) + " to check): " +
                           std::to_string(lin.ops) +
                           " operations checked on " + std::to_string(lin.keys) + " keys (" +
                           std::to_string(workload.unknown()) + " with unknown outcome; " +
                           std::to_string(workload.not_sent()) + " calls refused before sending left out), " + why);
  return true;
}

std::string FaultRun::Took(Clock::time_point since) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(Clock::now() - since).count()) + " ms";
}

bool FaultRun::Fail(const std::string& why) {
  failed_ = true;
  std::fprintf(stderr, "FAIL (seed %llu): %s\n", static_cast<unsigned long long>(seed_), why.c_str());
  return false;
}

bool FaultRun::WaitServing(Clock::time_point deadline) {
  for (auto& m : members_) {
    while (!Status(m->endpoint())) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  return true;
}

int FaultRun::Leader() {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!members_[i]->running() || members_[i]->paused()) continue;
    auto s = Status(members_[i]->endpoint());
    if (s && s->leader() == s->header().member_id()) return static_cast<int>(i);
  }
  return -1;
}

int FaultRun::Pick(const std::string& what) {
  if (what == "leader") {
    const int l = Leader();
    if (l >= 0) return l;
  }
  return static_cast<int>(rng_() % members_.size());
}

void FaultRun::Sleep(int lo_ms, int hi_ms) {
  std::this_thread::sleep_for(milliseconds(lo_ms + static_cast<int>(rng_() % static_cast<uint64_t>(hi_ms - lo_ms))));
}

void FaultRun::ReapExits() {
  for (auto& m : members_) {
    if (!m->Exited()) continue;
    exits_ += (exits_.empty() ? "" : "; ") + m->spec().name + " exited by itself (status " +
              std::to_string(m->exit_status()) + "), see " + m->spec().data_dir + ".log";
    m->Start();
  }
}

void FaultRun::FillDisk() {
  MemberProcess& m = *members_.back();
  disk_->Fill();
  ++totals_->faults["full disk (tmpfs data dir) of the last member"];
  Sleep(500, 2000);
  disk_->Free();
  for (int i = 0; i < 10 && !m.Exited(); ++i) std::this_thread::sleep_for(milliseconds(50));
  if (!m.running()) {
    std::ifstream log(m.spec().data_dir + ".log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (m.exit_status() != 1 || text.find("the disk is full") == std::string::npos) {
      exits_ += (exits_.empty() ? "" : "; ") + m.spec().name + " stopped on a full disk with status " +
                std::to_string(m.exit_status()) + " and no log line saying the disk is full";
    }
    ++totals_->faults["member stopped on the full disk, restarted"];
    m.Start();
  }
}

std::unique_ptr<etcdserverpb::Cluster::Stub> FaultRun::ClusterStub(const MemberProcess& m) {
  return etcdserverpb::Cluster::NewStub(grpc::CreateChannel(m.endpoint(), grpc::InsecureChannelCredentials()));
}

void FaultRun::ReplaceMember() {
  const size_t victim = rng_() % members_.size();
  MemberProcess& m = *members_[victim];
  auto st = Status(m.endpoint());
  if (!st) return;  // paused or down: another time
  const uint64_t id = st->header().member_id();
  m.Kill();
  auto on_others = [&](auto call) {  // true once one of the other members answered OK
    for (const auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
      for (auto& other : members_) {
        if (other.get() == &m || !other->running() || other->paused()) continue;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(2000));
        if (call(*ClusterStub(*other), &ctx)) return true;
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  };
  etcdserverpb::MemberRemoveRequest remove;
  remove.set_id(id);
  if (!on_others([&](etcdserverpb::Cluster::Stub& c, grpc::ClientContext* ctx) {
        etcdserverpb::MemberRemoveResponse resp;
        return c.MemberRemove(ctx, remove, &resp).ok();
      })) {
    m.Start();  // not removed: it comes back as it was
    return;
  }
  // Emptied, not removed: the last member's data directory is a mount.
  std::error_code ignored;
  for (const auto& e : std::filesystem::directory_iterator(m.spec().data_dir, ignored)) {
    std::filesystem::remove_all(e.path(), ignored);
  }
  etcdserverpb::MemberAddRequest add;
  add.add_peerurls(m.spec().peer_url);
  etcdserverpb::MemberAddResponse added;
  if (!on_others([&](etcdserverpb::Cluster::Stub& c, grpc::ClientContext* ctx) {
        return c.MemberAdd(ctx, add, &added).ok();
      })) {
    exits_ += (exits_.empty() ? "" : "; ") + ("could not add " + m.spec().name + " back within 10 s");
    return;
  }
  std::string cluster;
  for (const auto& member : added.members()) {
    if (member.peerurls_size() == 0) continue;
    const std::string name = member.id() == added.member().id() ? m.spec().name : member.name();
    cluster += (cluster.empty() ? "" : ",") + name + "=" + member.peerurls(0);
  }
  m.JoinExisting(cluster);
  m.Start();
  ++totals_->faults["member removed, wiped and added back (from a snapshot)"];
  Sleep(500, 1500);
}

void FaultRun::InjectFaults(Clock::time_point until) {
  while (Clock::now() + milliseconds(1500) < until) {
    Sleep(300, 1200);
    ReapExits();
    if (disk_ && rng_() % 100 < 8) {
      FillDisk();
      continue;
    }
    if (o_.replace_members && rng_() % 100 < 8) {
      ReplaceMember();
      continue;
    }
    const int dice = static_cast<int>(rng_() % 100);
    if (dice < 30) {
      const int m = Pick("leader");
      members_[static_cast<size_t>(m)]->Kill();
      ++totals_->faults["kill -9 of the leader"];
      Sleep(200, 1500);
      members_[static_cast<size_t>(m)]->Start();
    } else if (dice < 55) {
      const int m = Pick("any");
      members_[static_cast<size_t>(m)]->Kill();
      ++totals_->faults["kill -9 of any member"];
      Sleep(200, 1500);
      members_[static_cast<size_t>(m)]->Start();
    } else if (dice < 80) {
      const int m = Pick(dice < 65 ? "leader" : "any");
      members_[static_cast<size_t>(m)]->Pause();
      ++totals_->faults[dice < 65 ? "SIGSTOP of the leader" : "SIGSTOP of any member"];
      Sleep(200, 1500);
      members_[static_cast<size_t>(m)]->Resume();
    } else if (net_ && dice < 88) {
      // The leader (or any member) cut off from the others, both ways.
      const int m = Pick(dice < 84 ? "leader" : "any");
      net_->Partition({m});
      ++totals_->faults[dice < 84 ? "partition of the leader" : "partition of any member"];
      Sleep(300, 2500);
      net_->Heal();
    } else if (net_ && dice < 94) {
      net_->Loss(30);
      ++totals_->faults["30% packet loss between members"];
      Sleep(500, 2500);
      net_->Heal();
    } else if (members_.size() >= 3) {
      // A majority down: no quorum until they return.
      const size_t a = rng_() % members_.size(), b = (a + 1) % members_.size();
      members_[a]->Kill();
      members_[b]->Kill();
      ++totals_->faults["kill -9 of a majority"];
      Sleep(500, 2000);
      members_[a]->Start();
      members_[b]->Start();
    }
  }
}

void FaultRun::Heal() {
  if (net_) net_->Heal();
  if (disk_) disk_->Free();
  ReapExits();
  for (auto& m : members_) {
    m->Resume();
    m->Start();
  }
}

bool FaultRun::SameTrees(std::string* why) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  const std::string& first = members_[0]->spec().mount_dir;
  for (size_t i = 1; i < members_.size(); ++i) {
    std::string diff;
    auto differ = [&] {
      for (const std::string& m : {first, members_[i]->spec().mount_dir}) {
        const int root = OpenMountRoot(m);
        if (root < 0) {
          diff = m + " is not mounted";
          return true;
        }
        ::close(root);
      }
      return !(diff = DiffTrees(first, members_[i]->spec().mount_dir)).empty();
    };
    while (differ()) {
      if (Clock::now() > deadline) {
        *why = "the mounts of " + members_[0]->spec().name + " and " + members_[i]->spec().name +
               " differ 30 s after healing: " + diff;
        return false;
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
    ++totals_->trees_compared;
  }
  *why = "diff -r of the " + std::to_string(members_.size()) + " mounts empty";
  return true;
}

bool FaultRun::SameHashes(std::string* why) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::vector<etcdserverpb::StatusResponse> st;
  for (;;) {
    st.clear();
    for (auto& m : members_) {
      if (auto s = Status(m->endpoint())) st.push_back(*s);
    }
    bool same = st.size() == members_.size();
    for (const auto& s : st) {
      same = same && s.header().revision() == st[0].header().revision() &&
             s.raftappliedindex() == st[0].raftappliedindex();
    }
    if (same) break;
    if (Clock::now() > deadline) {
      *why = "the members did not converge to one revision and applied index within 30 s";
      return false;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  const int64_t rev = st[0].header().revision();
  std::optional<uint32_t> hash;
  for (auto& m : members_) {
    auto h = HashKV(m->endpoint(), rev);
    if (!h) {
      *why = "hashkv at revision " + std::to_string(rev) + " failed on " + m->spec().name;
      return false;
    }
    if (hash && *hash != h->hash()) {
      *why = "the members' hashes differ at revision " + std::to_string(rev);
      return false;
    }
    hash = h->hash();
  }
  *why = "hashkv equal on " + std::to_string(members_.size()) + " members at revision " + std::to_string(rev);
  return true;
}
}  // namespace etcfs::testing
