// Changes made elsewhere and their echo (fs/echo.h, fs/echo_state.h), driven
// without a kernel: what is hidden until its echo, what only the echo still
// finds (ghosts), and the regressions that real mounts and the fault
// harness's soaks once caught: each scenario names the violation it
// reproduces.
#include <gtest/gtest.h>

#include "tests/fs/fs_fixture.h"

namespace etcfs::fs::testing {
namespace {

TEST_F(FsTest, AFileCreatedElsewhereIsListedOnlyOnceItsEchoCreatedIt) {
  Mount();
  backend_.Put("/new", "v");
  std::vector<std::string> names;
  ASSERT_EQ(kernel_->List(user_, "", &names), 0);
  EXPECT_TRUE(names.empty());  // its echo's create raises IN_CREATE
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  ASSERT_EQ(kernel_->List(user_, "", &names), 0);
  EXPECT_EQ(names, std::vector<std::string>{"new"});
  EXPECT_EQ(Read("new"), "v");
  EXPECT_EQ(Committed("/new"), "v");  // the echo proposed nothing
}

TEST_F(FsTest, ANameLookedUpBeforeItsEchoIsShownAtOnce) {
  Mount();
  backend_.Put("/new", "v");
  EXPECT_EQ(Read("new"), "v");  // reads come before events
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);
  EXPECT_EQ(fs_->echo()->failed(), 0u);  // the echo found it there, and rewrote it
}

TEST_F(FsTest, AFileDeletedElsewhereIsFoundByTheEchoAlone) {
  backend_.Put("/k", "v");
  Mount();
  EXPECT_EQ(Read("k"), "v");
  const size_t txns = backend_.txns();
  backend_.Delete("/k");
  EXPECT_EQ(Read("k"), "<ENOENT>");
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);  // its unlink: IN_DELETE
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  EXPECT_EQ(backend_.txns(), txns);
  EXPECT_FALSE(fs_->echo_state()->IsGhost("k"));
}

TEST_F(FsTest, ARenameElsewhereIsEchoedAsOneRenameCarryingTheNumber) {
  backend_.Put("/a", "v");
  Mount();
  const Ino a = kernel_->InoOf(user_, "a");
  RenameElsewhere("/a", "/b");
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);  // IN_MOVED_FROM and IN_MOVED_TO
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  EXPECT_EQ(fs_->inodes().Find("b"), a);
  EXPECT_EQ(Read("b"), "v");
}

TEST_F(FsTest, TheEchosLookupsAreNeverCached) {
  backend_.Put("/k", "v");
  Mount();
  ops::Entry entry;
  ASSERT_EQ(ops::Lookup(*fs_, KernelSim::Process(KernelSim::kEchoTid), kRootIno, "k", &entry), 0);
  EXPECT_FALSE(entry.cacheable);  // what the echo finds may be a ghost
  ASSERT_EQ(ops::Lookup(*fs_, user_, kRootIno, "k", &entry), 0);
  EXPECT_TRUE(entry.cacheable);
}

// Fault harness, seed 20276: a new open reached a file deleted through the
// API while the echo still held it for its unlink, and read the deleted
// value (TreeView::ToOpen answers ESTALE; the kernel then looks the name up
// again).
TEST_F(FsTest, ANewOpenOfAFileDeletedElsewhereNeverReadsTheDeletedValue) {
  backend_.Put("/k", "v0");
  Mount("consistency=linearizable");
  int held;
  ASSERT_EQ(kernel_->OpenPath(user_, "k", &held), 0);  // the kernel still holds the inode
  backend_.Delete("/k");
  ASSERT_TRUE(fs_->echo_state()->IsGhost("k"));  // the echo's unlink is pending
  int fd;
  const int err = kernel_->Reopen(user_, held, O_RDONLY, &fd);
  if (err == 0) {
    std::string got;
    ASSERT_EQ(kernel_->Read(fd, &got), 0);
    EXPECT_NE(got, "v0") << "a new open read a value deleted elsewhere";
    kernel_->Close(fd);
  } else {
    EXPECT_EQ(err, ESTALE);
  }
  EXPECT_EQ(Read("k"), "<ENOENT>");
  kernel_->Close(held);
  kernel_->ReplayEcho();
  EXPECT_EQ(fs_->echo()->failed(), 0u);
}

