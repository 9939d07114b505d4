// free_port: prints a loopback TCP port nothing listens on, for shell tests.
#include <cstdio>

#include "tests/support/free_port.h"

int main() {
  std::printf("%u\n", etcfs::testing::FreePort());
  return 0;
}
