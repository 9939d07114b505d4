// Output: how a command's answer is printed, as etcdctl prints it
// (-w simple | json | table), so that what works on etcdctl's output works
// on ours.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "etcd/mvccpb/kv.pb.h"

namespace etcfs::ctl {

enum class Format { kSimple, kJson, kTable };

// Parses -w; fails the command (kExitBadFeature) for anything else.
Format ParseFormat(const std::string& write_out);
// Fails the command: `what` has no table form.
[[noreturn]] void NoTable(const std::string& what);

// An ASCII table, as etcdctl draws them.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A response as JSON on one line.
void PrintJson(const google::protobuf::Message& m);
// A key-value as `get` shows it: the key, then the value, each on a line.
void PrintKv(const mvccpb::KeyValue& kv, bool values_only = false);

}  // namespace etcfs::ctl
