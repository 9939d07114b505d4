#define FUSE_USE_VERSION 314
#include "fs/fuse_bridge.h"

#include <fuse_lowlevel.h>

#include <cstring>
#include <memory>
#include <vector>

#include "fs/ops/ops.h"

namespace etcfs::fs {

namespace {

Filesystem& Fs(fuse_req_t req) { return *static_cast<Filesystem*>(fuse_req_userdata(req)); }

Caller CallerOf(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  Caller c;
  c.uid = ctx->uid;
  c.gid = ctx->gid;
  c.tid = ctx->pid;
  c.echo = ctx->pid > 0 && Fs(req).IsEchoThread(ctx->pid);
  c.interrupted = [req] { return fuse_req_interrupted(req) != 0; };
  return c;
}

void FillEntry(Filesystem& fs, const Node& n, bool cacheable, fuse_entry_param* e) {
  std::memset(e, 0, sizeof(*e));
  e->ino = n.ino;
  e->attr_timeout = cacheable ? fs.entry_timeout() : 0;
  e->entry_timeout = e->attr_timeout;
  fs.tree().FillStat(n, &e->attr);
}

// Each Reply* answers a request exactly once. An entry's number carries the
// kernel reference the operation took: given back when the reply fails.
void ReplyEntry(fuse_req_t req, int err, const ops::Entry& entry) {
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  Filesystem& fs = Fs(req);
  fuse_entry_param e;
  FillEntry(fs, entry.node, entry.cacheable, &e);
  if (fuse_reply_entry(req, &e) != 0) fs.inodes().Forget(entry.node.ino, 1);
}

void ReplyAttr(fuse_req_t req, int err, const Node& n) {
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  struct stat st;
  Fs(req).tree().FillStat(n, &st);
  fuse_reply_attr(req, &st, Fs(req).entry_timeout());
}

void ReplyOpen(fuse_req_t req, int err, const ops::Opened& o, fuse_file_info* fi) {
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fi->fh = o.fh;
  fi->keep_cache = o.keep_cache;
  fi->cache_readdir = o.cache_readdir;
  fuse_reply_open(req, fi);
}

// An xattr value or list: its size when asked for none, ERANGE when it does not fit.
void ReplySized(fuse_req_t req, int err, const std::string& value, size_t size) {
  if (err != 0) {
    fuse_reply_err(req, err);
  } else if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (size < value.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
}

uint64_t HandleOf(const fuse_file_info* fi) { return fi != nullptr ? fi->fh : 0; }

DirSnapshot& ListingOf(fuse_file_info* fi) { return *reinterpret_cast<DirSnapshot*>(fi->fh); }

// What the mount asks of the kernel:
// - no writeback cache: each write() reaches the buffer before it returns,
//   so that close() can commit it and EFBIG is answered at write(); and
//   WRITEs would arrive with pid 0, so the echo's could not be recognised;
// - no atomic O_TRUNC: open(O_TRUNC) then arrives as a truncate, which the
//   buffer takes like any other write;
// - readdirplus when the kernel finds it useful, symlinks cached;
// - POSIX ACLs checked by the kernel, which then caches that a file has none
//   (ls -l asks for system.posix_acl_access of every file).
void Init(void*, fuse_conn_info* conn) {
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
  for (unsigned cap : {FUSE_CAP_READDIRPLUS, FUSE_CAP_READDIRPLUS_AUTO, FUSE_CAP_CACHE_SYMLINKS,
                       FUSE_CAP_PARALLEL_DIROPS, FUSE_CAP_POSIX_ACL}) {
    if (conn->capable & cap) conn->want |= cap;
  }
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ops::Entry entry;
  const int err = ops::Lookup(Fs(req), CallerOf(req), parent, name, &entry);
  const double timeout = Fs(req).entry_timeout();
  if (err == ENOENT && timeout > 0 && entry.cacheable) {
    // Inode 0 with a timeout: the kernel caches the absence too; a change
    // that creates the name invalidates it.
    fuse_entry_param e;
    std::memset(&e, 0, sizeof(e));
    e.entry_timeout = timeout;
    fuse_reply_entry(req, &e);
    return;
  }
  ReplyEntry(req, err, entry);
}

void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  ops::Forget(Fs(req), ino, nlookup);
  fuse_reply_none(req);
}

void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) ops::Forget(Fs(req), forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Node n;
  ReplyAttr(req, ops::Getattr(Fs(req), CallerOf(req), ino, HandleOf(fi), &n), n);
}

void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  ops::AttrChange change;
  if (to_set & FUSE_SET_ATTR_MODE) change.mode = attr->st_mode;
  if (to_set & FUSE_SET_ATTR_UID) change.uid = attr->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) change.gid = attr->st_gid;
  if (to_set & FUSE_SET_ATTR_SIZE) change.size = attr->st_size;
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    change.mtime = ops::AttrChange::Time::kNow;
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    change.mtime = ops::AttrChange::Time::kSet;
    change.mtime_ns = int64_t{attr->st_mtim.tv_sec} * 1000000000 + attr->st_mtim.tv_nsec;
  }
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    change.atime = ops::AttrChange::Time::kNow;
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    change.atime = ops::AttrChange::Time::kSet;
    change.atime_ns = int64_t{attr->st_atim.tv_sec} * 1000000000 + attr->st_atim.tv_nsec;
  }
  change.times_sent = to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME);
  change.descriptor = fi != nullptr;
  Node n;
  ReplyAttr(req, ops::Setattr(Fs(req), CallerOf(req), ino, change, &n), n);
}

