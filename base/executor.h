// Executor: somewhere to run background work. Libraries post work to an
// Executor they are given; only server/, the FUSE session and tests decide
// which threads exist. WorkerThread is the common one: a single thread that
// runs tasks in the order they were posted.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace etcfs {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` later on another thread. Thread-safe.
  virtual void Post(std::function<void()> task) = 0;
};

// One thread running posted tasks in order. The destructor runs the tasks
// already posted, then joins. Thread-safe.
class WorkerThread final : public Executor {
 public:
  explicit WorkerThread(std::string name);
  ~WorkerThread() override;
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void Post(std::function<void()> task) override;

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::string name_;
  std::thread thread_;
};

}  // namespace etcfs
