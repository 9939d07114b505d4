// The rules of etcfs(5), driven through the operations without a kernel:
// keys as files, directories as prefixes, writes committed at close,
// renames as transactions, caches kept exact, numbers forgotten with the
// kernel's references.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/fs.h>

#include <algorithm>
#include <thread>

#include "tests/fs/fs_fixture.h"

namespace etcfs::fs::testing {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_F(FsTest, AKeyIsAFileWithTheMountsDefaults) {
  backend_.Put("/etc/motd", "hello");
  Mount("uid=7,gid=8,mode=0640");
  EXPECT_EQ(Read("etc/motd"), "hello");
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "etc/motd", &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(st.st_size, 5);
  ASSERT_EQ(kernel_->Stat(user_, "etc", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);  // x where r is set
}

TEST_F(FsTest, AFileIsCommittedAtCloseAsOneRevision) {
  Mount();
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "app.conf", O_WRONLY | O_CREAT | O_TRUNC, &fd, 0600), 0);
  ASSERT_EQ(kernel_->Write(fd, "listen ", 0), 0);
  ASSERT_EQ(kernel_->Write(fd, "8080", 7), 0);
  EXPECT_EQ(Committed("/app.conf"), "<absent>");  // exists only in this mount until close
  std::vector<std::string> names;
  ASSERT_EQ(kernel_->List(other_, "", &names), 0);
  EXPECT_THAT(names, ElementsAre("app.conf"));
  const int64_t before = backend_.revision();
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/app.conf"), "listen 8080");
  EXPECT_EQ(backend_.revision(), before + 1);
  const auto kv = backend_.Get("/app.conf");
  EXPECT_TRUE(kv->attr.explicit_attrs);
  EXPECT_EQ(kv->attr.uid, 1000u);
  EXPECT_EQ(kv->attr.mode, 0600u);
}

TEST_F(FsTest, OpenWithTruncateIsPublishedOnlyAtClose) {
  backend_.Put("/f", "old value");
  Mount();
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "f", O_WRONLY | O_TRUNC, &fd), 0);
  EXPECT_EQ(Committed("/f"), "old value");  // never the truncated, half-written value
  ASSERT_EQ(kernel_->Write(fd, "new", 0), 0);
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/f"), "new");
}

TEST_F(FsTest, TruncateOfAPathIsCommittedAtOnce) {
  backend_.Put("/f", "0123456789");
  Mount();
  ASSERT_EQ(kernel_->Truncate(user_, "f", 4), 0);
  EXPECT_EQ(Committed("/f"), "0123");
}

TEST_F(FsTest, AShellRedirectCommitsAtTheLastCloseOfTheProcess) {
  Mount();
  // `cmd > file`: the file is opened, dup'ed onto the command's stdout, and
  // the first descriptor closed before the command writes.
  int shell_fd, cmd_fd;
  ASSERT_EQ(kernel_->Open(user_, "out", O_WRONLY | O_CREAT | O_TRUNC, &shell_fd), 0);
  ASSERT_EQ(kernel_->Dup(shell_fd, &cmd_fd), 0);
  ASSERT_EQ(kernel_->Close(shell_fd), 0);
  EXPECT_EQ(Committed("/out"), "<absent>");  // still held by the same process
  ASSERT_EQ(kernel_->Write(cmd_fd, "done", 0), 0);
  ASSERT_EQ(kernel_->Close(cmd_fd), 0);
  EXPECT_EQ(Committed("/out"), "done");
}

TEST_F(FsTest, DirectoriesArePrefixesAndMarkersKeepThemWhenEmpty) {
  backend_.Put("/d/e/f", "x");
  Mount();
  std::vector<std::string> names;
  ASSERT_EQ(kernel_->List(user_, "d", &names), 0);
  EXPECT_THAT(names, ElementsAre("e"));
  ASSERT_EQ(kernel_->Mkdir(user_, "empty"), 0);
  EXPECT_TRUE(backend_.Get("/empty/").has_value());
  EXPECT_EQ(kernel_->Rmdir(user_, "d"), ENOTEMPTY);
  EXPECT_EQ(kernel_->Unlink(user_, "d/e/f"), 0);
  EXPECT_EQ(kernel_->List(user_, "d", &names), ENOENT);  // its last key went
  EXPECT_EQ(kernel_->Rmdir(user_, "empty"), 0);
  EXPECT_FALSE(backend_.Get("/empty/").has_value());
}

