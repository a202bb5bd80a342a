// kube/client/status.h — a failed response or a watch ERROR event → kube::Error.
//
// kube-apiserver reports every failure as a metav1.Status body (kind "Status",
// status "Failure", code, reason, message, details). These functions turn that
// body into a kube::Error carrying the same fields. A body that is not a Status
// (a proxy's HTML page, an empty 503 from a load balancer) still gives an Error
// whose reason is derived from the HTTP code, as client-go's
// apimachinery/pkg/api/errors.NewGenericServerResponse does.
//
//   kube::Error e = kube::error_from_response(404, body, {.verb = "GET"});
//   if (e.is_not_found()) { ... }            // e.reason == "NotFound"
//
//   // A watch ERROR event's object:
//   std::optional<kube::Error> e = kube::parse_status(R"({"kind":"Status",...})");
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kube/core/result.h"

namespace kube {

// Context for error_from_response; all fields optional.
struct ResponseContext {
  std::string_view verb = {};  // "GET", "POST", ... (409 on POST is AlreadyExists)
  int retry_after_seconds = 0;  // from the Retry-After header, 0 when absent
};

// Parses a metav1.Status JSON text. nullopt when the text is not JSON, not an
// object, or its kind is not "Status" (a Status with an empty kind is accepted
// when it has a status field, as apimachinery does).
std::optional<Error> parse_status(std::string_view json);

// The Error for an HTTP response with a failure code (>= 400; also used for
// unexpected codes). Uses the Status body when there is one; otherwise derives
// reason and message from the code and keeps the body text (trimmed, at most
// 1 KiB) as a cause of type "UnexpectedServerResponse".
Error error_from_response(int http_code, std::string_view body, const ResponseContext& ctx = {});

// The StatusReason client-go uses for an HTTP code with no Status body
// ("NotFound" for 404, "InternalError" for 5xx without a better one, "" when
// none fits: apimachinery's StatusReasonUnknown).
std::string_view reason_for_code(int http_code, std::string_view verb = {});

// Typed checks beyond those on kube::Error itself.
inline bool is_already_exists(const Error& e) { return e.reason == "AlreadyExists"; }
inline bool is_invalid(const Error& e) { return e.reason == "Invalid" || e.code == 422; }
inline bool is_unauthorized(const Error& e) { return e.reason == "Unauthorized" || e.code == 401; }
inline bool is_forbidden(const Error& e) { return e.reason == "Forbidden" || e.code == 403; }
inline bool is_too_many_requests(const Error& e) {
  return e.reason == "TooManyRequests" || e.code == 429;
}
inline bool is_timeout(const Error& e) { return e.reason == "Timeout" || e.code == 504; }
inline bool is_internal_error(const Error& e) { return e.reason == "InternalError"; }
// Seconds the server asked us to wait (Status details or Retry-After), 0 if none.
inline int retry_after_seconds(const Error& e) {
  return e.details ? e.details->retry_after_seconds : 0;
}

}  // namespace kube
