#include "ctl/output.h"

#include <algorithm>
#include <cstdio>

#include "ctl/connection.h"
#include "ctl/json_output.h"

namespace etcfs::ctl {

Format ParseFormat(const std::string& write_out) {
  if (write_out == "simple") return Format::kSimple;
  if (write_out == "json") return Format::kJson;
  if (write_out == "table") return Format::kTable;
  Fail(kExitBadFeature, "unsupported output format '" + write_out + "' (-w takes simple, json or table)");
}

void NoTable(const std::string& what) { Fail(kExitBadFeature, "table is not an output format of " + what + "; use -w simple or -w json"); }

std::string Table::Render() const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < width.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  std::string rule = "+";
  for (size_t w : width) rule += std::string(w + 2, '-') + "+";
  rule += "\n";
  // Headers centred, cells to the right, as etcdctl's tables.
  auto line = [&](const std::vector<std::string>& cells, bool center) {
    std::string out = "|";
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string c = i < cells.size() ? cells[i] : "";
      const size_t pad = width[i] - c.size();
      const size_t left = center ? pad / 2 : pad;
      out += " " + std::string(left, ' ') + c + std::string(pad - left, ' ') + " |";
    }
    return out + "\n";
  };
  std::string out = rule + line(header_, true) + rule;
  for (const auto& r : rows_) out += line(r, false);
  return out + rule;
}

void PrintJson(const google::protobuf::Message& m) { std::printf("%s\n", ToJson(m).c_str()); }

void PrintKv(const mvccpb::KeyValue& kv, bool values_only) {
  if (!values_only) std::printf("%s\n", kv.key().c_str());
  std::fwrite(kv.value().data(), 1, kv.value().size(), stdout);  // empty with --keys-only
  std::printf("\n");
}

}  // namespace etcfs::ctl
