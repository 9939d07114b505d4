#include "tests/cluster/command_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

extern char** environ;

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

// Forks a child that forks the program and exits at once: the program is
// reparented to the harness, the subreaper.
pid_t SpawnHere(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  int report[2];
  if (args.size() < 2 || ::pipe2(report, O_CLOEXEC) != 0) return -1;
  const pid_t middle = ::fork();
  if (middle == 0) {
    const pid_t program = ::fork();
    if (program == 0) {
      for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
      const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    (void)!::write(report[1], &program, sizeof program);
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t program = -1;
  if (middle < 0 || !ReadAll(report[0], &program, sizeof program)) program = -1;
  ::close(report[0]);
  if (middle > 0) {
    while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return program;
}

// A spawn request's text: the log, then the arguments, each ending in NUL.
std::string EncodeSpawn(const std::vector<std::string>& argv, const std::string& log) {
  std::string s = log + '\0';
  for (const auto& a : argv) s += a + '\0';
  return s;
}

void DecodeSpawn(const std::string& s, std::vector<std::string>* argv, std::string* log) {
  size_t start = 0;
  for (size_t end; (end = s.find('\0', start)) != std::string::npos; start = end + 1) {
    if (start == 0) {
      *log = s.substr(0, end);
    } else {
      argv->push_back(s.substr(start, end - start));
    }
  }
}

[[noreturn]] void Serve(int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the harness
  // A Ctrl-C reaches the whole process group: the helper stays for the
  // harness's cleanup (removing the networks).
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);
  for (;;) {
    std::string script, flag, output;
    if (!ReceiveString(fd, &flag) || !ReceiveString(fd, &script)) ::_exit(0);
    int32_t status;
    if (flag == "spawn") {
      std::vector<std::string> argv;
      std::string log;
      DecodeSpawn(script, &argv, &log);
      status = SpawnHere(argv, log);
    } else {
      status = RunHere(script, flag == "capture", &output);
    }
    if (!WriteAll(fd, &status, sizeof status) || !SendString(fd, output)) ::_exit(0);
  }
}

}  // namespace

void StartCommandRunner() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    std::perror("fault_harness: PR_SET_CHILD_SUBREAPER (members start from the harness itself)");
    return;
  }
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

pid_t SpawnProgram(const std::vector<std::string>& argv, const std::string& log) {
  {
    std::lock_guard<std::mutex> lock(runner_mu);
    if (runner_fd >= 0) {
      int32_t pid = -1;
      std::string ignored;
      if (SendString(runner_fd, "spawn") && SendString(runner_fd, EncodeSpawn(argv, log)) &&
          ReadAll(runner_fd, &pid, sizeof pid) && ReceiveString(runner_fd, &ignored)) {
        return pid;
      }
      std::fprintf(stderr, "fault_harness: the command runner is gone; starting members from the harness\n");
      ::close(runner_fd);
      runner_fd = -1;
    }
  }
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
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
