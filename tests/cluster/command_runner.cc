#include "tests/cluster/command_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace etcfs::testing {
namespace {

std::mutex runner_mu;
int runner_fd = -1;  // guarded by runner_mu

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool SendString(int fd, const std::string& s) {
  const uint32_t size = static_cast<uint32_t>(s.size());
  return WriteAll(fd, &size, sizeof size) && WriteAll(fd, s.data(), s.size());
}

bool ReceiveString(int fd, std::string* s) {
  uint32_t size = 0;
  if (!ReadAll(fd, &size, sizeof size)) return false;
  s->resize(size);
  return ReadAll(fd, s->data(), size);
}

// Runs the script in a child of this process; `capture`: its output is
// collected, else it shares this process's stdout and stderr.
int RunHere(const std::string& script, bool capture, std::string* output) {
  int out[2] = {-1, -1};
  if (capture && ::pipe2(out, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (capture) ::close(out[0]), ::close(out[1]);
    return -1;
  }
  if (pid == 0) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
    if (capture) {
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
    }
    ::execl("/bin/bash", "bash", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (capture) {
    ::close(out[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) output->append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

[[noreturn]] void Serve(int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the harness
  // A Ctrl-C reaches the whole process group: the helper stays for the
  // harness's cleanup (removing the networks).
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);
  for (;;) {
    std::string script, flag, output;
    if (!ReceiveString(fd, &flag) || !ReceiveString(fd, &script)) ::_exit(0);
    const int32_t status = RunHere(script, flag == "capture", &output);
    if (!WriteAll(fd, &status, sizeof status) || !SendString(fd, output)) ::_exit(0);
  }
}

}  // namespace

void StartCommandRunner() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    std::perror("fault_harness: socketpair for the command runner");
    return;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fault_harness: fork of the command runner");
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    ::close(fds[0]);
    Serve(fds[1]);
  }
  ::close(fds[1]);
  std::lock_guard<std::mutex> lock(runner_mu);
  runner_fd = fds[0];
}

int RunCommand(const std::string& script, std::string* output) {
  std::string ignored;
  std::string& out = output != nullptr ? *output : ignored;
  {
    std::lock_guard<std::mutex> lock(runner_mu);
    if (runner_fd >= 0) {
      int32_t status = -1;
      if (SendString(runner_fd, output != nullptr ? "capture" : "inherit") && SendString(runner_fd, script) &&
          ReadAll(runner_fd, &status, sizeof status) && ReceiveString(runner_fd, &out)) {
        return status;
      }
      std::fprintf(stderr, "fault_harness: the command runner is gone; running commands from the harness\n");
      ::close(runner_fd);
      runner_fd = -1;
    }
  }
  return RunHere(script, output != nullptr, &out);
}

}  // namespace etcfs::testing
