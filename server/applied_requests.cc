#include "server/applied_requests.h"

#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>

#include "base/coding.h"

namespace etcfs::server {
namespace {

constexpr std::string_view kPrefix = "sessions/";

std::string SessionKey(uint64_t session) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, session);
  return std::string(kPrefix) + buf;
}

bool ParseSessionKey(std::string_view key, uint64_t* session) {
  if (key.size() != kPrefix.size() + 16 || key.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string hex(key.substr(kPrefix.size()));
  return std::sscanf(hex.c_str(), "%16" SCNx64, session) == 1;
}

}  // namespace

std::string AppliedRequests::Encode(const Session& s) {
  std::string out;
  PutVarint64(&out, s.floor);
  PutVarint64(&out, s.last_index);
  PutVarint64(&out, s.applied.size());
  uint64_t prev = s.floor;
  for (const auto& [first, last] : s.applied) {
    PutVarint64(&out, first - prev);
    PutVarint64(&out, last - first);
    prev = last;
  }
  return out;
}

bool AppliedRequests::Decode(std::string_view in, Session* s) {
  uint64_t n = 0;
  if (!GetVarint64(&in, &s->floor) || !GetVarint64(&in, &s->last_index) || !GetVarint64(&in, &n)) return false;
  uint64_t prev = s->floor;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t gap = 0, len = 0;
    if (!GetVarint64(&in, &gap) || !GetVarint64(&in, &len)) return false;
    const uint64_t first = prev + gap;
    s->applied.emplace(first, first + len);
    prev = first + len;
  }
  return in.empty();
}

Status AppliedRequests::Load(const store::Store& store) {
  ETCFS_ASSIGN_OR_RETURN(auto records, store.ListMetadata(kPrefix));
  sessions_.clear();
  dirty_.clear();
  for (const auto& [key, value] : records) {
    uint64_t id = 0;
    Session s;
    if (!ParseSessionKey(key, &id) || !Decode(value, &s)) {
      return Status::Corruption("the store's record of applied requests '" + key +
                                "' is damaged; restore this member's data directory from a backup, "
                                "or remove the member and add it anew");
    }
    sessions_.emplace(id, std::move(s));
  }
  return Status::Ok();
}

bool AppliedRequests::CheckAndRecord(uint64_t session, uint64_t id, uint64_t first_outstanding,
                                     uint64_t index) {
  if (session == 0) return false;
  Session& s = sessions_[session];
  s.last_index = index;
  dirty_.insert(session);
  if (first_outstanding > s.floor) {
    s.floor = first_outstanding;
    auto it = s.applied.begin();
    while (it != s.applied.end() && it->second < s.floor) it = s.applied.erase(it);
    if (it != s.applied.end() && it->first < s.floor) {
      const uint64_t last = it->second;
      s.applied.erase(it);
      s.applied.emplace(s.floor, last);
    }
  }
  if (id < s.floor) return true;
  // The interval at or before `id`, and the one after it.
  auto next = s.applied.upper_bound(id);
  auto prev = next == s.applied.begin() ? s.applied.end() : std::prev(next);
  if (prev != s.applied.end() && id <= prev->second) return true;
  const bool joins_prev = prev != s.applied.end() && prev->second + 1 == id;
  const bool joins_next = next != s.applied.end() && next->first == id + 1;
  if (joins_prev && joins_next) {
    prev->second = next->second;
    s.applied.erase(next);
  } else if (joins_prev) {
    prev->second = id;
  } else if (joins_next) {
    const uint64_t last = next->second;
    s.applied.erase(next);
    s.applied.emplace(id, last);
  } else {
    s.applied.emplace(id, id);
  }
  return false;
}

void AppliedRequests::Flush(store::ApplyBatch& batch) {
  for (uint64_t id : dirty_) batch.PutMetadata(SessionKey(id), Encode(sessions_.at(id)));
  dirty_.clear();
  while (sessions_.size() > kMaxSessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (std::pair(it->second.last_index, it->first) < std::pair(oldest->second.last_index, oldest->first)) {
        oldest = it;
      }
    }
    spdlog::info("etcfsd: forgetting the applied requests of proposer session {:x}, unused since entry {}",
                 oldest->first, oldest->second.last_index);
    batch.DeleteMetadata(SessionKey(oldest->first));
    sessions_.erase(oldest);
  }
}

size_t AppliedRequests::held(uint64_t session) const {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return 0;
  size_t n = 0;
  for (const auto& [first, last] : it->second.applied) n += last - first + 1;
  return n;
}

}  // namespace etcfs::server
