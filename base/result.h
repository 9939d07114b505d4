// Result<T>: a value or the Status that explains why there is none.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace etcfs {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "a Result built from a Status must carry an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;  // OK exactly when value_ is set
  std::optional<T> value_;
};

// Evaluates `expr` (a Result); returns its Status from the caller on error,
// otherwise moves its value into `lhs`.
#define ETCFS_ASSIGN_OR_RETURN(lhs, expr)                   \
  ETCFS_ASSIGN_OR_RETURN_IMPL(ETCFS_CONCAT(_res_, __LINE__), lhs, expr)
#define ETCFS_CONCAT_INNER(a, b) a##b
#define ETCFS_CONCAT(a, b) ETCFS_CONCAT_INNER(a, b)
#define ETCFS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

}  // namespace etcfs
