// mount.etcfs: mounts a prefix of a remote etcd v3 cluster (etcd itself, or
// etcfsd's API) as a filesystem, the way mount(8) runs helpers:
//   mount.etcfs ENDPOINTS[:/PREFIX/] DIR [-o OPTIONS] [-f] [-v] [-n] [-s]
// It stays in the background serving the mount until `umount DIR` or a
// SIGTERM; -f keeps it in the foreground with its log on stderr.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "fs/filesystem.h"
#include "fs/mount.h"
#include "mount-tools/mount_source.h"
#include "mount-tools/remote_backend.h"

namespace etcfs::mount_tools {
namespace {

// Options mount(8) and fstab pass that mean nothing to this filesystem.
bool IsGenericOption(std::string_view name) {
  static constexpr std::string_view kNames[] = {"defaults", "auto", "noauto", "user", "nouser", "users", "_netdev",
                                                "nofail", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
                                                "atime", "noatime", "relatime", "strictatime", "nodiratime", "sync",
                                                "async", "owner", "group", "comment"};
  for (auto n : kNames) {
    if (name == n) return true;
  }
  return name.starts_with("x-") || name.starts_with("comment=");
}

// "1048576", "64K", "8M", "2G".
bool ParseBytes(std::string_view s, int64_t* out) {
  int64_t scale = 1;
  if (!s.empty() && (s.back() == 'K' || s.back() == 'M' || s.back() == 'G')) {
    scale = s.back() == 'K' ? 1 << 10 : s.back() == 'M' ? 1 << 20 : int64_t{1} << 30;
    s.remove_suffix(1);
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return false;
  *out = v * scale;
  return true;
}

// Takes the cluster's limits and mount(8)'s generic options out of `list`;
// returns what is left for the filesystem (fs::MountOptions).
Result<std::string> TakeBackendOptions(std::string_view list, fs::BackendLimits* limits) {
  std::string rest;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view opt = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const size_t eq = opt.find('=');
    const std::string_view name = opt.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
    int64_t n = 0;
    const bool number = ParseBytes(value, &n);
    auto bad = [&](const char* what) {
      return Status::InvalidArgument("mount option " + std::string(opt) + ": " + what);
    };
    if (opt.empty() || IsGenericOption(name)) continue;
    if (name == "quota_bytes") {
      if (!number) return bad("expected a size such as 2G (etcd's --quota-backend-bytes)");
      limits->quota_bytes = n;
    } else if (name == "max_request_bytes") {
      if (!number) return bad("expected a size such as 1536K (etcd's --max-request-bytes)");
      limits->max_request_bytes = static_cast<size_t>(n);
    } else if (name == "max_txn_ops") {
      if (!number || n > 1 << 20) return bad("expected a count such as 128 (etcd's --max-txn-ops)");
      limits->max_txn_ops = static_cast<int>(n);
    } else {
      if (!rest.empty()) rest += ',';
      rest += opt;
    }
  }
  return rest;
}

// Runs in the background: the parent returns once the mount is up (exit 0)
// or failed (exit 1, having printed why). Returns the fd to report through.
int Daemonize() {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    close(fds[1]);
    char ok = 0;
    const bool ready = read(fds[0], &ok, 1) == 1 && ok == 1;
    _exit(ready ? 0 : 1);
  }
  close(fds[0]);
  setsid();
  return fds[1];
}

void Report(int fd, bool ok) {
  if (fd < 0) return;
  const char c = ok ? 1 : 0;
  (void)!write(fd, &c, 1);
  close(fd);
}

int Main(int argc, char** argv) {
  // Until the mount is up, on stderr: mount(8) shows it to whoever mounts.
  // (spdlog's default logger writes to stdout; still one thread here.)
  spdlog::default_logger()->sinks().assign({std::make_shared<spdlog::sinks::stderr_color_sink_mt>()});
  CLI::App app{"mount.etcfs: mount a prefix of an etcd v3 cluster as a filesystem (etcfs(5))"};
  std::string source, dir, options;
  bool foreground = false, verbose = false, no_mtab = false, sloppy = false;
  app.add_option("source", source, "ENDPOINT[,ENDPOINT...][:/PREFIX/], e.g. 127.0.0.1:2379:/app/")->required();
  app.add_option("dir", dir, "The directory to mount on")->required()->check(CLI::ExistingDirectory);
  app.add_option("-o", options,
                 "Comma-separated options (mount.etcfs(8)): " + fs::MountOptionList() +
                     ", quota_bytes=, max_request_bytes=, max_txn_ops=, and mount(8)'s generic ones");
  app.add_flag("-f,--foreground", foreground, "Stay in the foreground, logging to stderr");
  app.add_flag("-v", verbose, "Log more");
  app.add_flag("-n", no_mtab, "Accepted for mount(8); there is no mtab to write");
  app.add_flag("-s", sloppy, "Accepted for mount(8)");
  CLI11_PARSE(app, argc, argv);
  auto fail = [](const Status& s) {
    spdlog::error("mount.etcfs: {}", s.ToString());
    return 1;
  };

  auto src = ParseMountSource(source);
  if (!src.ok()) return fail(src.status());
  RemoteOptions remote;
  remote.endpoints = src->endpoints;
  fs::MountOptions mount;
  mount.prefix = src->prefix;
  auto fs_options = TakeBackendOptions(options, &remote.cluster_limits);
  if (!fs_options.ok()) return fail(fs_options.status());
  if (Status s = mount.Parse(*fs_options); !s.ok()) return fail(s);
  mount.DefaultOwner(::geteuid(), ::getegid());
  remote.prefix = mount.prefix;
  char real[PATH_MAX];
  if (realpath(dir.c_str(), real) == nullptr) return fail(Status::InvalidArgument("cannot resolve " + dir));
  dir = real;
  if (Status s = fs::ClearStaleMount(dir); !s.ok()) return fail(s);

  int ready_fd = -1;
  if (!foreground) {
    ready_fd = Daemonize();
    if (ready_fd < 0) return fail(Status::Internal("cannot fork into the background"));
  }
  auto report_failure = [&](const Status& s) {
    fail(s);
    Report(ready_fd, false);
    return 1;
  };
  if (verbose) spdlog::set_level(spdlog::level::debug);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto backend = RemoteBackend::Connect(remote);
  if (!backend.ok()) return report_failure(backend.status());
  fs::Filesystem filesystem(backend->get(), mount);
  if (Status s = filesystem.Start(); !s.ok()) {
    return report_failure(Status(s.code(), "cannot load " + mount.prefix + " from " + source + ": " + s.message()));
  }
  auto mounted = fs::Mount::Create(&filesystem, dir, [] { kill(getpid(), SIGTERM); });
  if (!mounted.ok()) return report_failure(mounted.status());
  spdlog::info("mount.etcfs: {} mounted on {}", source, dir);
  if (!foreground) {
    // From here on the log goes to syslog; stdio goes nowhere.
    spdlog::set_default_logger(spdlog::syslog_logger_mt("mount.etcfs", "mount.etcfs", LOG_PID, LOG_DAEMON));
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
    if (chdir("/") != 0) spdlog::warn("mount.etcfs: cannot chdir to /");
  }
  Report(ready_fd, true);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("mount.etcfs: unmounting {}", dir);
  mounted->reset();
  return 0;
}

}  // namespace
}  // namespace etcfs::mount_tools

int main(int argc, char** argv) { return etcfs::mount_tools::Main(argc, argv); }
