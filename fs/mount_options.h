// MountOptions: what `-o` says about a mount (etcfs(5), mount.etcfs(8)).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace etcfs::fs {

// The options Parse takes, as "name=" (with a value) or "name" (a flag), for
// --help texts; etcfs(5) and mount.etcfs(8) describe each.
inline constexpr const char* kMountOptionNames[] = {
    "prefix=", "consistency=", "uid=", "gid=", "mode=", "commit_timeout=", "ro", "rw", "allow_other", "noallow_other",
    "notify=",
    "xattr="};
// "prefix=, consistency=, ..." for a --help text.
std::string MountOptionList();

enum class Consistency { kSerializable, kLinearizable };

struct MountOptions {
  // The keys shown: P + "a/b" is the file a/b. Ends with '/'.
  std::string prefix = "/";
  // serializable: reads from this replica. linearizable: each open and lookup
  // first confirms with the leader (ReadIndex), and the kernel caches nothing.
  Consistency consistency = Consistency::kSerializable;
  // Owner and permissions shown for keys written through the etcd API
  // (without file attributes). Directories get `mode` plus x where r is set.
  // An ordinary user's mount shows them as that user's (DefaultOwner).
  uid_t uid = 0;
  gid_t gid = 0;
  bool uid_given = false, gid_given = false;  // uid=, gid= were in the list
  mode_t mode = 0644;
  // How long a commit (close, fsync, mkdir, rename...) waits for the cluster
  // before failing with ETIMEDOUT: the bound on a write without quorum.
  std::chrono::milliseconds commit_timeout{5000};
  bool read_only = false;
  // Whether users other than the mounting one may use the mount (FUSE's
  // allow_other; the kernel then checks each file's mode, owner and group).
  // Unset: yes when mounted by root, so that daemons which drop privileges
  // read their configuration; no for an ordinary user, whom FUSE allows it
  // only where /etc/fuse.conf says user_allow_other.
  std::optional<bool> allow_other;
  // xattr=off: no extended attributes at all (user.etcfs.* included), so
  // that the kernel stops asking. `ls -l` reads security.selinux of every
  // file, which FUSE cannot cache: each is a round trip to the daemon.
  bool xattrs = true;
  // notify=on: changes made elsewhere raise inotify events here too (echo.h).
  bool notify = true;

  // Parses a comma-separated option list ("prefix=/app/,uid=1000,ro"),
  // starting from the current values. Unknown options are errors.
  Status Parse(std::string_view list);
  // A mount made by an ordinary user shows keys without attributes as its
  // own, as FUSE filesystems mounted by a user do, unless uid= or gid= said
  // otherwise; root's stay root's.
  void DefaultOwner(uid_t euid, gid_t egid) {
    if (euid == 0) return;
    if (!uid_given) uid = euid;
    if (!gid_given) gid = egid;
  }
  // allow_other as decided for a mount made by `euid`.
  bool AllowOther(uid_t euid) const { return allow_other.value_or(euid == 0); }
  // The directory mode derived from `mode`.
  mode_t DirMode() const;
};

}  // namespace etcfs::fs
