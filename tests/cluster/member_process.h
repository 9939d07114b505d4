// MemberProcess: one etcfsd of a harness cluster, started for real as its own
// process (stdout and stderr appended to <dir>.log), and the faults done to
// it: kill -9 and restart on the same data, SIGSTOP and SIGCONT. Killed when
// the object goes away, also when the harness fails.
#pragma once

#include <sys/types.h>

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
};

// Kills every member process still running (the harness's signal handling:
// they must not outlive it).
void KillAllMembers();

class MemberProcess {
 public:
  explicit MemberProcess(MemberSpec spec) : spec_(std::move(spec)) {}
  ~MemberProcess() { Kill(); }
  MemberProcess(const MemberProcess&) = delete;
  MemberProcess& operator=(const MemberProcess&) = delete;

  void Start();
  void Kill();     // SIGKILL, reaped; the data stays
  void Pause();    // SIGSTOP
  void Resume();   // SIGCONT
  bool running() const { return pid_ > 0; }
  bool paused() const { return paused_; }
  const MemberSpec& spec() const { return spec_; }
  // host:port of the client URL.
  std::string endpoint() const;

 private:
  MemberSpec spec_;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace etcfs::testing
