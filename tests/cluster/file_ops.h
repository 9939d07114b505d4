// File operations of the fault harness's mount clients: a key's get, put and
// delete done as a program does them on a file of an etcfs mount (etcfs(5)),
// each with what its outcome says about the key. The mounts are made with
// consistency=linearizable, so each open confirms with the leader first and
// the kernel caches nothing: file reads are as linearizable as API reads.
//
// Each operation goes through a descriptor of the mount's root taken just
// before it, checked to be an etcfs (FUSE) mount: a member restarting after
// kill -9 clears its stale mount and mounts again, and between the two the
// directory beneath must never be mistaken for the mount. The descriptor
// keeps its mount: if that one dies meanwhile, the operation fails ENOTCONN.
#pragma once

#include <optional>
#include <string>

namespace etcfs::testing {

enum class FileOutcome {
  kDone,      // answered: the operation took effect (or read) as reported
  kNoEffect,  // failed before anything was sent to commit (open refused)
  kUnknown,   // failed after the commit may have been sent (write, close)
};

// A descriptor of `mount` when it is a live FUSE mount, else -1 (close it).
int OpenMountRoot(const std::string& mount);

// `path` is relative to `root` (OpenMountRoot).
// open + read to EOF. *got: the file's content, nullopt when it does not
// exist. Every failure but ENOENT is kUnknown (a read says nothing then).
FileOutcome ReadKeyFile(int root, const std::string& path, std::optional<std::string>* got);
// As editors and configuration tools replace a file: the value written to
// `temp` (close commits it) and renamed onto `path`, one transaction. Written
// in place instead, a new file would show empty on this mount between its
// create and its close, as on any filesystem: not a state of the key.
FileOutcome WriteKeyFile(int root, const std::string& path, const std::string& temp, const std::string& value);
// unlink. *deleted: false when there was no such file (ENOENT).
FileOutcome UnlinkKeyFile(int root, const std::string& path, bool* deleted);

// mkdir; true when it was made or exists.
bool MakeDirectory(int root, const std::string& path);

// `diff -r -q a b`: "" when the trees are identical, else what differs.
std::string DiffTrees(const std::string& a, const std::string& b);

}  // namespace etcfs::testing
