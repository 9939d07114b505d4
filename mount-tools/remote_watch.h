// RemoteWatch: one etcd watch of the mounted prefix that outlives its
// connection. Events reach the filesystem in revision order with their file
// attributes (from the companion keys, attr_keys.h); when the stream breaks
// (an endpoint stopped, a network fault) it reconnects, to the next endpoint
// if need be, and resumes from the revision after the last one delivered, so
// nothing is missed or repeated. Only a start revision lost to compaction
// ends it (WatchUpdate::compacted: the filesystem loads the prefix again).
//
// Threads: one thread of its own reads the stream and runs the callback.
#pragma once

#include <etcd/etcdserverpb/rpc.grpc.pb.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fs/kv_backend.h"
#include "mount-tools/attr_keys.h"

namespace etcfs::mount_tools {

class RemoteWatch : public fs::KvWatch {
 public:
  RemoteWatch(std::shared_ptr<grpc::Channel> channel, AttrKeys attr_keys, std::string prefix, int64_t from_revision,
              std::function<void(fs::WatchUpdate)> on_update);
  ~RemoteWatch() override;

  // Asks the server where the watch stands; it answers with the current
  // revision once every event up to it has been sent (an empty update), so
  // that a writer waiting for a revision with no event under the prefix
  // (a failed compare, a change elsewhere) stops waiting.
  void RequestProgress();

 private:
  void Run();
  // Loads the companions as of the revision before the first event.
  bool LoadCompanions();
  // Reads one stream until it ends; false when the watch must stop.
  bool Stream();
  void Handle(const etcdserverpb::WatchResponse& resp);

  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  const AttrKeys attr_keys_;
  const std::string prefix_;
  std::function<void(fs::WatchUpdate)> on_update_;

  // The next revision to deliver; the stream restarts from it.
  int64_t next_revision_;
  std::map<std::string, Companion> companions_;  // by the key they describe
  int failures_ = 0;  // streams lost in a row (logged at the first, then every 30th)

  std::mutex mu_;  // guards the current stream and stopping_
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  grpc::ClientContext* context_ = nullptr;
  grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>* stream_ = nullptr;
  bool stream_ready_ = false;  // the create request was sent; writes may follow
  std::thread thread_;
};

}  // namespace etcfs::mount_tools
