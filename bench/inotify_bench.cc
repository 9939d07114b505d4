// inotify_bench: how quickly a change made elsewhere surfaces as an inotify
// event on a watched mount (bench/compare_inotify.sh).
//   inotify_bench latency WRITE_DIR WATCH_DIR [--iterations N]
//     From close() of a 4 KiB write of WRITE_DIR/lat to IN_CLOSE_WRITE of
//     WATCH_DIR/lat (another node's mount of the same keys; the same
//     directory on a tmpfs): p50 and p99.
//   inotify_bench replay ENDPOINT KEY_PREFIX WATCH_DIR [--changes N] [--batch M]
//     N new keys put under KEY_PREFIX "replay/" through ENDPOINT's etcd API,
//     M per txn, as fast as the cluster takes them; WATCH_DIR (a mount of
//     KEY_PREFIX) replays each as IN_CLOSE_WRITE: replayed changes/s.
// Prints one "name value unit" line per figure.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "inotify_bench: %s%s%s\n", what.c_str(), errno ? ": " : "", errno ? std::strerror(errno) : "");
  std::exit(1);
}

// An inotify watch of one directory for IN_CLOSE_WRITE.
class CloseWrites {
 public:
  explicit CloseWrites(const std::string& dir) {
    fd_ = inotify_init1(IN_CLOEXEC);
    if (fd_ < 0 || inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_Q_OVERFLOW) < 0) {
      Die("watching " + dir);
    }
  }
  ~CloseWrites() { ::close(fd_); }

  // Calls on_name for each IN_CLOSE_WRITE until it returns false or nothing
  // comes for `idle`; false on the latter.
  template <typename F>
  bool Read(std::chrono::milliseconds idle, F on_name) {
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(idle.count())) <= 0) return false;
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) Die("reading inotify events");
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->mask & IN_Q_OVERFLOW) Die("the inotify queue overflowed");
        if ((ev->mask & IN_CLOSE_WRITE) && ev->len > 0 && !on_name(std::string(ev->name))) return true;
      }
    }
  }

 private:
  int fd_ = -1;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Latency(const std::string& write_dir, const std::string& watch_dir, int iterations) {
  CloseWrites events(watch_dir);
  const std::string path = write_dir + "/lat";
  std::vector<double> ms;
  for (int i = -20; i < iterations; ++i) {  // the first 20 warm up (and create the file)
    std::string data(4096, static_cast<char>('a' + (i + 20) % 26));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) Die("writing " + path);
    const auto t0 = Clock::now();
    if (::close(fd) != 0) Die("closing " + path);
    if (!events.Read(std::chrono::seconds(10), [](const std::string& name) { return name != "lat"; })) {
      errno = 0;
      Die("no IN_CLOSE_WRITE of lat in " + watch_dir + " within 10 s");
    }
    if (i >= 0) ms.push_back(Ms(Clock::now() - t0));
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))]; };
  std::printf("close_to_event_p50 %.3f ms\nclose_to_event_p99 %.3f ms\n", pct(0.50), pct(0.99));
}

void Replay(const std::string& endpoint, const std::string& prefix, const std::string& watch_dir, int changes,
            int batch) {
  auto channel = grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  auto kv = etcdserverpb::KV::NewStub(channel);
  auto call = [&](const etcdserverpb::TxnRequest& req) {
    etcdserverpb::TxnResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = kv->Txn(&ctx, req, &resp);
    if (!st.ok()) {
      errno = 0;
      Die("txn on " + endpoint + ": " + st.error_message());
    }
  };
  // The directory first, so that its watch can be set before the burst.
  etcdserverpb::TxnRequest marker;
  marker.add_success()->mutable_request_put()->set_key(prefix + "replay/");
  call(marker);
  const std::string dir = watch_dir + "/replay";
  struct stat st;
  for (int i = 0; i < 200 && ::stat(dir.c_str(), &st) != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  CloseWrites events(dir);

  std::atomic<bool> done{false};
  Clock::time_point last;
  size_t seen = 0;
  std::thread reader([&] {
    std::set<std::string> names;
    events.Read(std::chrono::seconds(10), [&](const std::string& name) {
      names.insert(name);
      last = Clock::now();
      return names.size() < static_cast<size_t>(changes);
    });
    seen = names.size();
    done = true;
  });
  const auto t0 = Clock::now();
  for (int k = 0; k < changes;) {
    etcdserverpb::TxnRequest req;
    for (int j = 0; j < batch && k < changes; ++j, ++k) {
      char key[32];
      std::snprintf(key, sizeof(key), "replay/k%07d", k);
      auto* put = req.add_success()->mutable_request_put();
      put->set_key(prefix + key);
      put->set_value("v");
    }
    call(req);
  }
  const auto sent = Clock::now();
  reader.join();
  if (seen < static_cast<size_t>(changes)) {
    errno = 0;
    Die("only " + std::to_string(seen) + " of " + std::to_string(changes) + " changes raised IN_CLOSE_WRITE");
  }
  std::printf("replay_put_rate %.0f changes/s\nreplayed_rate %.0f changes/s\n", changes / (Ms(sent - t0) / 1000),
              changes / (Ms(last - t0) / 1000));
}

int Flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "latency" && argc >= 4) {
    Latency(argv[2], argv[3], Flag(argc, argv, "--iterations", 500));
  } else if (mode == "replay" && argc >= 5) {
    Replay(argv[2], argv[3], argv[4], Flag(argc, argv, "--changes", 10000), Flag(argc, argv, "--batch", 100));
  } else {
    std::fprintf(stderr,
                 "usage: inotify_bench latency WRITE_DIR WATCH_DIR [--iterations N]\n"
                 "       inotify_bench replay ENDPOINT KEY_PREFIX WATCH_DIR [--changes N] [--batch M]\n");
    return 2;
  }
  return 0;
}
