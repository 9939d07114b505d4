#include "server/watch_writer.h"

#include <pthread.h>

#include "server/watch_encoder.h"
#include "server/watch_stream.h"

namespace etcfs::server {

WatchWriter::WatchWriter() : thread_([this] { Run(); }) {}

WatchWriter::~WatchWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WatchWriter::Ready(std::shared_ptr<WatchStream> stream) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake = ready_.empty();
    ready_.push_back(std::move(stream));
  }
  if (wake) cv_.notify_one();
}

void WatchWriter::Run() {
  pthread_setname_np(pthread_self(), "watch-writer");
  std::vector<std::shared_ptr<WatchStream>> round;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      round.swap(ready_);
    }
    WatchEncoder encoder;  // shared by the round's streams
    for (auto& stream : round) stream->Send(stream->EncodeQueued(&encoder));
    round.clear();
  }
}

}  // namespace etcfs::server
