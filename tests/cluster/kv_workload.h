// KvWorkload: concurrent clients doing get, put, delete and compare-and-swap
// on a few keys through etcd's v3 API, and, given mounts, clients doing get,
// put and delete through files of the members' mounts (file_ops.h), each
// operation recorded with its
// invocation and completion times (a history for linearizability.h). Writes
// carry values unique to the history, so a read names the write it saw. A
// call that fails or times out has an unknown outcome: it may or may not have
// taken effect, and the checker treats it so.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/cluster/linearizability.h"

namespace etcfs::testing {

struct WorkloadOptions {
  int clients = 8;
  // Keys in use at a time. Every `rotate` the clients move on to fresh keys,
  // so that each key's history stays short enough to check (as Jepsen's
  // independent keys): the search grows with a key's operations, above all
  // with those whose outcome is unknown.
  int keys = 8;
  std::chrono::milliseconds rotate{1000};
  std::chrono::milliseconds op_timeout{2000};
  uint64_t seed = 1;
  // Each endpoint's mount (same order), made with consistency=linearizable;
  // empty: no file clients. The first `file_clients` clients use them.
  std::vector<std::string> mounts;
  int file_clients = 0;
};

class KvWorkload {
 public:
  KvWorkload(std::vector<std::string> endpoints, WorkloadOptions options);
  ~KvWorkload();

  // Runs the clients until `until`; each operation goes to a random endpoint.
  // With mounts, first makes the directory the keys live in.
  void Run(std::chrono::steady_clock::time_point until);
  // A linearizable read of every key used through each endpoint in turn, retried
  // until answered or `deadline`. Empty, or which endpoint never answered and
  // the last error it gave.
  std::string FinalReads(std::chrono::steady_clock::time_point deadline);

  std::vector<KvOp> History() const;
  uint64_t completed() const { return completed_; }
  uint64_t unknown() const { return unknown_; }
  uint64_t not_sent() const { return not_sent_; }
  uint64_t file_ops() const { return file_ops_; }

 private:
  struct Client;
  KvOp Do(Client& c, int endpoint, KvOp op);
  KvOp DoFile(Client& c, int endpoint, KvOp op);
  // Counts a finished operation as completed, unknown or never sent.
  KvOp Finish(KvOp op, bool known, bool not_sent);
  int64_t Now() const;

  std::vector<std::string> endpoints_;
  WorkloadOptions options_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Client>> clients_;
  std::atomic<int64_t> keys_used_{0};  // keys /lin/k0 .. k(keys_used_-1) were touched
  mutable std::mutex mu_;
  std::vector<KvOp> history_;  // guarded by mu_
  std::atomic<uint64_t> completed_{0}, unknown_{0}, not_sent_{0}, file_ops_{0};
};

}  // namespace etcfs::testing
