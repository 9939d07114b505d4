#include "store/image.h"

#include <xxhash.h>

#include "base/coding.h"

namespace etcfs::store {
namespace {

constexpr size_t kHeaderBytes = 12;  // magic + version
constexpr size_t kTrailerBytes = 9;  // end mark + checksum

XXH64_state_t* State(void* p) { return static_cast<XXH64_state_t*>(p); }

// Parses the records between the header and the end mark. `body` holds
// exactly those bytes.
Status ParseRecords(
    std::string_view body,
    const std::function<Status(uint8_t, std::string_view, std::string_view)>& fn) {
  uint64_t n = 0;
  while (!body.empty()) {
    const uint8_t cf = static_cast<uint8_t>(body.front());
    body.remove_prefix(1);
    std::string_view key, value;
    if (!GetLengthPrefixed(&body, &key) || !GetLengthPrefixed(&body, &value)) {
      return Status::Corruption("store image: record " + std::to_string(n) + " is cut short");
    }
    ETCFS_RETURN_IF_ERROR(fn(cf, key, value));
    ++n;
  }
  return Status::Ok();
}

}  // namespace

ImageWriter::ImageWriter(ImageSink sink, size_t chunk_bytes)
    : sink_(std::move(sink)), chunk_bytes_(chunk_bytes), hash_(XXH64_createState()) {
  XXH64_reset(State(hash_), 0);
  buf_.append(kImageMagic);
  PutFixed32LE(&buf_, kImageVersion);
}

ImageWriter::~ImageWriter() { XXH64_freeState(State(hash_)); }

Status ImageWriter::FlushIfFull() {
  if (buf_.size() < chunk_bytes_) return Status::Ok();
  XXH64_update(State(hash_), buf_.data(), buf_.size());
  Status s = sink_(buf_);
  buf_.clear();
  return s;
}

Status ImageWriter::Add(uint8_t column_family, std::string_view key, std::string_view value) {
  buf_.push_back(static_cast<char>(column_family));
  PutLengthPrefixed(&buf_, key);
  PutLengthPrefixed(&buf_, value);
  return FlushIfFull();
}

Status ImageWriter::Finish() {
  buf_.push_back(static_cast<char>(kImageEndMark));
  XXH64_update(State(hash_), buf_.data(), buf_.size());
  PutFixed64BE(&buf_, XXH64_digest(State(hash_)));
  Status s = sink_(buf_);
  buf_.clear();
  return s;
}

Status VerifyImage(std::string_view image, StoreMeta* meta) {
  if (image.size() < kHeaderBytes + kTrailerBytes || image.substr(0, kImageMagic.size()) != kImageMagic) {
    return Status::Corruption("not an etcfs store image (no ETCFSIMG header)");
  }
  const uint32_t version = DecodeFixed32LE(image.data() + kImageMagic.size());
  if (version != kImageVersion) {
    return Status::Corruption("store image version " + std::to_string(version) +
                              " is not supported (this build reads version " +
                              std::to_string(kImageVersion) + ")");
  }
  const size_t end = image.size() - kTrailerBytes;
  const uint64_t want = DecodeFixed64BE(image.data() + end + 1);
  if (static_cast<uint8_t>(image[end]) != kImageEndMark || XXH64(image.data(), end + 1, 0) != want) {
    return Status::Corruption("store image is damaged or truncated (checksum mismatch over " +
                              std::to_string(image.size()) + " bytes)");
  }
  bool found = false;
  ETCFS_RETURN_IF_ERROR(ParseRecords(image.substr(kHeaderBytes, end - kHeaderBytes),
                                     [&](uint8_t cf, std::string_view key, std::string_view value) {
                                       if (cf == 0 && key == kMetaStateKey) {
                                         found = DecodeMeta(value, meta);
                                       }
                                       return Status::Ok();
                                     }));
  if (!found) return Status::Corruption("store image holds no readable store metadata");
  return Status::Ok();
}

Status ForEachImageRecord(
    std::string_view image,
    const std::function<Status(uint8_t, std::string_view, std::string_view)>& fn) {
  if (image.size() < kHeaderBytes + kTrailerBytes) return Status::Corruption("store image is truncated");
  return ParseRecords(image.substr(kHeaderBytes, image.size() - kHeaderBytes - kTrailerBytes), fn);
}

}  // namespace etcfs::store
