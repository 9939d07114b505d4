#include "store/meta.h"

#include "base/coding.h"

namespace etcfs::store {
namespace {
constexpr char kMetaFormat = 1;
}

bool StoreMeta::HasAlarm(kv::AlarmType type) const {
  for (const auto& a : alarms) {
    if (a.alarm == type) return true;
  }
  return false;
}

std::string EncodeMeta(const StoreMeta& m) {
  std::string out;
  out.push_back(kMetaFormat);
  PutVarint64(&out, static_cast<uint64_t>(m.revision));
  PutVarint64(&out, static_cast<uint64_t>(m.compact_revision));
  PutVarint64(&out, m.applied_index);
  PutVarint64(&out, m.applied_term);
  PutVarint64(&out, static_cast<uint64_t>(m.key_count));
  PutVarint64(&out, m.lease_seq);
  PutVarint64(&out, m.alarms.size());
  for (const auto& a : m.alarms) {
    PutVarint64(&out, a.member_id);
    PutVarint64(&out, static_cast<uint64_t>(a.alarm));
  }
  return out;
}

bool DecodeMeta(std::string_view in, StoreMeta* m) {
  if (in.empty() || in[0] != kMetaFormat) return false;
  in.remove_prefix(1);
  uint64_t rev, compact, key_count, n;
  if (!GetVarint64(&in, &rev) || !GetVarint64(&in, &compact) ||
      !GetVarint64(&in, &m->applied_index) || !GetVarint64(&in, &m->applied_term) ||
      !GetVarint64(&in, &key_count) || !GetVarint64(&in, &m->lease_seq) ||
      !GetVarint64(&in, &n) || n > in.size()) {
    return false;
  }
  m->revision = static_cast<int64_t>(rev);
  m->compact_revision = static_cast<int64_t>(compact);
  m->key_count = static_cast<int64_t>(key_count);
  m->alarms.clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t member, alarm;
    if (!GetVarint64(&in, &member) || !GetVarint64(&in, &alarm) || alarm > 2) return false;
    m->alarms.push_back({member, static_cast<kv::AlarmType>(alarm)});
  }
  return in.empty();
}

}  // namespace etcfs::store
