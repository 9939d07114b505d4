#define FUSE_USE_VERSION 314
#include "fs/mount.h"

#include "fs/fusermount.h"

#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>


namespace etcfs::fs {

namespace {

// Whether `dir` is a mount point in /proc/self/mountinfo (field 5), its
// type and its device (field 3, major:minor). Read without asking the
// filesystem: stat() of a FUSE mount waits for its daemon.
bool IsMountPoint(const std::string& dir, std::string* fstype, dev_t* dev = nullptr) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    fields >> id >> parent >> devno >> root >> mount_point;
    if (mount_point != dir) continue;
    std::string f;
    while (fields >> f && f != "-") {
    }
    fields >> *fstype;
    unsigned major = 0, minor = 0;
    if (dev != nullptr && std::sscanf(devno.c_str(), "%u:%u", &major, &minor) == 2) *dev = makedev(major, minor);
    found = true;  // the last one listed is on top
  }
  return found;
}

// Whether /etc/fuse.conf lets ordinary users mount with allow_other
// (fusermount3 refuses it otherwise).
bool FuseConfAllowsOthers() {
  std::ifstream in("/etc/fuse.conf");
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line.compare(start, 16, "user_allow_other") == 0) return true;
  }
  return false;
}

// What to do about a failed fuse_session_mount (libfuse logged its own line
// before): the causes that are the machine's, not the directory's.
std::string WhyMountFailed() {
  if (::access("/dev/fuse", F_OK) != 0) return "/dev/fuse is missing (load the fuse module: modprobe fuse)";
  if (::geteuid() == 0) return "see libfuse's message above";
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    return "/dev/fuse is not open to this user: an ordinary user's mount needs it readable and writable by all "
           "(mode 0666, as Debian's udev rule sets it) and fusermount3 (the fuse3 package); or mount as root";
  }
  return "an ordinary user mounts through fusermount3 (the fuse3 package), on a directory it owns; see its "
         "message above";
}

}  // namespace

Status ClearStaleMount(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    std::string fstype;
    if (IsMountPoint(dir, &fstype)) {
      return Status::FailedPrecondition(dir + " has a live " + fstype +
                                        " mount; unmount it (umount " + dir + ") or choose another --mount");
    }
    if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument("--mount " + dir + " is not a directory");
    return Status::Ok();
  }
  if (errno != ENOTCONN) {
    return Status::InvalidArgument("--mount " + dir + ": " + std::strerror(errno) +
                                   " (create the directory first)");
  }
  // The daemon that served it died: detach the dead mount, as fusermount -uz would.
  spdlog::warn("fs: {} holds a dead FUSE mount (transport endpoint is not connected); detaching it", dir);
  if (::umount2(dir.c_str(), MNT_DETACH) != 0) {
    return Status::IOError("detaching the dead mount on " + dir + ": " + std::strerror(errno) +
                           " (try: fusermount3 -uz " + dir + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Mount>> Mount::Create(Filesystem* fs, std::string dir, std::function<void()> on_unmounted) {
  ETCFS_RETURN_IF_ERROR(ClearStaleMount(dir));
  const bool allow_other = fs->options().AllowOther(::geteuid());
  if (allow_other && ::geteuid() != 0 && !FuseConfAllowsOthers()) {
    return Status::FailedPrecondition(
        "allow_other: FUSE lets an ordinary user open a mount to others only where /etc/fuse.conf has a line "
        "user_allow_other; add it (as root), mount as root, or leave allow_other out");
  }
  std::unique_ptr<Mount> m(new Mount(fs, dir));
  // default_permissions: the kernel checks each file's mode, owner and group
  // for every caller, as on a local filesystem.
  std::string opts = "fsname=etcfs,subtype=etcfs,default_permissions";
  if (allow_other) opts += ",allow_other";
  if (fs->options().read_only) opts += ",ro";
  std::vector<std::string> argv = {"etcfs", "-o", opts};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(args.size()), args.data());
  m->session_ = fuse_session_new(&fargs, &FuseOps(), sizeof(fuse_lowlevel_ops), fs);
  fuse_opt_free_args(&fargs);
  if (m->session_ == nullptr) return Status::Internal("fuse_session_new failed (see the log above)");
  // Root mounts with mount(2) through libfuse; an ordinary user through
  // fusermount3, started by us (fusermount.h says why).
  auto unmounted = [&](StatusCode code, const std::string& what) {
    fuse_session_destroy(m->session_);
    m->session_ = nullptr;
    return Status(code, what + WhyMountFailed());
  };
  std::string mount_point = dir;
  if (::geteuid() != 0) {
    auto fd = fusermount::Mount(dir, opts);
    if (!fd.ok()) return unmounted(fd.status().code(), fd.status().message() + "; ");
    mount_point = "/dev/fd/" + std::to_string(*fd);
    m->by_fusermount_ = true;
  }
  if (fuse_session_mount(m->session_, mount_point.c_str()) != 0) {
    if (m->by_fusermount_) fusermount::Unmount(dir).IgnoreError();
    return unmounted(StatusCode::kIOError, "mounting " + dir + " failed: ");
  }
  // Everything the filesystem reaches of the kernel is there before the
  // first request.
  std::string fstype;
  dev_t dev = 0;
  IsMountPoint(dir, &fstype, &dev);
  m->notifier_ = std::make_unique<FuseNotifier>(m->session_);
  m->processes_ = std::make_unique<ProcProbe>(dev);
  m->echo_target_ = std::make_unique<MountDirEchoTarget>(dir);
  KernelLinks links;
  links.notifier = m->notifier_.get();
  links.echo = fs->options().notify ? m->echo_target_.get() : nullptr;
  links.processes = m->processes_.get();
  fs->Attach(links);
  m->loop_ = std::thread([mount = m.get(), on_unmounted = std::move(on_unmounted)] {
    fuse_loop_config* cfg = fuse_loop_cfg_create();
    fuse_loop_cfg_set_clone_fd(cfg, 0);
    fuse_loop_cfg_set_max_threads(cfg, 64);
    fuse_loop_cfg_set_idle_threads(cfg, 8);
    fuse_session_loop_mt(mount->session_, cfg);
    fuse_loop_cfg_destroy(cfg);
    if (!mount->destroying_) {
      spdlog::warn("fs: {} was unmounted from outside", mount->dir_);
      if (on_unmounted) on_unmounted();
    }
  });
  spdlog::info("fs: mounted {} on {} ({} consistency)", fs->options().prefix, dir,
               fs->options().consistency == Consistency::kLinearizable ? "linearizable" : "serializable");
  return m;
}

Mount::~Mount() {
  if (session_ == nullptr) return;
  destroying_ = true;
  fs_->Detach();  // the echo's operations in flight need the workers
  fuse_session_exit(session_);
  // Unmounting ends the workers' reads of /dev/fuse; it detaches lazily
  // when files are still open. libfuse does not unmount what fusermount3
  // mounted for us (it was given only the descriptor).
  if (!by_fusermount_) {
    fuse_session_unmount(session_);
  } else if (std::string fstype; IsMountPoint(dir_, &fstype)) {
    if (Status s = fusermount::Unmount(dir_); !s.ok()) spdlog::warn("fs: {}", s.ToString());
  }
  if (loop_.joinable()) loop_.join();
  fuse_session_destroy(session_);
  const FsStats& s = fs_->stats();
  spdlog::info("fs: unmounted {} ({} commits, {} failed, {} names too long to show)", dir_, s.commits.load(),
               s.commit_failures.load(), fs_->tree().names_too_long());
}

}  // namespace etcfs::fs
