#include "tests/fs/kernel_sim.h"

#include <fcntl.h>

#include <cerrno>

namespace etcfs::fs::testing {

KernelSim::KernelSim(Filesystem* fs) : fs_(fs) {
  KernelLinks links;
  links.notifier = this;
  links.echo = fs->options().notify ? this : nullptr;
  links.echo_thread = false;
  links.processes = this;
  fs_->Attach(links);
}

KernelSim::~KernelSim() { fs_->Detach(); }

Caller KernelSim::Process(pid_t tid, uid_t uid, gid_t gid) {
  Caller c;
  c.tid = tid;
  c.uid = uid;
  c.gid = gid;
  c.echo = tid == kEchoTid;
  return c;
}

void KernelSim::Took(Ino parent, const std::string& name, const ops::Entry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  ++lookups_[e.node.ino];
  dentries_[{parent, name}] = Dentry{e.node.ino, e.cacheable && fs_->entry_timeout() > 0};
  negative_.erase({parent, name});
}

void KernelSim::DropName(Ino parent, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  dentries_.erase({parent, name});
  negative_.erase({parent, name});
}

int KernelSim::LookupName(const Caller& c, Ino parent, const std::string& name, bool reval, Ino* ino) {
  if (!reval) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = dentries_.find({parent, name});
    if (it != dentries_.end() && it->second.cached) {
      *ino = it->second.ino;
      return 0;
    }
    if (negative_.count({parent, name})) return ENOENT;
  }
  ops::Entry e;
  const int err = ops::Lookup(*fs_, c, parent, name.c_str(), &e);
  if (err == ENOENT) {
    std::lock_guard<std::mutex> lock(mu_);
    dentries_.erase({parent, name});
    if (fs_->entry_timeout() > 0 && e.cacheable) negative_.insert({parent, name});
    return ENOENT;
  }
  if (err != 0) return err;
  Took(parent, name, e);
  *ino = e.node.ino;
  return 0;
}

int KernelSim::WalkParent(const Caller& c, const std::string& path, bool reval, Ino* parent, std::string* name) {
  Ino at = kRootIno;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    if (slash == std::string::npos) {
      *parent = at;
      *name = path.substr(start);
      return name->empty() ? EINVAL : 0;
    }
    if (int err = LookupName(c, at, path.substr(start, slash - start), reval, &at)) return err;
    start = slash + 1;
  }
}

int KernelSim::Walk(const Caller& c, const std::string& path, bool reval, Ino* ino) {
  if (path.empty()) {
    *ino = kRootIno;
    return 0;
  }
  Ino parent;
  std::string name;
  if (int err = WalkParent(c, path, reval, &parent, &name)) return err;
  return LookupName(c, parent, name, reval, ino);
}

Ino KernelSim::InoOf(const Caller& c, const std::string& path) {
  Ino ino = 0;
  return Walk(c, path, false, &ino) == 0 ? ino : 0;
}

int KernelSim::AddFile(const File& f) {
  std::lock_guard<std::mutex> lock(mu_);
  const int fd = next_fd_++;
  files_[fd] = f;
  files_[fd].description = fd;
  descriptions_[fd] = 1;
  return fd;
}

int KernelSim::FileOf(int fd, bool opened, File* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(fd);
  if (it == files_.end() || (opened && it->second.path_only)) return EBADF;
  *out = it->second;
  return 0;
}

int KernelSim::Dup(int fd, int* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(fd);
  if (it == files_.end()) return EBADF;
  *out = next_fd_++;
  files_[*out] = it->second;
  ++descriptions_[it->second.description];
  return 0;
}

int KernelSim::Stat(const Caller& c, const std::string& path, struct stat* st) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  Node n;
  if (int err = ops::Getattr(*fs_, c, ino, 0, &n)) return err;
  fs_->tree().FillStat(n, st);
  return 0;
}

int KernelSim::OpenOnce(const Caller& c, const std::string& path, int flags, mode_t mode, bool reval, int* fd) {
  Ino parent;
  std::string name;
  if (int err = WalkParent(c, path, reval, &parent, &name)) return err;
  Ino ino = 0;
  int err = LookupName(c, parent, name, reval, &ino);
  if (err == ENOENT && (flags & O_CREAT)) {
    ops::Entry e;
    ops::Opened o;
    if (int cerr = ops::Create(*fs_, c, parent, name.c_str(), mode, &e, &o)) return cerr;
    Took(parent, name, e);
    *fd = AddFile(File{e.node.ino, o.fh, c.tid, false});
    return 0;
  }
  if (err != 0) return err;
  if ((flags & O_CREAT) && (flags & O_EXCL)) return EEXIST;
  uint64_t fh = 0;
  bool ask;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ask = !no_open_;
  }
  if (ask) {
    ops::Opened o;
    err = ops::Open(*fs_, c, ino, flags, &o);
    if (err == ENOSYS) {
      std::lock_guard<std::mutex> lock(mu_);
      no_open_ = true;
    } else if (err != 0) {
      return err;
    }
    fh = o.fh;
  }
  *fd = AddFile(File{ino, fh, c.tid, false});
  if ((flags & O_TRUNC) && (flags & (O_WRONLY | O_RDWR))) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      opening_.insert(c.tid);
    }
    ops::AttrChange change;
    change.size = 0;
    Node n;
    err = ops::Setattr(*fs_, c, ino, change, &n);
    {
      std::lock_guard<std::mutex> lock(mu_);
      opening_.erase(c.tid);
    }
    if (err != 0) {
      Close(*fd);
      return err;
    }
  }
  return 0;
}