// Fault harness, seed 980265: a descriptor opened on the newer file while
// the name still carried the deleted file's number read the deleted value
// after another reader's lookup gave that number to the echo's ghost (the
// handle carries the incarnation it opened: TreeView::Opened).
TEST_F(FsTest, ADescriptorReadsTheFileItOpenedWhenItsNumberGoesToAGhost) {
  backend_.Put("/k", "v0");
  Mount("consistency=linearizable");
  int held;
  ASSERT_EQ(kernel_->OpenPath(user_, "k", &held), 0);
  backend_.Delete("/k");
  backend_.Put("/k", "newer-file");
  int fd, ro;
  ASSERT_EQ(kernel_->Reopen(user_, held, O_RDWR, &fd), 0);  // the name's number: the newer file
  ASSERT_EQ(kernel_->Reopen(user_, held, O_RDONLY, &ro), 0);
  EXPECT_EQ(Read("k"), "newer-file");  // a lookup: the ghost takes the old number apart
  for (int d : {fd, ro}) {
    std::string got;
    ASSERT_EQ(kernel_->Read(d, &got), 0);
    EXPECT_EQ(got, "newer-file");
    struct stat st;
    ASSERT_EQ(kernel_->Fstat(d, &st), 0);
    EXPECT_EQ(st.st_size, 10);
  }
  EXPECT_EQ(kernel_->Write(fd, "x", 0), ESTALE);  // its writes would follow the number elsewhere
  kernel_->Close(fd);
  kernel_->Close(ro);
  kernel_->Close(held);
  kernel_->ReplayEcho();
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  EXPECT_EQ(Read("k"), "newer-file");
}

// Seed 20276's second cause: a key deleted twice while the echo lagged; the
// second delete overwrote the value of the ghost that keeps the first file's
// number, so a descriptor of the first file read the second's deleted value.
TEST_F(FsTest, AGhostKeepsTheValueOfTheFileWhoseNumberItHolds) {
  backend_.Put("/k", "first");
  Mount();
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "k", O_RDONLY, &fd), 0);
  backend_.Delete("/k");
  backend_.Put("/k", "second");
  EXPECT_EQ(Read("k"), "second");  // a lookup: the ghost keeps the first file's number apart
  backend_.Delete("/k");
  std::string got;
  ASSERT_EQ(kernel_->Read(fd, &got), 0);
  EXPECT_EQ(got, "first");
  kernel_->Close(fd);
  kernel_->ReplayEcho();  // unlink, then a create of what is gone again: given up, shown as it is
  EXPECT_EQ(Read("k"), "<ENOENT>");
  EXPECT_FALSE(fs_->echo_state()->IsGhost("k"));
}

// Fault harness (file clients): a file created under a name the echo still
// held as a ghost (renamed away elsewhere) shared the ghost's number, and
// its writes followed the echo's rename onto the other key
// (tests/fs/shared_temp_name.py on real mounts).
TEST_F(FsTest, AFileCreatedWhereAGhostStandsIsANewFile) {
  Mount("consistency=linearizable");
  backend_.Put("/.tmp", "a0");
  EXPECT_EQ(Read(".tmp"), "a0");
  RenameElsewhere("/.tmp", "/ka");  // another mount's write-then-rename
  int fd;
  ASSERT_EQ(kernel_->Open(user_, ".tmp", O_WRONLY | O_CREAT | O_TRUNC, &fd), 0);
  ASSERT_EQ(kernel_->Write(fd, "b0", 0), 0);
  kernel_->ReplayEcho();  // renames the ghost onto ka while the new .tmp is open
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  ASSERT_EQ(kernel_->Close(fd), 0);
  EXPECT_EQ(Committed("/ka"), "a0");
  EXPECT_EQ(Committed("/.tmp"), "b0");
  ASSERT_EQ(kernel_->Rename(user_, ".tmp", "kb"), 0);
  EXPECT_EQ(Read("ka"), "a0");
  EXPECT_EQ(Read("kb"), "b0");
}

