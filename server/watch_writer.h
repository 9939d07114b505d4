// WatchWriter: the thread that turns what the hub queued on watch streams
// into the bytes they send, so that neither the apply path (where updates
// are delivered) nor gRPC's reactions encode. A stream with a new queue asks
// to be served (Ready); each round serves every stream that asked, with one
// WatchEncoder, so an event that many streams carry is encoded once.
//
// Threads: Ready from any thread, never blocking; one thread of its own.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace etcfs::server {

class WatchStream;

class WatchWriter {
 public:
  WatchWriter();
  ~WatchWriter();  // serves nothing more; streams still asking are dropped
  WatchWriter(const WatchWriter&) = delete;
  WatchWriter& operator=(const WatchWriter&) = delete;

  void Ready(std::shared_ptr<WatchStream> stream);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<WatchStream>> ready_;  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  std::thread thread_;
};

}  // namespace etcfs::server
