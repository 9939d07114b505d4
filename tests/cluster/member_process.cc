#include "tests/cluster/member_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>

extern char** environ;

namespace etcfs::testing {
namespace {

std::mutex live_mu;
std::set<pid_t> live;  // guarded by live_mu

}  // namespace

void KillAllMembers() {
  std::lock_guard<std::mutex> lock(live_mu);
  for (pid_t p : live) ::kill(p, SIGKILL);
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
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string log = spec_.data_dir + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + spec_.etcfsd);
  paused_ = false;
  std::lock_guard<std::mutex> lock(live_mu);
  live.insert(pid_);
}

void MemberProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
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

std::string MemberProcess::endpoint() const {
  const std::string& url = spec_.client_url;
  const size_t scheme = url.find("://");
  return scheme == std::string::npos ? url : url.substr(scheme + 3);
}

}  // namespace etcfs::testing
