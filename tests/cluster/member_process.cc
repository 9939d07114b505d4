#include "tests/cluster/member_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/cluster/command_runner.h"

namespace etcfs::testing {
namespace {

std::mutex live_mu;
std::set<pid_t> live;  // guarded by live_mu
std::set<std::string> mounts;  // of members not yet destroyed; guarded by live_mu

}  // namespace

std::atomic<int> MemberProcess::stuck_kills_{0};

void KillAllMembers() {
  std::lock_guard<std::mutex> lock(live_mu);
  for (pid_t p : live) ::kill(p, SIGKILL);
  for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
}

MemberProcess::~MemberProcess() {
  Kill();
  if (spec_.mount_dir.empty()) return;
  ::umount2(spec_.mount_dir.c_str(), MNT_DETACH);  // EINVAL when not mounted: nothing to do
  std::lock_guard<std::mutex> lock(live_mu);
  mounts.erase(spec_.mount_dir);
}

void MemberProcess::Start() {
  if (pid_ > 0) return;
  std::vector<std::string> argv = {spec_.etcfsd,
                                   "--name", spec_.name,
                                   "--data-dir", spec_.data_dir,
                                   "--listen-client-urls", spec_.client_url,
                                   "--advertise-client-urls", spec_.client_url,
                                   "--listen-peer-urls", spec_.peer_url,
                                   "--initial-advertise-peer-urls", spec_.peer_url,
                                   "--initial-cluster", spec_.initial_cluster};
  argv.insert(argv.end(), spec_.extra_flags.begin(), spec_.extra_flags.end());
  argv.insert(argv.begin(), spec_.launcher.begin(), spec_.launcher.end());  // nsenter execs: the pid stays etcfsd's
  // From the command runner: a child spawned here would copy the mount
  // clients' open descriptors, and closing them at exec waits on their
  // mounts, forever for one whose member is paused or stuck.
  pid_ = SpawnProgram(argv, spec_.data_dir + ".log");
  if (pid_ <= 0) throw std::runtime_error("cannot start " + spec_.etcfsd);
  paused_ = false;
  std::lock_guard<std::mutex> lock(live_mu);
  live.insert(pid_);
  if (!spec_.mount_dir.empty()) mounts.insert(spec_.mount_dir);
}

// The FUSE connection number of the mount on `dir` (its device's minor), read
// from mountinfo: stat(2) of the mount itself could hang. 0: not mounted.
static unsigned FuseConnection(const std::string& dir) {
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    if (point != dir || line.find(" - fuse") == std::string::npos) continue;
    const size_t colon = dev.find(':');
    if (colon != std::string::npos) return static_cast<unsigned>(std::stoul(dev.substr(colon + 1)));
  }
  return 0;
}

void MemberProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  // Killed while one of its threads waited on its own mount (the echo's
  // replay, an invalidation stuck behind it), the process cannot finish
  // exiting: /dev/fuse stays open until every thread is gone, and the kernel
  // answers that wait only when it closes. An operator aborts the connection
  // (etcfsd(8), SIGNALS); so does the harness, after 2 s.
  bool reaped = false;
  for (int i = 0; i < 200 && !(reaped = ::waitpid(pid_, nullptr, WNOHANG) == pid_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!reaped && !spec_.mount_dir.empty()) {
    if (const unsigned conn = FuseConnection(spec_.mount_dir); conn != 0) {
      const std::string abort = "/sys/fs/fuse/connections/" + std::to_string(conn) + "/abort";
      if (::access(abort.c_str(), W_OK) != 0) {  // fusectl is not always mounted
        ::mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, nullptr);
      }
      std::ofstream(abort) << "1";
      std::fprintf(stderr, "harness: %s did not exit after kill -9 within 2 s; aborted its FUSE connection %u\n",
                   spec_.name.c_str(), conn);
      ++stuck_kills_;
    }
  }
  if (!reaped) ::waitpid(pid_, nullptr, 0);
  {
    std::lock_guard<std::mutex> lock(live_mu);
    live.erase(pid_);
  }
  pid_ = -1;
  paused_ = false;
}

void MemberProcess::Pause() {
  if (pid_ > 0 && !paused_ && ::kill(pid_, SIGSTOP) == 0) paused_ = true;
}

void MemberProcess::Resume() {
  if (pid_ > 0 && paused_ && ::kill(pid_, SIGCONT) == 0) paused_ = false;
}

bool MemberProcess::Exited() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  {
    std::lock_guard<std::mutex> lock(live_mu);
    live.erase(pid_);
  }
  pid_ = -1;
  paused_ = false;
  return true;
}

void MemberProcess::JoinExisting(const std::string& initial_cluster) {
  spec_.initial_cluster = initial_cluster;
  for (size_t i = 0; i + 1 < spec_.extra_flags.size(); ++i) {
    if (spec_.extra_flags[i] == "--initial-cluster-state") return;
  }
  spec_.extra_flags.insert(spec_.extra_flags.end(), {"--initial-cluster-state", "existing"});
}

std::string MemberProcess::endpoint() const {
  const std::string& url = spec_.client_url;
  const size_t scheme = url.find("://");
  return scheme == std::string::npos ? url : url.substr(scheme + 3);
}

}  // namespace etcfs::testing