// make test under -j2: the echo's rename onto a key orphaned the number of a
// file a reader had just opened, and its read answered ESTALE (the number
// stays an alias of the key: InodeTable::Alias).
TEST_F(FsTest, AFileOpenedBeforeTheEchosRenameOntoItReadsOn) {
  backend_.Put("/conf", "old");
  Mount();
  EXPECT_EQ(Read("conf"), "old");  // the kernel caches conf's name and number
  backend_.Put("/.tmp", "new");
  kernel_->ReplayEcho();
  RenameElsewhere("/.tmp", "/conf");
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "conf", O_RDONLY, &fd), 0);  // before the echo's rename
  kernel_->ReplayEcho();
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  std::string got;
  EXPECT_EQ(kernel_->Read(fd, &got), 0);
  EXPECT_EQ(got, "new");
  kernel_->Close(fd);
  EXPECT_EQ(Read("conf"), "new");
}

// Fault harness (file clients, seed 648372): a reader read the first bytes
// of a key's file, another mount renamed a longer file over it, and the
// reader's next read went on in the newer file ("c7.741" + "8" of
// "c0.1208"): a value nobody wrote. A read-only descriptor reads the file it
// opened to the end, as the replaced file of a local filesystem.
TEST_F(FsTest, AReadOnlyDescriptorReadsTheFileItOpenedToTheEnd) {
  backend_.Put("/k", "c7.741");
  Mount("consistency=linearizable");
  int fd;
  ASSERT_EQ(kernel_->Open(user_, "k", O_RDONLY, &fd), 0);
  std::string got;
  ASSERT_EQ(kernel_->Read(fd, &got, 0, 6), 0);
  EXPECT_EQ(got, "c7.741");
  backend_.Put("/.tmp", "c0.1208");
  RenameElsewhere("/.tmp", "/k");
  ASSERT_EQ(kernel_->Read(fd, &got, 6), 0);
  EXPECT_EQ(got, "");  // the end of the file it opened
  kernel_->ReplayEcho();
  ASSERT_EQ(kernel_->Read(fd, &got), 0);
  EXPECT_EQ(got, "c7.741");
  backend_.Put("/k", "written again");
  ASSERT_EQ(kernel_->Read(fd, &got), 0);
  EXPECT_EQ(got, "c7.741");
  kernel_->Close(fd);
  EXPECT_EQ(Read("k"), "written again");  // reopened by its name: the newest file
  // Once the history it read from is compacted, the descriptor says so.
  ASSERT_EQ(kernel_->Open(user_, "k", O_RDONLY, &fd), 0);
  backend_.Put("/k", "newer");
  backend_.Compact(backend_.revision());
  EXPECT_EQ(kernel_->Read(fd, &got), ESTALE);
  kernel_->Close(fd);
}

// A rename elsewhere of a directory the kernel knows: one rename, and the
// numbers below it move with it.
TEST_F(FsTest, ADirectoryRenamedElsewhereKeepsTheNumbersBelowIt) {
  backend_.Put("/d/a", "1");
  backend_.Put("/d/b", "2");
  Mount();
  const Ino a = kernel_->InoOf(user_, "d/a");
  kv::TxnRequest txn;
  txn.success.emplace_back(kv::DeleteRangeRequest{"/d/", "/d0", false});
  for (const char* k : {"a", "b"}) {
    auto kv = backend_.Get(std::string("/d/") + k);
    kv::PutRequest put;
    put.key = std::string("/e/") + k;
    put.value = kv->value;
    put.attr = kv->attr;
    txn.success.emplace_back(std::move(put));
  }
  backend_.Commit(txn);
  EXPECT_EQ(kernel_->ReplayEcho(), 1u);
  EXPECT_EQ(fs_->echo()->failed(), 0u);
  EXPECT_EQ(fs_->inodes().Find("e/a"), a);
  EXPECT_EQ(Read("e/b"), "2");
}

}  // namespace
}  // namespace etcfs::fs::testing