TEST_F(FsTest, AKeyEndingInASlashIsADirectoryWhateverItsRecord) {
  backend_.Put("/api-made/", "");  // through the etcd API: no attributes
  Mount();
  struct stat st;
  ASSERT_EQ(kernel_->Stat(user_, "api-made", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(kernel_->Chmod(user_, "api-made", 0700), 0);
  EXPECT_EQ(backend_.Get("/api-made/")->attr.kind, kv::FileKind::kDirectory);
  ASSERT_EQ(kernel_->Mkdir(user_, "made-here", 0750), 0);
  EXPECT_EQ(backend_.Get("/made-here/")->attr.kind, kv::FileKind::kDirectory);
  ASSERT_EQ(kernel_->WriteFile(user_, "made-here/f", "x"), 0);
  EXPECT_EQ(backend_.Get("/made-here/f")->attr.kind, kv::FileKind::kFile);
}

TEST_F(FsTest, AKeyThatIsAlsoADirectoryShowsItsValueAsNamePercent) {
  backend_.Put("/a", "self");
  backend_.Put("/a/b", "child");
  Mount();
  std::vector<std::string> names;
  ASSERT_EQ(kernel_->List(user_, "", &names), 0);
  EXPECT_EQ(Sorted(names), (std::vector<std::string>{"a", "a%"}));
  EXPECT_EQ(Read("a%"), "self");
  EXPECT_EQ(Read("a/b"), "child");
  EXPECT_EQ(kernel_->WriteFile(user_, "b%", "x"), EINVAL);  // "b%" names the value of directory b
}

TEST_F(FsTest, RenameOntoAFileReplacesItInOneTransaction) {
  backend_.Put("/conf", "old");
  Mount();
  ASSERT_EQ(kernel_->WriteFile(user_, ".conf.tmp", "new"), 0);
  const size_t txns = backend_.txns();
  ASSERT_EQ(kernel_->Rename(user_, ".conf.tmp", "conf"), 0);
  EXPECT_EQ(backend_.txns(), txns + 1);
  EXPECT_EQ(Committed("/conf"), "new");
  EXPECT_EQ(Committed("/.conf.tmp"), "<absent>");
  EXPECT_EQ(Read("conf"), "new");
  EXPECT_EQ(kernel_->Rename(user_, "conf", "x", RENAME_NOREPLACE), 0);
  ASSERT_EQ(kernel_->WriteFile(user_, "y", "y"), 0);
  EXPECT_EQ(kernel_->Rename(user_, "x", "y", RENAME_NOREPLACE), EEXIST);
}

TEST_F(FsTest, ADirectoryRenameMovesEveryKeyOrAnswersExdev) {
  for (int i = 0; i < 5; ++i) backend_.Put("/d/k" + std::to_string(i), "v" + std::to_string(i));
  backend_.Put("/big/a", "1");
  backend_.Put("/big/b", "2");
  backend_.Put("/big/c", "3");
  backend_.set_limits(BackendLimits{1536 * 1024, 6, int64_t{2} << 30});
  Mount();
  ASSERT_EQ(kernel_->Rename(user_, "d", "e"), 0);  // 5 puts and a delete: 6 operations
  EXPECT_EQ(Committed("/e/k3"), "v3");
  EXPECT_EQ(Committed("/d/k3"), "<absent>");
  EXPECT_EQ(Read("e/k4"), "v4");
  ASSERT_EQ(kernel_->WriteFile(user_, "big/d", "4"), 0);
  ASSERT_EQ(kernel_->WriteFile(user_, "big/e", "5"), 0);
  ASSERT_EQ(kernel_->WriteFile(user_, "big/f", "6"), 0);
  EXPECT_EQ(kernel_->Rename(user_, "big", "bigger"), EXDEV);  // mv copies instead
  EXPECT_EQ(Committed("/big/a"), "1");
}

TEST_F(FsTest, ARenameOfMoreBytesThanOneRequestAnswersExdev) {
  backend_.Put("/big/a", std::string(3000, 'a'));
  backend_.Put("/big/b", std::string(3000, 'b'));
  backend_.Put("/near", std::string(7950, 'n'));
  backend_.set_limits(BackendLimits{8192, 128, int64_t{2} << 30});
  Mount();
  EXPECT_EQ(kernel_->Rename(user_, "big", "bigger"), 0);  // 6000 bytes
  ASSERT_EQ(kernel_->WriteFile(user_, "bigger/c", std::string(3000, 'c')), 0);
  EXPECT_EQ(kernel_->Rename(user_, "bigger", "big"), EXDEV);  // 9000 bytes: mv copies instead
  EXPECT_EQ(Committed("/bigger/a"), std::string(3000, 'a'));
  EXPECT_EQ(Committed("/big/a"), "<absent>");
  // A file near the limit renamed to a longer name: its key counts too.
  EXPECT_EQ(kernel_->Rename(user_, "near", "n"), 0);
  EXPECT_EQ(kernel_->Rename(user_, "n", std::string(250, 'l')), EXDEV);
  EXPECT_EQ(Committed("/n").size(), 7950u);
}

TEST_F(FsTest, AValueOverTheRequestLimitFailsAtWriteNotAtClose) {
  backend_.set_limits(BackendLimits{4096, 128, int64_t{2} << 30});
  Mount();
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "big", O_WRONLY | O_CREAT, &fd), 0);
  EXPECT_EQ(kernel_->Write(fd, std::string(1000, 'x'), 0), 0);
  EXPECT_EQ(kernel_->Write(fd, std::string(4000, 'x'), 1000), EFBIG);
  EXPECT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/big").size(), 1000u);
}

