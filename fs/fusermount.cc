#include "fs/fusermount.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace etcfs::fs::fusermount {

namespace {

// fusermount3 learns the socket to send the descriptor over from this.
constexpr char kCommFdVar[] = "_FUSE_COMMFD=";

// Starts fusermount3 with `args`, passing `comm` (or -1: none) as its socket.
Result<pid_t> Spawn(const std::vector<std::string>& args, int comm) {
  std::vector<std::string> strings = {"fusermount3"};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, kCommFdVar, sizeof(kCommFdVar) - 1) != 0) envp.push_back(*e);
  }
  std::string comm_var = kCommFdVar + std::to_string(comm);
  if (comm >= 0) envp.push_back(comm_var.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (int rc = ::posix_spawnp(&pid, "fusermount3", nullptr, nullptr, argv.data(), envp.data()); rc != 0) {
    return Status::IOError(std::string("cannot start fusermount3: ") + std::strerror(rc) +
                           " (an ordinary user's mount needs it: install the fuse3 package)");
  }
  return pid;
}

// Waits for fusermount3; an error names `what` and how it ended (its own
// message is on stderr already).
Status Wait(pid_t pid, const std::string& what) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError(what + ": waiting for fusermount3: " + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  const std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                            : "was killed by signal " + std::to_string(WTERMSIG(status));
  return Status::IOError(what + " failed: fusermount3 " + how + " (its message is above)");
}

// The descriptor fusermount3 sends with SCM_RIGHTS, or -1 when it sent none.
int ReceiveFd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  const cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

}  // namespace

Result<int> Mount(const std::string& dir, const std::string& options) {
  // Close-on-exec for ours only: fusermount3 must inherit its end.
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0) {
    return Status::IOError(std::string("mounting ") + dir + ": socketpair: " + std::strerror(errno));
  }
  ::fcntl(ends[1], F_SETFD, FD_CLOEXEC);
  auto pid = Spawn({"-o", options, "--", dir}, ends[0]);
  ::close(ends[0]);
  if (!pid.ok()) {
    ::close(ends[1]);
    return pid.status();
  }
  const int fd = ReceiveFd(ends[1]);  // ends when fusermount3 sends or exits
  ::close(ends[1]);
  Status ended = Wait(*pid, "mounting " + dir);
  if (fd >= 0) return fd;  // mounted, whatever it said after
  return ended.ok() ? Status::IOError("mounting " + dir + " failed: fusermount3 sent no /dev/fuse descriptor")
                    : ended;
}

Status Unmount(const std::string& dir) {
  ETCFS_ASSIGN_OR_RETURN(pid_t pid, Spawn({"-u", "-q", "-z", "--", dir}, -1));
  return Wait(pid, "unmounting " + dir);
}

}  // namespace etcfs::fs::fusermount
