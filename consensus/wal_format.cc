#include "consensus/wal_format.h"

#include <cinttypes>
#include <cstdio>

#include <xxhash.h>

#include "base/coding.h"

namespace etcfs::consensus {

uint32_t Checksum(uint64_t seq, std::string_view type_and_payload) {
  return XXH32(type_and_payload.data(), type_and_payload.size(),
               static_cast<uint32_t>(seq) ^ 0x57414c31u);
}

std::string SegmentName(uint64_t seq, Index first) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 ".wal", seq, first.value());
  return buf;
}

bool ParseSegmentName(const std::string& name, uint64_t* seq, Index* first) {
  unsigned long long s, f;
  char tail[8];
  if (name.size() != 16 + 1 + 16 + 4 || std::sscanf(name.c_str(), "%16llx-%16llx%4s", &s, &f, tail) != 3 ||
      std::string(tail) != ".wal") {
    return false;
  }
  *seq = s;
  *first = Index(f);
  return true;
}

std::string EncodeEntry(const Entry& e) {
  std::string p;
  PutVarint64(&p, e.term.value());
  PutVarint64(&p, e.index.value());
  p.push_back(static_cast<char>(e.type));
  p.append(e.data);
  return p;
}

bool DecodeEntry(std::string_view in, Entry* e) {
  uint64_t term, index;
  if (!GetVarint64(&in, &term) || !GetVarint64(&in, &index) || in.empty()) return false;
  const uint8_t type = static_cast<uint8_t>(in[0]);
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) return false;
  in.remove_prefix(1);
  *e = Entry{Term(term), Index(index), static_cast<EntryType>(type), std::string(in)};
  return true;
}

std::string EncodeHardState(const HardState& hs) {
  std::string p;
  PutVarint64(&p, hs.term.value());
  PutVarint64(&p, hs.vote.value());
  PutVarint64(&p, hs.commit.value());
  return p;
}

bool DecodeHardState(std::string_view in, HardState* hs) {
  uint64_t t, v, c;
  if (!GetVarint64(&in, &t) || !GetVarint64(&in, &v) || !GetVarint64(&in, &c) || !in.empty()) return false;
  *hs = HardState{Term(t), NodeId(v), Index(c)};
  return true;
}

void AppendWalRecord(uint64_t seq, uint8_t type, std::string_view payload, std::string* buf) {
  std::string body;
  body.reserve(payload.size() + 1);
  body.push_back(static_cast<char>(type));
  body.append(payload);
  PutFixed32LE(buf, static_cast<uint32_t>(body.size()));
  PutFixed32LE(buf, Checksum(seq, body));
  buf->append(body);
}

}  // namespace etcfs::consensus
