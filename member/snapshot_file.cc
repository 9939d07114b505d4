#include "member/snapshot_file.h"

#include <openssl/evp.h>

#include "base/coding.h"
#include "member/etcd_backend.h"
#include "store/image.h"

namespace etcfs::member {

struct SnapshotHasher::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

SnapshotHasher::SnapshotHasher() : ctx_(std::make_unique<Ctx>()) {
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
}

SnapshotHasher::~SnapshotHasher() = default;

void SnapshotHasher::Update(std::string_view image_bytes) {
  EVP_DigestUpdate(ctx_->md, image_bytes.data(), image_bytes.size());
  bytes_ += image_bytes.size();
}

std::string SnapshotHasher::Tail() {
  std::string tail((kSnapshotAlign - bytes_ % kSnapshotAlign) % kSnapshotAlign, '\0');
  EVP_DigestUpdate(ctx_->md, tail.data(), tail.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &n);
  tail.append(reinterpret_cast<const char*>(digest), n);
  return tail;
}

Result<std::string_view> SnapshotBody(std::string_view file) {
  if (file.size() < kSha256Bytes || (file.size() - kSha256Bytes) % kSnapshotAlign != 0) {
    return Status::Corruption("not a snapshot file: its size (" + std::to_string(file.size()) +
                              " bytes) is not 512·n + 32, a database and its SHA-256");
  }
  const std::string_view body = file.substr(0, file.size() - kSha256Bytes);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(body.data(), body.size(), digest, &n, EVP_sha256(), nullptr);
  if (std::string_view(reinterpret_cast<const char*>(digest), n) != file.substr(body.size())) {
    return Status::Corruption("snapshot file is damaged: its SHA-256 does not match");
  }
  return body;
}

Result<std::string_view> ImageInSnapshotBody(std::string_view body) {
  if (!body.starts_with(store::kImageMagic)) {
    return Status::Corruption("not an etcfs store image");
  }
  // The image ends where its records end; what follows is padding.
  std::string_view rest = body.substr(std::min(body.size(), size_t{12}));
  while (!rest.empty() && static_cast<uint8_t>(rest.front()) != store::kImageEndMark) {
    rest.remove_prefix(1);
    std::string_view key, value;
    if (!GetLengthPrefixed(&rest, &key) || !GetLengthPrefixed(&rest, &value)) {
      return Status::Corruption("snapshot file: the store image inside is cut short");
    }
  }
  if (rest.size() < 9) return Status::Corruption("snapshot file: the store image inside has no end");
  return body.substr(0, body.size() - rest.size() + 9);
}

Result<std::string> StoreImageOfSnapshotFile(std::string_view file, bool skip_hash_check) {
  std::string_view body = file;
  if (auto checked = SnapshotBody(file); checked.ok()) {
    body = *checked;
  } else if (!skip_hash_check) {
    return Status::Corruption(checked.status().message() + " (--skip-hash-check reads a bare database)");
  }
  if (LooksLikeBbolt(body)) return StoreImageOfEtcdBackend(body);
  if (body.data() == file.data() && body.size() == file.size() && body.starts_with(store::kImageMagic)) {
    return std::string(body);  // a bare image; its own checksum is checked by VerifyImage
  }
  auto image = ImageInSnapshotBody(body);
  if (!image.ok()) {
    return Status::Corruption("neither an etcd database nor an etcfs store image: " + image.status().message());
  }
  return std::string(*image);
}

}  // namespace etcfs::member