int KernelSim::Open(const Caller& c, const std::string& path, int flags, int* fd, mode_t mode) {
  const int err = OpenOnce(c, path, flags, mode, false, fd);
  return err == ESTALE ? OpenOnce(c, path, flags, mode, true, fd) : err;
}

int KernelSim::OpenPath(const Caller& c, const std::string& path, int* fd) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  *fd = AddFile(File{ino, 0, c.tid, true});
  return 0;
}

int KernelSim::Reopen(const Caller& c, int path_fd, int flags, int* fd) {
  Ino ino;
  bool ask;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path_fd);
    if (it == files_.end()) return EBADF;
    ino = it->second.ino;
    ask = !no_open_;
  }
  uint64_t fh = 0;
  if (ask) {
    ops::Opened o;
    const int err = ops::Open(*fs_, c, ino, flags, &o);
    if (err != 0 && err != ENOSYS) return err;
    fh = o.fh;
  }
  *fd = AddFile(File{ino, fh, c.tid, false});
  return 0;
}

int KernelSim::Read(int fd, std::string* out, off_t offset, size_t size) {
  File f;
  if (int err = FileOf(fd, /*opened=*/true, &f)) return err;
  return ops::Read(*fs_, Process(f.tid), f.ino, f.fh, offset, size, out);
}

int KernelSim::Write(int fd, const std::string& data, off_t offset) {
  File f;
  if (int err = FileOf(fd, /*opened=*/true, &f)) return err;
  return ops::Write(*fs_, Process(f.tid), f.ino, f.fh, data.data(), data.size(), offset);
}

int KernelSim::Fstat(int fd, struct stat* st) {
  File f;
  if (int err = FileOf(fd, /*opened=*/false, &f)) return err;
  Node n;
  if (int err = ops::Getattr(*fs_, Process(f.tid), f.ino, f.fh, &n)) return err;
  fs_->tree().FillStat(n, st);
  return 0;
}

int KernelSim::Ftruncate(int fd, off_t size) {
  File f;
  if (int err = FileOf(fd, /*opened=*/true, &f)) return err;
  ops::AttrChange change;
  change.size = size;
  change.descriptor = true;
  Node n;
  return ops::Setattr(*fs_, Process(f.tid), f.ino, change, &n);
}

int KernelSim::Fsync(int fd) {
  File f;
  if (int err = FileOf(fd, /*opened=*/false, &f)) return err;
  return ops::Fsync(*fs_, Process(f.tid), f.ino);
}

int KernelSim::Close(int fd) {
  File f;
  bool last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(fd);
    if (it == files_.end()) return EBADF;
    f = it->second;
    files_.erase(it);
    last = --descriptions_[f.description] == 0;
    if (last) descriptions_.erase(f.description);
  }
  if (f.path_only) return 0;
  const int err = ops::Flush(*fs_, Process(f.tid), f.ino);
  if (last) ops::Release(*fs_, Process(0), f.ino, f.fh);  // RELEASE names no thread
  return err;
}

int KernelSim::Truncate(const Caller& c, const std::string& path, off_t size) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  ops::AttrChange change;
  change.size = size;
  Node n;
  return ops::Setattr(*fs_, c, ino, change, &n);
}

int KernelSim::Chmod(const Caller& c, const std::string& path, mode_t mode) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  ops::AttrChange change;
  change.mode = mode;
  Node n;
  return ops::Setattr(*fs_, c, ino, change, &n);
}

int KernelSim::Utimens(const Caller& c, const std::string& path, const timespec times[2]) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  ops::AttrChange change;
  auto take = [](const timespec& t, ops::AttrChange::Time* what, int64_t* ns) {
    if (t.tv_nsec == UTIME_OMIT) return;
    *what = t.tv_nsec == UTIME_NOW ? ops::AttrChange::Time::kNow : ops::AttrChange::Time::kSet;
    *ns = int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
  };
  take(times[0], &change.atime, &change.atime_ns);
  take(times[1], &change.mtime, &change.mtime_ns);
  change.times_sent = true;
  Node n;
  return ops::Setattr(*fs_, c, ino, change, &n);
}

int KernelSim::MakeNew(const Caller& c, const std::string& path,
                       const std::function<int(Ino parent, const char* name, ops::Entry*)>& make) {
  Ino parent, ino;
  std::string name;
  if (int err = WalkParent(c, path, false, &parent, &name)) return err;
  const int err = LookupName(c, parent, name, false, &ino);
  if (err == 0) return EEXIST;
  if (err != ENOENT) return err;
  ops::Entry e;
  if (int merr = make(parent, name.c_str(), &e)) return merr;
  Took(parent, name, e);
  return 0;
}

