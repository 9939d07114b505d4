// ETCFS_CHECK: aborts with a message when an invariant does not hold. Only for
// bugs (a broken invariant), never for I/O or input errors, which return Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define ETCFS_CHECK(cond, ...)                                                   \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                         \
      std::fprintf(stderr, "\n");                                                \
      std::abort();                                                              \
    }                                                                            \
  } while (0)
