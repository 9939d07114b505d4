// bbolt's page layout, shared by its reader and writer (bbolt.h describes
// the format): page and element types, their sizes, and the little-endian
// fields and meta checksum they are made of.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etcfs::member::bbolt::layout {

inline constexpr uint16_t kBranch = 0x01;
inline constexpr uint16_t kLeaf = 0x02;
inline constexpr uint16_t kMeta = 0x04;
inline constexpr uint16_t kFreelist = 0x10;
inline constexpr uint32_t kBucketElement = 0x01;  // a leaf element whose value is a bucket
inline constexpr size_t kHeader = 16;             // id u64, flags u16, count u16, overflow u32
inline constexpr size_t kElement = 16;            // leaf and branch elements alike
inline constexpr size_t kMetaChecksummed = 56;    // the meta's bytes its checksum covers

template <typename T>
T Load(std::string_view buf, size_t at) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<uint8_t>(buf[at + i])) << (8 * i);
  return v;
}

template <typename T>
void Store(std::string& buf, size_t at, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) buf[at + i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
}

// FNV-1a, 64 bits: the meta page's checksum.
inline uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace etcfs::member::bbolt::layout