int KernelSim::Mkdir(const Caller& c, const std::string& path, mode_t mode) {
  return MakeNew(c, path, [&](Ino parent, const char* name, ops::Entry* e) {
    return ops::Mkdir(*fs_, c, parent, name, mode, e);
  });
}

int KernelSim::Mknod(const Caller& c, const std::string& path, mode_t mode, dev_t rdev) {
  return MakeNew(c, path, [&](Ino parent, const char* name, ops::Entry* e) {
    return ops::Mknod(*fs_, c, parent, name, mode, rdev, e);
  });
}

int KernelSim::Symlink(const Caller& c, const std::string& target, const std::string& path) {
  return MakeNew(c, path, [&](Ino parent, const char* name, ops::Entry* e) {
    return ops::Symlink(*fs_, c, target.c_str(), parent, name, e);
  });
}

int KernelSim::Unlink(const Caller& c, const std::string& path) {
  Ino parent, ino;
  std::string name;
  if (int err = WalkParent(c, path, false, &parent, &name)) return err;
  if (int err = LookupName(c, parent, name, false, &ino)) return err;
  if (int err = ops::Unlink(*fs_, c, parent, name.c_str())) return err;
  DropName(parent, name);
  return 0;
}

int KernelSim::Rmdir(const Caller& c, const std::string& path) {
  Ino parent, ino;
  std::string name;
  if (int err = WalkParent(c, path, false, &parent, &name)) return err;
  if (int err = LookupName(c, parent, name, false, &ino)) return err;
  if (int err = ops::Rmdir(*fs_, c, parent, name.c_str())) return err;
  DropName(parent, name);
  return 0;
}

int KernelSim::Rename(const Caller& c, const std::string& from, const std::string& to, unsigned int flags) {
  Ino from_parent, to_parent, ino, existing;
  std::string from_name, to_name;
  if (int err = WalkParent(c, from, false, &from_parent, &from_name)) return err;
  if (int err = WalkParent(c, to, false, &to_parent, &to_name)) return err;
  if (int err = LookupName(c, from_parent, from_name, false, &ino)) return err;
  const int err = LookupName(c, to_parent, to_name, false, &existing);
  if (err != 0 && err != ENOENT) return err;
  if (int rerr = ops::Rename(*fs_, c, from_parent, from_name.c_str(), to_parent, to_name.c_str(), flags)) return rerr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dentries_.find({from_parent, from_name});
  if (it != dentries_.end()) {
    dentries_[{to_parent, to_name}] = it->second;
    dentries_.erase({from_parent, from_name});
  }
  negative_.erase({to_parent, to_name});
  return 0;
}

int KernelSim::Readlink(const Caller& c, const std::string& path, std::string* target) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  return ops::Readlink(*fs_, c, ino, target);
}

int KernelSim::List(const Caller& c, const std::string& path, std::vector<std::string>* names) {
  Ino ino;
  if (int err = Walk(c, path, false, &ino)) return err;
  ops::Opened o;
  if (int err = ops::Opendir(*fs_, c, ino, &o)) return err;
  DirSnapshot listing;
  if (int err = ops::Readdir(*fs_, c, ino, &listing)) return err;
  names->clear();
  for (const DirEntry& e : listing.entries) {
    if (e.name != "." && e.name != "..") names->push_back(e.name);
  }
  return 0;
}

int KernelSim::ReadFile(const Caller& c, const std::string& path, std::string* out) {
  int fd;
  if (int err = Open(c, path, O_RDONLY, &fd)) return err;
  const int err = Read(fd, out);
  const int cerr = Close(fd);
  return err != 0 ? err : cerr;
}

int KernelSim::WriteFile(const Caller& c, const std::string& path, const std::string& data) {
  int fd;
  if (int err = Open(c, path, O_WRONLY | O_CREAT | O_TRUNC, &fd)) return err;
  const int err = data.empty() ? 0 : Write(fd, data, 0);
  const int cerr = Close(fd);
  return err != 0 ? err : cerr;
}

void KernelSim::DropCaches() {
  std::vector<std::pair<Ino, uint64_t>> forgotten;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dentries_.clear();
    negative_.clear();
    std::set<Ino> open;
    for (const auto& [fd, f] : files_) open.insert(f.ino);
    for (auto it = lookups_.begin(); it != lookups_.end();) {
      if (open.count(it->first)) {
        ++it;
        continue;
      }
      forgotten.emplace_back(it->first, it->second);
      it = lookups_.erase(it);
    }
  }
  for (const auto& [ino, n] : forgotten) ops::Forget(*fs_, ino, n);
}

size_t KernelSim::ReplayEcho() { return fs_->echo() != nullptr ? fs_->echo()->ReplayQueued() : 0; }

uint64_t KernelSim::lookups(Ino ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lookups_.find(ino);
  return it == lookups_.end() ? 0 : it->second;
}

}  // namespace etcfs::fs::testing
