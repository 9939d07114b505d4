// fs_bench: the file operations people time, in one directory, so that an
// etcfs mount and a tmpfs can be measured side by side (bench/compare_fs.sh).
//   fs_bench DIR [--only-writes] [--iterations N]
// Prints one "name value unit" line per figure.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fs_bench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void WriteFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) Die("open " + path);
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) Die("write " + path);
  if (::close(fd) != 0) Die("close " + path);
}

// open + read 4 KiB + close of one file the kernel has cached.
void OpenReadClose(const std::string& dir, int n) {
  const std::string path = dir + "/cached";
  WriteFile(path, std::string(4096, 'c'));
  char buf[4096];
  auto once = [&] {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0 || ::read(fd, buf, sizeof(buf)) != 4096) Die("read " + path);
    ::close(fd);
  };
  for (int i = 0; i < 1000; ++i) once();  // warm the caches
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) once();
  std::printf("open_read_close %.0f ops/s\n", n / Seconds(t0, Clock::now()));
}

void Stat(const std::string& dir, int n) {
  const std::string path = dir + "/cached";
  struct stat st;
  for (int i = 0; i < 1000; ++i) ::stat(path.c_str(), &st);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (::stat(path.c_str(), &st) != 0) Die("stat " + path);
  }
  std::printf("stat %.0f ops/s\n", n / Seconds(t0, Clock::now()));
}

// What `ls -l` does: read the directory, lstat every entry. Best of 5 after one cold run.
void ListLong(const std::string& dir, int entries) {
  const std::string d = dir + "/many";
  ::mkdir(d.c_str(), 0755);
  for (int i = 0; i < entries; ++i) WriteFile(d + "/entry" + std::to_string(i), "x");
  auto once = [&] {
    DIR* dp = ::opendir(d.c_str());
    if (dp == nullptr) Die("opendir " + d);
    int seen = 0;
    struct stat st;
    while (dirent* e = ::readdir(dp)) {
      if (::fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) Die("lstat");
      ++seen;
    }
    ::closedir(dp);
    if (seen != entries + 2) Die("listing has " + std::to_string(seen) + " entries");
  };
  const auto c0 = Clock::now();
  once();
  const double cold = Seconds(c0, Clock::now());
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    once();
    best = std::min(best, Seconds(t0, Clock::now()));
  }
  std::printf("ls_l_%d_cold %.2f ms\nls_l_%d %.2f ms\n", entries, cold * 1e3, entries, best * 1e3);
  // GNU ls -l itself also reads each file's security.selinux and POSIX ACL
  // (extended attributes), which the kernel cannot cache for FUSE.
  const std::string cmd = "ls -l " + d + " >/dev/null";
  best = 1e9;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = Clock::now();
    if (std::system(cmd.c_str()) != 0) Die(cmd);
    best = std::min(best, Seconds(t0, Clock::now()));
  }
  std::printf("gnu_ls_l_%d %.2f ms\n", entries, best * 1e3);
}

// open(O_CREAT|O_TRUNC) + write 4 KiB + close, a new file each time.
void WriteClose(const std::string& dir, int n) {
  const std::string d = dir + "/writes";
  ::mkdir(d.c_str(), 0755);
  const std::string data(4096, 'w');
  std::vector<double> lat;
  lat.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    WriteFile(d + "/w" + std::to_string(i % 100), data);
    lat.push_back(Seconds(t0, Clock::now()));
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))] * 1e3; };
  std::printf("write_close_p50 %.3f ms\nwrite_close_p99 %.3f ms\n", pct(0.50), pct(0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fs_bench DIR [--only-writes] [--iterations N]\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool only_writes = false;
  int n = 100000;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--only-writes") == 0) {
      only_writes = true;
    } else if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    }
  }
  if (!only_writes) {
    OpenReadClose(dir, n);
    Stat(dir, n);
    ListLong(dir, 10000);
  }
  WriteClose(dir, 1000);
  return 0;
}
