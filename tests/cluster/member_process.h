// MemberProcess: one etcfsd of a harness cluster, started for real as its own
// process (stdout and stderr appended to <dir>.log), and the faults done to
// it: kill -9 and restart on the same data, SIGSTOP and SIGCONT. Killed when
// the object goes away, also when the harness fails; its mount, if any, is
// detached then (a kill -9 leaves it stale, for the restart to clear).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <vector>

namespace etcfs::testing {

struct MemberSpec {
  std::string etcfsd;         // the binary
  std::string name;           // n1, n2...
  std::string data_dir;
  std::string client_url;     // http://127.0.0.1:PORT
  std::string peer_url;
  std::string initial_cluster;
  std::vector<std::string> extra_flags;
  std::vector<std::string> launcher;  // a prefix such as nsenter --net=...; empty: run directly
  std::string mount_dir;              // its --mount, if extra_flags give one
};

// Kills every member process still running and detaches their mounts (the
// harness's signal handling: they must not outlive it).
void KillAllMembers();

class MemberProcess {
 public:
  explicit MemberProcess(MemberSpec spec) : spec_(std::move(spec)) {}
  ~MemberProcess();
  MemberProcess(const MemberProcess&) = delete;
  MemberProcess& operator=(const MemberProcess&) = delete;

  void Start();
  void Kill();     // SIGKILL, reaped; the data stays
  void Pause();    // SIGSTOP
  void Resume();   // SIGCONT
  // Whether the process ended on its own (reaped then; Start starts it again).
  bool Exited();
  // The next Start joins the running cluster as a new member with an empty
  // data directory: --initial-cluster `initial_cluster`, state existing.
  void JoinExisting(const std::string& initial_cluster);
  bool running() const { return pid_ > 0; }
  bool paused() const { return paused_; }
  int exit_status() const { return exit_status_; }
  // Kills whose process could not exit until its FUSE connection was aborted.
  static int stuck_kills() { return stuck_kills_; }
  const MemberSpec& spec() const { return spec_; }
  // host:port of the client URL.
  std::string endpoint() const;

 private:
  MemberSpec spec_;
  pid_t pid_ = -1;
  int exit_status_ = 0;  // of the last process that ended on its own
  static std::atomic<int> stuck_kills_;
  bool paused_ = false;
};

}  // namespace etcfs::testing