void Readlink(fuse_req_t req, fuse_ino_t ino) {
  std::string target;
  if (int err = ops::Readlink(Fs(req), CallerOf(req), ino, &target)) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_readlink(req, target.c_str());
}

void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  ops::Entry entry;
  ReplyEntry(req, ops::Mknod(Fs(req), CallerOf(req), parent, name, mode, rdev, &entry), entry);
}

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  ops::Entry entry;
  ReplyEntry(req, ops::Mkdir(Fs(req), CallerOf(req), parent, name, mode, &entry), entry);
}

void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, ops::Unlink(Fs(req), CallerOf(req), parent, name));
}

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, ops::Rmdir(Fs(req), CallerOf(req), parent, name));
}

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  ops::Entry entry;
  ReplyEntry(req, ops::Symlink(Fs(req), CallerOf(req), link, parent, name, &entry), entry);
}

void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
            unsigned int flags) {
  fuse_reply_err(req, ops::Rename(Fs(req), CallerOf(req), parent, name, newparent, newname, flags));
}

// A key has one name: hard links are refused (cp -a and tar then copy).
void Link(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { fuse_reply_err(req, EPERM); }

void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  ops::Opened o;
  ReplyOpen(req, ops::Open(Fs(req), CallerOf(req), ino, fi->flags, &o), o, fi);
}

void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  Filesystem& fs = Fs(req);
  ops::Entry entry;
  ops::Opened o;
  if (int err = ops::Create(fs, CallerOf(req), parent, name, mode, &entry, &o)) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_entry_param e;
  FillEntry(fs, entry.node, entry.cacheable, &e);
  fi->fh = o.fh;
  fi->keep_cache = o.keep_cache;
  if (fuse_reply_create(req, &e, fi) != 0) fs.inodes().Forget(entry.node.ino, 1);
}

void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  std::string data;
  if (int err = ops::Read(Fs(req), CallerOf(req), ino, HandleOf(fi), off, size, &data)) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_buf(req, data.data(), data.size());
}

void Write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (int err = ops::Write(Fs(req), CallerOf(req), ino, HandleOf(fi), buf, size, off)) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_reply_write(req, size);
}

void Flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  fuse_reply_err(req, ops::Flush(Fs(req), CallerOf(req), ino));
}

void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse_reply_err(req, ops::Release(Fs(req), CallerOf(req), ino, HandleOf(fi)));
}

void Fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info*) {
  fuse_reply_err(req, ops::Fsync(Fs(req), CallerOf(req), ino));
}

void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  ops::Opened o;
  if (int err = ops::Opendir(Fs(req), CallerOf(req), ino, &o)) {
    fuse_reply_err(req, err);
    return;
  }
  auto listing = std::make_unique<DirSnapshot>();
  o.fh = reinterpret_cast<uint64_t>(listing.get());
  fi->fh = o.fh;
  fi->keep_cache = o.keep_cache;
  fi->cache_readdir = o.cache_readdir;
  if (fuse_reply_open(req, fi) == 0) listing.release();  // freed by Releasedir
}

