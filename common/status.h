// Status and StatusOr: how outside-world failures (files, configs, arguments, checkpoints)
// travel to the boundary that reports them. The message names the thing that is wrong:
// "env.max_steps: 0 is out of range [1, 100000]".
#ifndef LPTRAIN_COMMON_STATUS_H_
#define LPTRAIN_COMMON_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/check.h"

namespace lpt {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     // bad config value, bad command-line argument
  kNotFound,            // missing file, unknown key, unknown recipe
  kCorruption,          // a file that exists but is damaged or of the wrong format
  kIoError,             // the operating system refused a read or write
  kFailedPrecondition,  // a valid request at the wrong time (e.g. incompatible resume)
  kInternal,            // an external library reported an error it should not have
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: env.max_steps: 0 is out of range [1, 100000]", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>" (for adding the file or key name
  // as an error travels outwards). OK stays OK.
  Status WithPrefix(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status. Accessing the value of an error is a bug (checked).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    LPT_CHECK(!status_.ok()) << "StatusOr constructed from an OK Status without a value";
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    LPT_CHECK(ok()) << "value() of an error: " << status_.ToString();
    return *value_;
  }
  T& value() & {
    LPT_CHECK(ok()) << "value() of an error: " << status_.ToString();
    return *value_;
  }
  T&& value() && {
    LPT_CHECK(ok()) << "value() of an error: " << status_.ToString();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace lpt

#define LPT_STATUS_CONCAT_INNER_(a, b) a##b
#define LPT_STATUS_CONCAT_(a, b) LPT_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function (which returns Status or StatusOr) if expr fails.
#define LPT_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::lpt::Status lpt_status_ = (expr);        \
    if (!lpt_status_.ok()) return lpt_status_; \
  } while (0)

// LPT_ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a StatusOr or returns its error.
#define LPT_ASSIGN_OR_RETURN(lhs, expr) \
  LPT_ASSIGN_OR_RETURN_IMPL_(LPT_STATUS_CONCAT_(lpt_statusor_, __LINE__), lhs, expr)
#define LPT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#endif  // LPTRAIN_COMMON_STATUS_H_
