// A file unlinked or renamed over through the mount while a descriptor holds
// it stays fully usable through that descriptor until its last close, as on
// a local filesystem (fs/orphans.h); nothing written to it then reaches the
// key space. Driven without a kernel (kernel_sim.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/fs/fs_fixture.h"

namespace etcfs::fs::testing {
namespace {

TEST_F(FsTest, AFileUnlinkedWhileOpenKeepsItsDataForItsDescriptors) {
  Mount();
  ASSERT_EQ(kernel_->WriteFile(user_, "log", "before"), 0);
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "log", O_RDWR, &fd), 0);
  ASSERT_EQ(kernel_->Unlink(user_, "log"), 0);
  EXPECT_EQ(Committed("/log"), "<absent>");
  std::string out;
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "before");
  struct stat st;
  ASSERT_EQ(kernel_->Fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_size, 6);
  const size_t txns = backend_.txns();
  ASSERT_EQ(kernel_->Write(fd, "-after", 6), 0);  // accepted...
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "before-after");
  ASSERT_EQ(kernel_->Ftruncate(fd, 3), 0);
  ASSERT_EQ(kernel_->Fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 3);
  ASSERT_EQ(kernel_->Fsync(fd), 0);
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(backend_.txns(), txns);  // ...and nothing of it is committed
  EXPECT_EQ(Committed("/log"), "<absent>");
  EXPECT_EQ(Read("log"), "<ENOENT>");
  // A new file of the name is another file.
  ASSERT_EQ(kernel_->WriteFile(user_, "log", "new"), 0);
  EXPECT_EQ(Read("log"), "new");
  kernel_->DropCaches();
  EXPECT_EQ(fs_->orphans().size(), 0u);  // gone once the kernel let go
}

TEST_F(FsTest, AFileBeingWrittenAndUnlinkedKeepsWhatWasWritten) {
  Mount();
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "tmp", O_RDWR | O_CREAT, &fd), 0);  // never committed
  ASSERT_EQ(kernel_->Write(fd, "scratch", 0), 0);
  ASSERT_EQ(kernel_->Unlink(user_, "tmp"), 0);
  std::string out;
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "scratch");
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/tmp"), "<absent>");
}

TEST_F(FsTest, AFileRenamedOverWhileOpenKeepsItsDataForItsDescriptors) {
  Mount();
  ASSERT_EQ(kernel_->WriteFile(user_, "conf", "old"), 0);
  int reader, writer;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_RDONLY, &reader), 0);
  ASSERT_EQ(kernel_->Open(user_, "conf", O_WRONLY, &writer), 0);
  ASSERT_EQ(kernel_->WriteFile(user_, ".conf.tmp", "new!"), 0);
  ASSERT_EQ(kernel_->Rename(user_, ".conf.tmp", "conf"), 0);  // an editor's save
  std::string out;
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "old");
  ASSERT_EQ(kernel_->Write(writer, "xyz", 0), 0);
  ASSERT_EQ(kernel_->Close(writer), 0);
  EXPECT_EQ(Committed("/conf"), "new!");  // the old file's writes went nowhere
  EXPECT_EQ(Read("conf"), "new!");
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "xyz");  // the same file through both descriptors
  ASSERT_EQ(kernel_->Close(reader), 0);
}

TEST_F(FsTest, AFileDeletedElsewhereWhileOpenStaysWholeOnceItsEchoRetiredIt) {
  backend_.Put("/shared", "contents");
  Mount();
  int reader, writer;
  ASSERT_EQ(kernel_->Open(user_, "shared", O_RDONLY, &reader), 0);
  ASSERT_EQ(kernel_->Open(other_, "shared", O_WRONLY, &writer), 0);
  backend_.Delete("/shared");
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);  // the echo's unlink (IN_DELETE)
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  std::string out;
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "contents");
  struct stat st;
  ASSERT_EQ(kernel_->Fstat(reader, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  const size_t txns = backend_.txns();
  ASSERT_EQ(kernel_->Write(writer, "new", 0), 0);
  ASSERT_EQ(kernel_->Close(writer), 0);
  EXPECT_EQ(backend_.txns(), txns);
  EXPECT_EQ(Committed("/shared"), "<absent>");
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "newtents");
  ASSERT_EQ(kernel_->Close(reader), 0);
}

}  // namespace
}  // namespace etcfs::fs::testing
