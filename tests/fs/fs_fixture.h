// A mount without a kernel: a Filesystem on a MemoryBackend with a
// KernelSim in front, for the filesystem's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>

#include <memory>
#include <string>

#include "fs/filesystem.h"
#include "tests/fs/kernel_sim.h"
#include "tests/fs/memory_backend.h"

namespace etcfs::fs::testing {

class FsTest : public ::testing::Test {
 protected:
  // Mounts the prefix "/" with `options` (-o syntax, added to the defaults).
  void Mount(const std::string& options = "") {
    MountOptions o;
    ASSERT_TRUE(o.Parse(options).ok()) << options;
    o.commit_timeout = std::chrono::milliseconds(2000);
    fs_ = std::make_unique<Filesystem>(&backend_, o);
    ASSERT_TRUE(fs_->Start().ok());
    kernel_ = std::make_unique<KernelSim>(fs_.get());
    // A change made elsewhere returns once the kernel was told what it made
    // stale (the echo, replayed by hand, is not waited for).
    backend_.SetLocalViewBarrier([this] { fs_->AwaitInvalidations(std::chrono::seconds(5)); });
  }
  void TearDown() override {
    backend_.SetLocalViewBarrier(nullptr);
    kernel_.reset();
    fs_.reset();
  }

  // The committed value of `key`, or "<absent>".
  std::string Committed(const std::string& key) {
    auto kv = backend_.Get(key);
    return kv ? kv->value : "<absent>";
  }
  std::string Read(const std::string& path) {
    std::string out;
    const int err = kernel_->ReadFile(user_, path, &out);
    return err == 0 ? out : "<" + std::string(strerrorname_np(err)) + ">";
  }
  // A rename made elsewhere, as a mount makes it: the key's value, lease
  // and attributes moved in one revision.
  void RenameElsewhere(const std::string& from, const std::string& to) {
    auto kv = backend_.Get(from);
    ASSERT_TRUE(kv.has_value()) << from;
    kv::TxnRequest txn;
    txn.success.emplace_back(kv::DeleteRangeRequest{from, "", false});
    kv::PutRequest put;
    put.key = to;
    put.value = kv->value;
    put.attr = kv->attr;
    put.lease = kv->lease;
    txn.success.emplace_back(std::move(put));
    backend_.Commit(txn);
  }

  MemoryBackend backend_;
  std::unique_ptr<Filesystem> fs_;
  std::unique_ptr<KernelSim> kernel_;
  const Caller user_ = KernelSim::Process(100, 1000, 1000);
  const Caller other_ = KernelSim::Process(200, 1000, 1000);
  const Caller root_ = KernelSim::Process(300, 0, 0);
};

}  // namespace etcfs::fs::testing
