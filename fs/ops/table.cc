#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

const fuse_lowlevel_ops& Table() {
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

}  // namespace etcfs::fs::ops