TEST_F(FsTest, WithoutQuorumWritesFailAtOpenAndReadsGoOn) {
  backend_.Put("/a", "kept");
  Mount();
  backend_.SetUnavailable(true);
  int fd;
  EXPECT_EQ(kernel_->Open(user_, "new", O_WRONLY | O_CREAT, &fd), ETIMEDOUT);
  EXPECT_EQ(kernel_->Open(user_, "a", O_WRONLY | O_TRUNC, &fd), ETIMEDOUT);
  EXPECT_EQ(kernel_->Mkdir(user_, "d"), ETIMEDOUT);
  EXPECT_EQ(Read("a"), "kept");
  backend_.SetUnavailable(false);
  EXPECT_EQ(kernel_->WriteFile(user_, "new", "x"), 0);
}

TEST_F(FsTest, AChangeMadeElsewhereInvalidatesExactlyTheCachedNames) {
  backend_.Put("/a", "1");
  Mount("notify=off");
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("b"), "<ENOENT>");  // the absence is cached too
  backend_.Put("/b", "2");
  backend_.Delete("/a");
  ASSERT_TRUE(fs_->AwaitInvalidations(std::chrono::seconds(5)));
  EXPECT_EQ(Read("a"), "<ENOENT>");
  EXPECT_EQ(Read("b"), "2");
}

TEST_F(FsTest, AnUnlinkOfAFileDeletedElsewhereMeanwhileIsEnoent) {
  backend_.Put("/k", "v");
  Mount();
  EXPECT_EQ(Read("k"), "v");
  backend_.Hold();        // this mount's watch lags behind the cluster
  backend_.Delete("/k");  // deleted elsewhere: only one of two unlinks succeeds
  EXPECT_EQ(kernel_->Unlink(user_, "k"), ENOENT);
}

TEST_F(FsTest, ForgottenNumbersLeaveTheInodeTable) {
  for (int i = 0; i < 50; ++i) backend_.Put("/d/f" + std::to_string(i), "x");
  Mount();
  const size_t empty = fs_->inodes().size();
  struct stat st;
  for (int i = 0; i < 50; ++i) ASSERT_EQ(kernel_->Stat(user_, "d/f" + std::to_string(i), &st), 0);
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "d/f7", O_RDONLY, &fd), 0);
  const Ino open_ino = kernel_->InoOf(user_, "d/f7");
  EXPECT_GE(fs_->inodes().size(), empty + 51);
  kernel_->DropCaches();  // the kernel forgets all but the open file (and its directory's path)
  EXPECT_LE(fs_->inodes().size(), empty + 1);
  EXPECT_EQ(fs_->inodes().Find("d/f7"), open_ino);
  EXPECT_EQ(fs_->inodes().Find("d/f8"), 0u);
  const Ino again = kernel_->InoOf(user_, "d/f8");  // a new number, never an old one
  EXPECT_GT(again, open_ino);
  std::string out;
  EXPECT_EQ(kernel_->Read(fd, &out), 0);
  EXPECT_EQ(out, "x");
  EXPECT_EQ(kernel_->Close(fd), 0);
}

TEST_F(FsTest, SymlinksHoldTheirTargetAsTheValue) {
  Mount();
  ASSERT_EQ(kernel_->Symlink(user_, "../target", "link"), 0);
  std::string target;
  ASSERT_EQ(kernel_->Readlink(user_, "link", &target), 0);
  EXPECT_EQ(target, "../target");
  EXPECT_EQ(Committed("/link"), "../target");
  EXPECT_EQ(backend_.Get("/link")->attr.kind, kv::FileKind::kSymlink);
}

TEST_F(FsTest, ChmodAndChownAreReplicatedAttributes) {
  backend_.Put("/f", "v");
  Mount();
  ASSERT_EQ(kernel_->Chmod(user_, "f", 0600), 0);
  const auto kv = backend_.Get("/f");
  EXPECT_EQ(kv->value, "v");  // the value stays
  EXPECT_TRUE(kv->attr.explicit_attrs);
  EXPECT_EQ(kv->attr.mode, 0600u);
}

TEST_F(FsTest, AWatchBehindCompactionLoadsThePrefixAgain) {
  backend_.Put("/a", "1");
  Mount("notify=off");
  backend_.Hold();
  backend_.Put("/a", "2");
  backend_.Put("/b", "3");
  backend_.Compact(backend_.revision());
  backend_.Release();  // the watch is told it fell behind; the feed ranges again
  for (int i = 0; i < 500 && fs_->resyncs() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(fs_->resyncs(), 1u);
  ASSERT_TRUE(fs_->mirror().WaitFor(backend_.revision(), std::chrono::seconds(5)));
  EXPECT_EQ(Read("a"), "2");
  EXPECT_EQ(Read("b"), "3");
}

}  // namespace
}  // namespace etcfs::fs::testing
