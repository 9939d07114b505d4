// bbolt_tool: member/bbolt.h from the shell, for tests beside etcd's own
// tools (etcdctl snapshot status and restore read what it writes; it reads
// what etcd writes).
//   bbolt_tool dump FILE    one line per key: bucket, key and value in hex
//   bbolt_tool write FILE   the same lines on stdin, into a new database
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "member/bbolt.h"

namespace {

std::string Hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string Unhex(const std::string& s) {
  std::string out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(std::stoi(s.substr(i, 2), nullptr, 16));
  return out;
}

int Dump(const char* path) {
  int fd = open(path, O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror(path);
    return 1;
  }
  void* map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  auto reader = etcfs::member::bbolt::Reader::Open(std::string_view(static_cast<const char*>(map), st.st_size));
  if (!reader.ok()) {
    std::cerr << reader.status().ToString() << "\n";
    return 1;
  }
  auto names = reader->Buckets();
  if (!names.ok()) {
    std::cerr << names.status().ToString() << "\n";
    return 1;
  }
  for (const auto& name : *names) {
    std::cout << Hex(name) << "\n";  // a bucket, even an empty one
    etcfs::Status s = reader->ForEach(name, [&](std::string_view k, std::string_view v) {
      std::cout << Hex(name) << " " << Hex(k) << " " << Hex(v) << "\n";
      return etcfs::Status::Ok();
    });
    if (!s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
  }
  return 0;
}

int Write(const char* path) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  etcfs::member::bbolt::Writer writer(fd);
  std::map<std::string, int> buckets;
  std::string bucket, key, value;
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t a = line.find(' ');
    bucket = Unhex(line.substr(0, a));
    if (!buckets.count(bucket)) buckets[bucket] = writer.Open(bucket);
    if (a == std::string::npos) continue;
    size_t b = line.find(' ', a + 1);
    key = Unhex(line.substr(a + 1, b - a - 1));
    value = b == std::string::npos ? "" : Unhex(line.substr(b + 1));
    if (etcfs::Status s = writer.Put(buckets[bucket], key, value); !s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
  }
  if (etcfs::Status s = writer.Finish(); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  return close(fd) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "dump") return Dump(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "write") return Write(argv[2]);
  std::cerr << "usage: bbolt_tool dump|write FILE\n";
  return 2;
}
