// A file's three times as a local filesystem keeps them (atime only when set
// explicitly, ctime on every change) and the kinds a key can name besides
// files, directories and symlinks: named pipes, sockets and devices, made
// here or elsewhere. Driven without a kernel (kernel_sim.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "tests/fs/fs_fixture.h"

namespace etcfs::fs::testing {
namespace {

int64_t Ns(const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

TEST_F(FsTest, AtimeIsKeptWhenSetAndNeverWrittenByReads) {
  Mount();
  ASSERT_EQ(kernel_->WriteFile(user_, "f", "one"), 0);
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "f", &st), 0);
  EXPECT_EQ(Ns(st.st_atim), Ns(st.st_mtim));  // never set: shown as the mtime
  const size_t txns = backend_.txns();
  EXPECT_EQ(Read("f"), "one");
  EXPECT_EQ(backend_.txns(), txns);  // a read writes nothing

  const timespec atime_only[2] = {{1234, 5}, {0, UTIME_OMIT}};  // touch -a -d
  ASSERT_EQ(kernel_->Utimens(user_, "f", atime_only), 0);
  struct stat set;
  ASSERT_EQ(kernel_->Stat(user_, "f", &set), 0);
  EXPECT_EQ(Ns(set.st_atim), 1234000000005);
  EXPECT_EQ(Ns(set.st_mtim), Ns(st.st_mtim));
  EXPECT_EQ(backend_.Get("/f")->attr.atime_ns, 1234000000005);  // replicated with the key

  ASSERT_EQ(kernel_->WriteFile(user_, "f", "two"), 0);  // a write keeps it, as noatime does
  ASSERT_EQ(kernel_->Stat(user_, "f", &st), 0);
  EXPECT_EQ(Ns(st.st_atim), 1234000000005);
  EXPECT_GT(Ns(st.st_mtim), Ns(set.st_mtim));

  const timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};  // touch
  ASSERT_EQ(kernel_->Utimens(user_, "f", now), 0);
  ASSERT_EQ(kernel_->Stat(user_, "f", &st), 0);
  EXPECT_EQ(Ns(st.st_atim), Ns(st.st_mtim));  // both the entry's time
  EXPECT_EQ(Ns(st.st_atim), backend_.Get("/f")->ctime_ns);
}

TEST_F(FsTest, CtimeMovesWithEveryChangeOfDataOrAttributes) {
  Mount();
  ASSERT_EQ(kernel_->WriteFile(user_, "f", "v"), 0);
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "f", &st), 0);
  EXPECT_EQ(Ns(st.st_ctim), Ns(st.st_mtim));
  const timespec past[2] = {{0, UTIME_OMIT}, {1000, 0}};  // touch -m -d @1000
  ASSERT_EQ(kernel_->Utimens(user_, "f", past), 0);
  struct stat after;
  ASSERT_EQ(kernel_->Stat(user_, "f", &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, 1000);
  EXPECT_GT(Ns(after.st_ctim), Ns(st.st_ctim));  // the change itself is now
  ASSERT_EQ(kernel_->Chmod(user_, "f", 0600), 0);
  struct stat chmodded;
  ASSERT_EQ(kernel_->Stat(user_, "f", &chmodded), 0);
  EXPECT_GT(Ns(chmodded.st_ctim), Ns(after.st_ctim));
  EXPECT_EQ(chmodded.st_mtim.tv_sec, 1000);  // chmod leaves the mtime
}

TEST_F(FsTest, PipesSocketsAndDevicesAreKeysWithAKindAndANumber) {
  Mount();
  ASSERT_EQ(kernel_->Mknod(user_, "pipe", S_IFIFO | 0640), 0);
  ASSERT_EQ(kernel_->Mknod(user_, "sock", S_IFSOCK | 0755), 0);
  ASSERT_EQ(kernel_->Mknod(root_, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(kernel_->Mknod(root_, "disk", S_IFBLK | 0660, makedev(8, 1)), 0);
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "pipe", &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(kernel_->Stat(user_, "sock", &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  ASSERT_EQ(kernel_->Stat(user_, "null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(kernel_->Stat(user_, "disk", &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(8, 1));
  // Through the API: keys with empty values.
  auto pipe = backend_.Get("/pipe");
  ASSERT_TRUE(pipe.has_value());
  EXPECT_EQ(pipe->value, "");
  EXPECT_EQ(pipe->attr.kind, kv::FileKind::kFifo);
  EXPECT_EQ(backend_.Get("/null")->attr.rdev, makedev(1, 3));
  EXPECT_EQ(kernel_->Mknod(user_, "pipe", S_IFIFO | 0640), EEXIST);
  // Renamed and removed as files are; the kind goes with the name.
  ASSERT_EQ(kernel_->Rename(user_, "pipe", "renamed"), 0);
  ASSERT_EQ(kernel_->Stat(user_, "renamed", &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(kernel_->Unlink(user_, "renamed"), 0);
  EXPECT_EQ(Committed("/renamed"), "<absent>");
}

TEST_F(FsTest, ANodeMadeElsewhereIsEchoedAsAMknodOfItsType) {
  Mount();
  kv::FileAttr attr;
  attr.explicit_attrs = true;
  attr.mode = 0620;
  attr.uid = 5;
  attr.kind = kv::FileKind::kCharDevice;
  attr.rdev = makedev(4, 64);
  backend_.Put("/tty", "", attr);
  std::vector<std::string> names;
  ASSERT_EQ(kernel_->List(user_, "", &names), 0);
  EXPECT_TRUE(names.empty());  // hidden until its echo's mknod (IN_CREATE)
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "tty", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(4, 64));
  EXPECT_EQ(st.st_uid, 5u);
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

}  // namespace
}  // namespace etcfs::fs::testing