// Fills up to `size` bytes of entries from index `off`; entry i's offset is
// i + 1, the index to go on from. With `plus`, each entry but "." and ".."
// gives the kernel a reference to its number.
void ReplyListing(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  Filesystem& fs = Fs(req);
  DirSnapshot& listing = ListingOf(fi);
  if (int err = ops::Readdir(fs, CallerOf(req), ino, &listing)) {
    fuse_reply_err(req, err);
    return;
  }
  std::vector<char> buf(size);
  std::vector<Ino> referenced;
  size_t used = 0;
  for (size_t i = static_cast<size_t>(off); i < listing.entries.size(); ++i) {
    DirEntry& entry = listing.entries[i];
    const off_t next = static_cast<off_t>(i + 1);
    size_t n;
    if (plus) {
      const bool dots = entry.name == "." || entry.name == "..";
      if (!dots) ops::Reference(fs, &entry.node);
      fuse_entry_param e;
      FillEntry(fs, entry.node, true, &e);
      n = fuse_add_direntry_plus(req, buf.data() + used, size - used, entry.name.c_str(), &e, next);
      if (!dots && n > size - used) fs.inodes().Forget(entry.node.ino, 1);
      if (!dots && n <= size - used) referenced.push_back(entry.node.ino);
    } else {
      struct stat st;
      fs.tree().FillStat(entry.node, &st);
      n = fuse_add_direntry(req, buf.data() + used, size - used, entry.name.c_str(), &st, next);
    }
    if (n > size - used) break;  // does not fit: the next call goes on from here
    used += n;
  }
  if (fuse_reply_buf(req, buf.data(), used) != 0) {
    for (Ino referenced_ino : referenced) fs.inodes().Forget(referenced_ino, 1);
  }
}

void Readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReplyListing(req, ino, size, off, fi, false);
}

void Readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReplyListing(req, ino, size, off, fi, true);
}

void Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete &ListingOf(fi);
  fuse_reply_err(req, 0);
}

void Fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  fuse_reply_err(req, 0);  // every directory change was committed when it returned
}

void Statfs(fuse_req_t req, fuse_ino_t) {
  struct statvfs st;
  ops::Statfs(Fs(req), &st);
  fuse_reply_statfs(req, &st);
}

// The user.etcfs.* names are the key's own metadata: read-only.
void Setxattr(fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) { fuse_reply_err(req, ENOTSUP); }
void Removexattr(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOTSUP); }

void Getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  std::string value;
  ReplySized(req, ops::Getxattr(Fs(req), CallerOf(req), ino, name, &value), value, size);
}

void Listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  std::string names;
  ReplySized(req, ops::Listxattr(Fs(req), CallerOf(req), ino, &names), names, size);
}

void Access(fuse_req_t req, fuse_ino_t ino, int) { fuse_reply_err(req, ops::Access(Fs(req), CallerOf(req), ino)); }

// A value has no blocks to reserve or punch.
void Fallocate(fuse_req_t req, fuse_ino_t, int, off_t, off_t, fuse_file_info*) { fuse_reply_err(req, EOPNOTSUPP); }

}  // namespace

const fuse_lowlevel_ops& FuseOps() {
  static const fuse_lowlevel_ops table = [] {
    fuse_lowlevel_ops t{};
    t.init = Init;
    t.lookup = Lookup;
    t.forget = Forget;
    t.forget_multi = ForgetMulti;
    t.getattr = Getattr;
    t.setattr = Setattr;
    t.readlink = Readlink;
    t.mknod = Mknod;
    t.mkdir = Mkdir;
    t.unlink = Unlink;
    t.rmdir = Rmdir;
    t.symlink = Symlink;
    t.rename = Rename;
    t.link = Link;
    t.open = Open;
    t.read = Read;
    t.write = Write;
    t.flush = Flush;
    t.release = Release;
    t.fsync = Fsync;
    t.opendir = Opendir;
    t.readdir = Readdir;
    t.readdirplus = Readdirplus;
    t.releasedir = Releasedir;
    t.fsyncdir = Fsyncdir;
    t.statfs = Statfs;
    t.setxattr = Setxattr;
    t.getxattr = Getxattr;
    t.listxattr = Listxattr;
    t.removexattr = Removexattr;
    t.access = Access;
    t.create = Create;
    t.fallocate = Fallocate;
    return t;
  }();
  return table;
}

void FuseNotifier::InvalidateEntry(Ino parent, std::string_view name) {
  fuse_lowlevel_notify_inval_entry(session_, parent, name.data(), name.size());
}

void FuseNotifier::InvalidateInode(Ino ino) { fuse_lowlevel_notify_inval_inode(session_, ino, 0, 0); }

}  // namespace etcfs::fs
