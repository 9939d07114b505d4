// FileSystem: the few file operations that durable code needs, behind an
// interface so that tests can inject faults (FaultInjectionFileSystem in
// tests/support drops everything not yet synced, as a power cut would).
// PosixFileSystem is the real one. Errors name the file and the call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace etcfs {

// A file open for appending. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  // Reserves space up to `bytes` without changing the visible size, so that
  // appends do not have to allocate (and fdatasync need not update metadata).
  virtual Status Preallocate(uint64_t bytes) = 0;
  virtual uint64_t Size() const = 0;
  virtual Status Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates or truncates `path` for appending.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens an existing file for appending at its end.
  virtual Result<std::unique_ptr<WritableFile>> ReopenWritableFile(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Shrinks (or extends with zeros) the file to `size` and syncs it.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status CreateDir(const std::string& path) = 0;
  // Makes a directory's entries (creations, renames) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // The names (not paths) in a directory, sorted.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The real file system. Thread-safe.
FileSystem* PosixFileSystem();

}  // namespace etcfs
