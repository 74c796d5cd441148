#include "sluice/common/status.h"

#include <cstring>

namespace sluice {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kOutOfRange: return "OutOfRange";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kInternal: return "InternalError";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

Status::Status(StatusCode code, std::string name, std::string message)
    : code_(code), name_(std::move(name)), message_(std::move(message)) {}

Status Status::FromErrno(int errno_value, std::string_view what) {
  return IOError(std::string(what) + ": " + std::strerror(errno_value));
}

std::string_view Status::name() const {
  if (ok()) return "";
  if (!name_.empty()) return name_;
  return StatusCodeName(code_);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(name());
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, name_, std::string(context) + ": " + message_);
}

std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

}  // namespace sluice
