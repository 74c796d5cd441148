#pragma once

// Status and Result<T>: how sluice reports expected failures (see STYLE.md, "Errors").
//
// A Status is OK or carries a code (the broad kind of failure, for control flow), an error
// name (the name users see and match on, in AWS's spelling where one exists: "NoSuchKey",
// "InvalidBucketName", "States.Runtime"; defaults to the code's name) and a message that
// names the thing and the place. Result<T> is a T or a non-OK Status.
//
// These are vocabulary types used by every module, so they live directly in namespace
// sluice (as arrow::Status does). Values are plain data: copyable, thread-compatible.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "sluice/common/check.h"

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (bad name, bad range, bad JSON)
  kNotFound,           // the thing named does not exist
  kAlreadyExists,      // the thing to create exists
  kFailedPrecondition, // the state does not allow it (bucket not empty, ...)
  kOutOfRange,         // a range outside the data
  kIOError,            // the operating system refused (disk full, permission)
  kCorruption,         // stored data is unreadable
  kUnavailable,        // try again later (lock held, peer down)
  kAborted,            // a workflow-level error carried as data (ASL's States.* errors)
  kInternal,           // a broken invariant inside sluice
};

// The canonical spelling of a code ("InvalidArgument", "NotFound", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // OK.
  Status() = default;
  Status(StatusCode code, std::string message);
  // `name` is the user-visible error name; empty means StatusCodeName(code).
  Status(StatusCode code, std::string name, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status AlreadyExists(std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status OutOfRange(std::string message) {
    return Status(StatusCode::kOutOfRange, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  // An IOError for a failed system call: "<what>: <strerror(errno_value)>".
  static Status FromErrno(int errno_value, std::string_view what);
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Aborted(std::string message) {
    return Status(StatusCode::kAborted, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  // The user-visible error name ("NoSuchKey"); "" when OK.
  std::string_view name() const;
  const std::string& message() const { return message_; }

  // "<name>: <message>", or "OK".
  std::string ToString() const;

  // The same status with "<context>: " put in front of the message. OK stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.name() == b.name() && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string name_;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(value) {}  // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT(google-explicit-constructor)
  // `status` must not be OK.
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    SLUICE_DCHECK(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const& { return ok() ? Status::OK() : std::get<Status>(v_); }
  Status status() && { return ok() ? Status::OK() : std::move(std::get<Status>(v_)); }

  // Requires ok().
  T& value() & {
    SLUICE_DCHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    SLUICE_DCHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    SLUICE_DCHECK(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status ToStatus(Status s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status or Result); returns its Status from the caller when not OK.
#define SLUICE_RETURN_IF_ERROR(expr)                                \
  do {                                                              \
    ::sluice::Status _sluice_st = ::sluice::internal::ToStatus(expr); \
    if (!_sluice_st.ok()) return _sluice_st;                        \
  } while (0)

// `lhs = value of rexpr` when rexpr (a Result) is OK; otherwise returns its Status.
// `lhs` may declare a variable: SLUICE_ASSIGN_OR_RETURN(auto file, OpenFile(path));
#define SLUICE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(_sluice_result_, __LINE__), lhs, rexpr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
