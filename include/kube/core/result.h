// kube/core/result.h — errors as values: kube::Error and kube::Result<T>.
//
// An Error carries what a Kubernetes Status body carries (HTTP code, reason,
// message, details), so an error from the server and an error found locally
// (a malformed selector, a bad kubeconfig) look the same to callers. Local
// errors use code 0 unless a Kubernetes code fits (a bad selector is 400).
//
//   kube::Result<kube::ObjectPtr> r = kube::Object::parse(text);
//   if (!r) { std::cerr << r.error().message << "\n"; return; }
//   kube::ObjectPtr obj = *r;
//
// Thread-safety: value types; no shared state.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kube {

// One entry of Status.details.causes (e.g. a field that failed validation).
struct StatusCause {
  std::string reason;   // e.g. "FieldValueRequired"
  std::string message;  // human readable
  std::string field;    // e.g. "metadata.name"
};

// Status.details: which object the error is about.
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;
};

// A failure. Mirrors metav1.Status with status "Failure".
struct Error {
  int code = 0;          // HTTP status code; 0 for errors found before any request
  std::string reason;    // StatusReason: "NotFound", "Conflict", "Expired", "BadRequest", ...
  std::string message;   // names the input and what was wrong with it
  std::optional<StatusDetails> details;

  static Error bad_request(std::string message) {
    return Error{400, "BadRequest", std::move(message), std::nullopt};
  }
  static Error invalid_argument(std::string message) {
    return Error{0, "InvalidArgument", std::move(message), std::nullopt};
  }
  static Error not_found(std::string message) {
    return Error{404, "NotFound", std::move(message), std::nullopt};
  }
  static Error internal(std::string message) {
    return Error{500, "InternalError", std::move(message), std::nullopt};
  }

  // "Gone" (410) or reason "Expired": the client must relist.
  bool is_gone() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
  bool is_not_found() const { return code == 404 || reason == "NotFound"; }
  bool is_conflict() const { return code == 409 && reason == "Conflict"; }
};

// Either a T or an Error. Converts to true when it holds a value.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error& error() { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace kube
