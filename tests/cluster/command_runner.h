// The harness's shell commands (ip, nft, diff) and members, started by a
// helper process that is forked before the harness opens anything on a mount.
//
// A child forked later copies the descriptors the mount clients hold open at
// that moment, and closing them at exec sends FLUSH to their mounts: one to a
// member the harness has paused (SIGSTOP) or killed blocks the child in exec,
// and the harness thread waiting for the command with it. That thread is the
// one that would resume the member: the harness hung (seed 20276). A member
// started by posix_spawn hung the same way in exec (soak, seed 907359).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace etcfs::testing {

// Forks the helper. Call first in main, while the process has one thread
// and no descriptor on a mount. The harness becomes a child subreaper, so
// that the programs the helper starts are its children (SpawnProgram).
void StartCommandRunner();

// Starts argv[0] with `argv`, its stdout and stderr appended to `log`: a
// child of the harness (waitpid works) that never saw a mount descriptor.
// Its pid, or -1. Without the helper, posix_spawn from this process.
pid_t SpawnProgram(const std::vector<std::string>& argv, const std::string& log);

// Runs `bash -c script` and returns its exit status (-1: it could not run,
// or died of a signal). Its stdout and stderr go to *output when given,
// else to the harness's stderr. Without the helper (not started, or gone),
// runs it from this process.
int RunCommand(const std::string& script, std::string* output = nullptr);

}  // namespace etcfs::testing
