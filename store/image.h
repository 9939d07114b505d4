// Store images: a whole store as one byte stream, to hand a member's state
// to another (the Raft snapshot a lagging follower installs) or to a file
// (etcdctl snapshot save). An image is a logical copy of every column family
// at one committed batch, independent of RocksDB's files and levels.
//
// Format (version 1):
//   "ETCFSIMG"  fixed32-LE version
//   records:    u8 column family index (as Db::all()), varint key length, key,
//               varint value length, value; first the store metadata, then
//               every other record in column-family and key order
//   u8 0xff     end mark
//   fixed64-BE  XXH64 (seed 0) of every byte before it
// A reader checks the checksum before trusting any record, so a truncated or
// damaged image is refused whole.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/meta.h"

namespace etcfs::store {

inline constexpr std::string_view kImageMagic = "ETCFSIMG";
inline constexpr uint32_t kImageVersion = 1;
inline constexpr uint8_t kImageEndMark = 0xff;

// Receives an image in chunks; a non-OK status stops the writer.
using ImageSink = std::function<Status(std::string_view chunk)>;

// Builds an image record by record, handing out chunks of about `chunk_bytes`.
class ImageWriter {
 public:
  explicit ImageWriter(ImageSink sink, size_t chunk_bytes = size_t{1} << 20);
  ~ImageWriter();
  ImageWriter(const ImageWriter&) = delete;
  ImageWriter& operator=(const ImageWriter&) = delete;

  Status Add(uint8_t column_family, std::string_view key, std::string_view value);
  // Writes the end mark and the checksum, and flushes.
  Status Finish();

 private:
  Status FlushIfFull();
  ImageSink sink_;
  size_t chunk_bytes_;
  std::string buf_;
  void* hash_;  // an XXH64_state_t, kept out of this header
};

// Checks an image's framing and checksum, and reads its store metadata.
// Errors: Corruption (not an image, damaged or truncated), with what is wrong.
Status VerifyImage(std::string_view image, StoreMeta* meta);

// Calls `fn` for every record of a verified image, in order.
Status ForEachImageRecord(
    std::string_view image,
    const std::function<Status(uint8_t column_family, std::string_view key, std::string_view value)>& fn);

}  // namespace etcfs::store
