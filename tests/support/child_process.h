// ChildProcess: a process started from argv, with a pipe to its stdin and a
// thread collecting its stdout lines. Killed with SIGKILL when the object goes
// away, also when a test fails.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace etcfs::testing {

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    int out[2], in[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) std::abort();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) std::abort();
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(in[0]);
    stdin_fd_ = in[1];
    reader_ = std::thread([this, fd = out[0]] {
      FILE* f = fdopen(fd, "r");
      char buf[4096];
      while (fgets(buf, sizeof buf, f) != nullptr) {
        std::string line(buf);
        if (!line.empty() && line.back() == '\n') line.pop_back();
        std::lock_guard<std::mutex> lock(mu_);
        lines_.push_back(std::move(line));
        cv_.notify_all();
      }
      fclose(f);
      std::lock_guard<std::mutex> lock(mu_);
      eof_ = true;
      cv_.notify_all();
    });
  }
  ~ChildProcess() {
    Kill();
    reader_.join();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line not yet taken by ReadLine, or "" at end of output.
  std::string ReadLine() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return next_ < lines_.size() || eof_; });
    return next_ < lines_.size() ? lines_[next_++] : "";
  }
  // Waits for any line (ever printed) that satisfies `pred`; returns it or "".
  std::string WaitForLine(const std::function<bool(const std::string&)>& pred, double seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    std::string found;
    cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] {
      for (const auto& l : lines_) {
        if (pred(l)) {
          found = l;
          return true;
        }
      }
      return eof_;
    });
    return found;
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  void WriteLine(const std::string& line) {
    std::string l = line + "\n";
    if (::write(stdin_fd_, l.data(), l.size()) < 0) {
      // the child has gone; the test will notice
    }
  }
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);
      stdin_fd_ = -1;
    }
  }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  size_t next_ = 0;
  bool eof_ = false;
};

}  // namespace etcfs::testing
