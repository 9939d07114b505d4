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

// Replaced elsewhere (another node's editor saved the file over it, or
// deleted it and wrote it again) while a process here holds it open to read
// and to write: its descriptors go on with the file they opened, and what
// they write goes nowhere.
class ReplacedElsewhere : public FsTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ReplacedElsewhere, ARenameOverItKeepsTheOpenedFileForItsDescriptors) {
  backend_.Put("/conf", "old");
  Mount(GetParam());
  int reader, writer;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_RDONLY, &reader), 0);
  ASSERT_EQ(kernel_->Open(other_, "conf", O_WRONLY, &writer), 0);
  backend_.Put("/.conf.tmp", "new!");
  kernel_->ReplayEcho();
  RenameElsewhere("/.conf.tmp", "/conf");
  std::string out;
  ASSERT_EQ(kernel_->Read(reader, &out), 0);  // before the echo's rename too
  EXPECT_EQ(out, "old");
  EXPECT_EQ(Read("conf"), "new!");  // the name: the file that took it
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "old");
  const size_t txns = backend_.txns();
  ASSERT_EQ(kernel_->Write(writer, "xyz", 0), 0);  // accepted...
  ASSERT_EQ(kernel_->Close(writer), 0);
  EXPECT_EQ(backend_.txns(), txns);  // ...and gone with the old file
  EXPECT_EQ(Committed("/conf"), "new!");
  EXPECT_EQ(Read("conf"), "new!");
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "xyz");  // one file through both descriptors
  ASSERT_EQ(kernel_->Close(reader), 0);
  kernel_->DropCaches();
  EXPECT_EQ(fs_->orphans().size(), 0u);
}

TEST_P(ReplacedElsewhere, ADeleteAndCreateAgainKeepsTheOpenedFileForItsDescriptors) {
  backend_.Put("/conf", "first");
  Mount(GetParam());
  int reader, writer;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_RDONLY, &reader), 0);
  ASSERT_EQ(kernel_->Open(other_, "conf", O_WRONLY, &writer), 0);
  backend_.Delete("/conf");
  backend_.Put("/conf", "second");
  EXPECT_EQ(Read("conf"), "second");  // looked up again before the echo
  kernel_->ReplayEcho();
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  std::string out;
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "first");
  const size_t txns = backend_.txns();
  ASSERT_EQ(kernel_->Write(writer, "F", 0), 0);
  ASSERT_EQ(kernel_->Close(writer), 0);
  EXPECT_EQ(backend_.txns(), txns);
  EXPECT_EQ(Committed("/conf"), "second");
  ASSERT_EQ(kernel_->Read(reader, &out), 0);
  EXPECT_EQ(out, "First");
  ASSERT_EQ(kernel_->Close(reader), 0);
}

TEST_P(ReplacedElsewhere, WhatADescriptorWroteBeforeARenameOverItStaysItsOwn) {
  backend_.Put("/conf", "old");
  Mount(GetParam());
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_RDWR, &fd), 0);
  ASSERT_EQ(kernel_->Write(fd, "mine", 0), 0);  // buffered, not yet closed
  backend_.Put("/.conf.tmp", "theirs");
  kernel_->ReplayEcho();
  RenameElsewhere("/.conf.tmp", "/conf");
  kernel_->ReplayEcho();
  std::string out;
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "mine");
  ASSERT_EQ(kernel_->Write(fd, "!", 4), 0);
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "mine!");
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/conf"), "theirs");
}

// A put elsewhere that writes the file in place is the same file: its
// descriptors see the new value.
TEST_P(ReplacedElsewhere, AWriteInPlaceElsewhereIsTheSameFile) {
  backend_.Put("/conf", "old");
  backend_.Put("/other", "x");
  Mount(GetParam());
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_WRONLY, &fd), 0);
  kv::TxnRequest txn;  // a delete and a put of another value in one revision: no rename
  txn.success.emplace_back(kv::DeleteRangeRequest{"/other", "", false});
  kv::PutRequest put;
  put.key = "/conf";
  put.value = "written elsewhere";
  txn.success.emplace_back(std::move(put));
  backend_.Commit(txn);
  kernel_->ReplayEcho();
  struct stat st;
  ASSERT_EQ(kernel_->Fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);  // still the file of its name
  ASSERT_EQ(kernel_->Write(fd, "W", 0), 0);
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/conf"), "Written elsewhere");
}

INSTANTIATE_TEST_SUITE_P(Consistency, ReplacedElsewhere,
                         ::testing::Values("consistency=serializable", "consistency=linearizable"));

// Without the echo (notify=off) nothing retires a file deleted elsewhere
// for its descriptors: the delete itself keeps it.
TEST_F(FsTest, WithoutNotifyAFileDeletedElsewhereStaysWholeForItsDescriptors) {
  backend_.Put("/shared", "contents");
  Mount("notify=off");
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "shared", O_RDWR, &fd), 0);
  backend_.Delete("/shared");
  EXPECT_EQ(Read("shared"), "<ENOENT>");
  std::string out;
  ASSERT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "contents");
  struct stat st;
  ASSERT_EQ(kernel_->Fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  ASSERT_EQ(kernel_->Write(fd, "C", 0), 0);
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/shared"), "<absent>");
}

}  // namespace
}  // namespace etcfs::fs::testing
