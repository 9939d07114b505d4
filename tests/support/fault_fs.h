// FaultInjectionFileSystem: an in-memory FileSystem that can cut power.
// Each file remembers how much of it was synced; each directory remembers
// its entries as of its last SyncDir. PowerCut() keeps exactly that: synced
// bytes, plus (at random) part of the unsynced tail, possibly garbled as a
// torn write leaves it; files created or renamed since the last SyncDir
// revert. Thread-compatible.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>

#include "base/file_system.h"

namespace etcfs::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(uint64_t seed) : rng_(seed) {}

  struct FileState {
    std::string data;
    size_t synced = 0;
  };

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    auto f = std::make_shared<FileState>();
    files_[path] = f;
    return std::unique_ptr<WritableFile>(new File(f));
  }
  Result<std::unique_ptr<WritableFile>> ReopenWritableFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::IOError("open " + path + ": no such file");
    return std::unique_ptr<WritableFile>(new File(it->second));
  }
  Result<std::string> ReadFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::IOError("open " + path + ": no such file");
    return it->second->data;
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::IOError("truncate " + path + ": no such file");
    it->second->data.resize(size);
    it->second->synced = size;
    return Status::Ok();
  }
  Status Rename(const std::string& from, const std::string& to) override {
    auto it = files_.find(from);
    if (it == files_.end()) return Status::IOError("rename " + from + ": no such file");
    files_[to] = it->second;
    files_.erase(it);
    return Status::Ok();
  }
  Status Remove(const std::string& path) override {
    files_.erase(path);
    return Status::Ok();
  }
  Status CreateDir(const std::string&) override { return Status::Ok(); }
  Status SyncDir(const std::string& dir) override {
    auto& durable = durable_[dir];
    durable.clear();
    for (const auto& [path, f] : files_) {
      if (Parent(path) == dir) durable[path] = f;
    }
    return Status::Ok();
  }
  Result<std::vector<std::string>> List(const std::string& dir) override {
    std::vector<std::string> out;
    for (const auto& [path, f] : files_) {
      if (Parent(path) == dir) out.push_back(path.substr(dir.size() + 1));
    }
    return out;
  }
  bool Exists(const std::string& path) override { return files_.count(path) > 0; }

  // Loses what a power cut would lose. Returns the unsynced bytes dropped.
  size_t PowerCut() {
    std::map<std::string, std::shared_ptr<FileState>> after;
    for (const auto& [dir, entries] : durable_) {
      for (const auto& [path, f] : entries) after[path] = f;
    }
    size_t dropped = 0;
    for (auto& [path, f] : after) {
      const size_t unsynced = f->data.size() - f->synced;
      const size_t kept = unsynced == 0 ? 0 : std::uniform_int_distribution<size_t>(0, unsynced)(rng_);
      dropped += unsynced - kept;
      f->data.resize(f->synced + kept);
      // A torn write may leave garbage in what survived of the tail.
      if (kept > 0 && std::uniform_int_distribution<int>(0, 2)(rng_) == 0) {
        const size_t at = f->synced + std::uniform_int_distribution<size_t>(0, kept - 1)(rng_);
        f->data[at] = static_cast<char>(f->data[at] ^ 0x5a);
      }
      f->synced = f->data.size();
    }
    files_ = std::move(after);
    return dropped;
  }

  std::map<std::string, std::shared_ptr<FileState>>& files() { return files_; }

 private:
  class File final : public WritableFile {
   public:
    explicit File(std::shared_ptr<FileState> f) : f_(std::move(f)) {}
    Status Append(std::string_view data) override {
      f_->data.append(data);
      return Status::Ok();
    }
    Status Sync() override {
      f_->synced = f_->data.size();
      return Status::Ok();
    }
    Status Preallocate(uint64_t) override { return Status::Ok(); }
    uint64_t Size() const override { return f_->data.size(); }
    Status Close() override { return Status::Ok(); }

   private:
    std::shared_ptr<FileState> f_;
  };

  static std::string Parent(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
  }

  std::mt19937_64 rng_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  std::map<std::string, std::map<std::string, std::shared_ptr<FileState>>> durable_;
};

}  // namespace etcfs::testing
