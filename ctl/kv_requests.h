// The flags of get, put and del, the requests they make and how their
// answers print: shared by the commands and by the lines of a txn, which
// take the same flags (etcdctl's txn does).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "ctl/output.h"
#include "etcd/etcdserverpb/rpc.pb.h"

namespace etcfs::ctl {

// The range a key argument names, as etcdctl reads it.
struct RangeArgs {
  std::string key, range_end;
  bool prefix = false, from_key = false;
  void Add(CLI::App* cmd);
  // `key` as sent: "" --from-key means every key, which etcd spells "\0".
  std::string Key() const { return key.empty() && from_key ? std::string(1, '\0') : key; }
  std::string End() const;  // fails the command on a contradiction
};

struct GetFlags {
  RangeArgs range;
  std::string consistency = "l", order, sort_by;
  int64_t limit = 0, rev = 0;
  bool keys_only = false, count_only = false, print_value_only = false;
  void Add(CLI::App* cmd);
  etcdserverpb::RangeRequest Build() const;
  void Print(Format format, const etcdserverpb::RangeResponse& resp) const;
};

struct PutFlags {
  std::string key, value, lease;
  bool value_given = false;  // set by the caller: a value argument came
  bool prev_kv = false, ignore_value = false, ignore_lease = false;
  // `value_required`: a txn line has no standard input to read it from.
  void Add(CLI::App* cmd, bool value_required);
  etcdserverpb::PutRequest Build() const;
  void Print(Format format, const etcdserverpb::PutResponse& resp) const;
};

struct DelFlags {
  RangeArgs range;
  bool prev_kv = false;
  void Add(CLI::App* cmd);
  etcdserverpb::DeleteRangeRequest Build() const;
  void Print(Format format, const etcdserverpb::DeleteRangeResponse& resp) const;
};

// A lease ID as `lease grant` prints it (hexadecimal); fails the command otherwise.
int64_t ParseLease(const std::string& hex);

}  // namespace etcfs::ctl
