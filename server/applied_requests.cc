#include "server/applied_requests.h"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace etcfs::server {
namespace {

constexpr std::string_view kPrefix = "requests/";

// Fixed-width hex keeps the records in time order. Times before the epoch
// (a badly set clock) sort first and fall out of retention first.
std::string RecordKey(int64_t time_ns, uint64_t id) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "/%016" PRIx64, static_cast<uint64_t>(time_ns) ^ (uint64_t{1} << 63), id);
  return std::string(kPrefix) + buf;
}

bool ParseRecordKey(std::string_view key, int64_t* time_ns, uint64_t* id) {
  if (key.size() != kPrefix.size() + 33 || key.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string rest(key.substr(kPrefix.size()));
  uint64_t t = 0;
  if (std::sscanf(rest.c_str(), "%16" SCNx64 "/%16" SCNx64, &t, id) != 2) return false;
  *time_ns = static_cast<int64_t>(t ^ (uint64_t{1} << 63));
  return true;
}

}  // namespace

Status AppliedRequests::Load(const store::Store& store) {
  ETCFS_ASSIGN_OR_RETURN(auto records, store.ListMetadata(kPrefix));
  applied_.clear();
  for (const auto& [key, value] : records) {
    int64_t t;
    uint64_t id;
    if (ParseRecordKey(key, &t, &id)) applied_.emplace(t, id);
  }
  return Status::Ok();
}

bool AppliedRequests::CheckAndRecord(store::ApplyBatch& batch, int64_t time_ns, uint64_t id) {
  if (!applied_.emplace(time_ns, id).second) return true;
  batch.PutMetadata(RecordKey(time_ns, id), "");
  const int64_t horizon =
      applied_.rbegin()->first - std::chrono::duration_cast<std::chrono::nanoseconds>(kRetention).count();
  while (!applied_.empty() && applied_.begin()->first < horizon) {
    batch.DeleteMetadata(RecordKey(applied_.begin()->first, applied_.begin()->second));
    applied_.erase(applied_.begin());
  }
  return false;
}

}  // namespace etcfs::server
