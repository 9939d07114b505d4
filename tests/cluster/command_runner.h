// The harness's shell commands (ip, nft, diff), run by a helper process that
// is forked before the harness opens anything on a mount.
//
// A child forked later copies the descriptors the mount clients hold open at
// that moment, and closing them at exec sends FLUSH to their mounts: one to a
// member the harness has paused (SIGSTOP) or killed blocks the child in exec,
// and the harness thread waiting for the command with it. That thread is the
// one that would resume the member: the harness hung (seed 20276).
#pragma once

#include <string>

namespace etcfs::testing {

// Forks the helper. Call first in main, while the process has one thread
// and no descriptor on a mount.
void StartCommandRunner();

// Runs `bash -c script` and returns its exit status (-1: it could not run,
// or died of a signal). Its stdout and stderr go to *output when given,
// else to the harness's stderr. Without the helper (not started, or gone),
// runs it from this process.
int RunCommand(const std::string& script, std::string* output = nullptr);

}  // namespace etcfs::testing
