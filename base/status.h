// Status: the outcome of an operation that can fail, as a code and a message.
// Costs one pointer-sized check on success. Thread-compatible (a value type).
// Every layer returns Status or Result<T>; server/ maps codes to gRPC status and
// fs/ maps them to errno, each in one place.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace etcfs {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // the request is malformed; retrying it will not help
  kNotFound,          // a named thing (key, lease, member) does not exist
  kAlreadyExists,     // a thing with that id exists already
  kCompacted,         // the revision asked for has been compacted away
  kFutureRevision,    // the revision asked for has not happened yet
  kNoSpace,           // the backend quota is exhausted (the NOSPACE alarm)
  kFailedPrecondition,
  kResourceExhausted, // a size limit was hit (request too large, too many ops)
  kUnavailable,       // try again later (no leader, shutting down)
  kTimeout,
  kCancelled,
  kIOError,           // the disk failed us
  kCorruption,        // stored data does not pass its checks
  kInternal,          // a bug: an invariant did not hold
};

// The stable name of a code, for logs and messages ("IO_ERROR").
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Compacted(std::string m) { return {StatusCode::kCompacted, std::move(m)}; }
  static Status FutureRevision(std::string m) { return {StatusCode::kFutureRevision, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message alone, as a client should see it ("" when OK).
  const std::string& message() const;
  // "CODE: message", for logs.
  std::string ToString() const;

  // Drops this status on purpose. Greppable: every ignored error is a decision.
  void IgnoreError() const {}

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;  // null means OK
};

// Returns early from the calling function when `expr` is not OK.
#define ETCFS_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::etcfs::Status _st = (expr);              \
    if (!_st.ok()) return _st;                 \
  } while (0)

}  // namespace etcfs
