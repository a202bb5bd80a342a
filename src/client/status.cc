// Status decoding. Follows apimachinery/pkg/api/errors (FromObject,
// NewGenericServerResponse) for what a Status or a bare HTTP code means.
#include "kube/client/status.h"

#include <cctype>

#include <boost/json.hpp>

namespace kube {
namespace {

std::string string_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  return {};
}

int int_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return static_cast<int>(v->get_int64());
  if (v && v->is_uint64()) return static_cast<int>(v->get_uint64());
  return 0;
}

StatusDetails details_of(const boost::json::object& d) {
  StatusDetails out;
  out.name = string_of(d, "name");
  out.group = string_of(d, "group");
  out.kind = string_of(d, "kind");
  out.uid = string_of(d, "uid");
  out.retry_after_seconds = int_of(d, "retryAfterSeconds");
  if (const auto* causes = d.if_contains("causes"); causes && causes->is_array()) {
    for (const auto& c : causes->get_array()) {
      if (!c.is_object()) continue;
      const auto& co = c.get_object();
      out.causes.push_back({string_of(co, "reason"), string_of(co, "message"), string_of(co, "field")});
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Error> parse_status(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  std::string kind = string_of(o, "kind");
  // apimachinery accepts a Status decoded without kind when it has a status.
  if (kind != "Status" && !(kind.empty() && o.contains("status"))) return std::nullopt;
  Error e;
  e.code = int_of(o, "code");
  e.reason = string_of(o, "reason");
  e.message = string_of(o, "message");
  if (const auto* d = o.if_contains("details"); d && d->is_object()) {
    e.details = details_of(d->get_object());
  }
  if (e.reason.empty()) e.reason = std::string(reason_for_code(e.code));
  return e;
}

std::string_view reason_for_code(int code, std::string_view verb) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return verb == "POST" ? "AlreadyExists" : "Conflict";
    case 410: return "Gone";  // StatusReasonGone; Expired only comes from a Status body
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "";
  }
}

Error error_from_response(int code, std::string_view body, const ResponseContext& ctx) {
  if (std::optional<Error> status = parse_status(body)) {
    Error e = std::move(*status);
    if (e.code == 0) e.code = code;
    if (e.reason.empty()) e.reason = std::string(reason_for_code(e.code, ctx.verb));
    // client-go keeps an empty message as is (kubectl then prints
    // "Error from server (Expired): "); we say at least what came back.
    if (e.message.empty()) {
      e.message = "the server answered " + std::to_string(e.code) + " " + e.reason + " with no message";
    }
    if (ctx.retry_after_seconds > 0 && (!e.details || e.details->retry_after_seconds == 0)) {
      if (!e.details) e.details = StatusDetails{};
      e.details->retry_after_seconds = ctx.retry_after_seconds;
    }
    return e;
  }
  std::string server_message(trim(body).substr(0, 1024));
  if (server_message.empty()) server_message = "unknown";
  Error e;
  e.code = code;
  e.reason = std::string(reason_for_code(code, ctx.verb));
  // Messages are client-go's (NewGenericServerResponse), so users can search them.
  switch (code) {
    case 400: e.message = "the server rejected our request for an unknown reason"; break;
    case 401: e.message = "the server has asked for the client to provide credentials"; break;
    case 403: e.message = server_message; break;
    case 404: e.message = "the server could not find the requested resource"; break;
    case 405: e.message = "the server does not allow this method on the requested resource"; break;
    case 406:
    case 415:
      e.message = server_message == "unknown"
                      ? "the server was unable to respond with a content type that the client supports"
                      : server_message;
      break;
    case 409: e.message = "the server reported a conflict"; break;
    case 422: e.message = "the server rejected our request due to an error in our request"; break;
    case 429:
      e.message = "the server has received too many requests and has asked us to try again later";
      break;
    case 503: e.message = "the server is currently unable to handle the request"; break;
    case 504:
      e.message =
          "the server was unable to return a response in the time allotted, but may still be "
          "processing the request";
      break;
    default:
      if (code >= 500) {
        e.message = "an error on the server (\"" + server_message +
                    "\") has prevented the request from succeeding";
      } else {
        e.message = "the server responded with the status code " + std::to_string(code) +
                    " but did not return more information";
      }
  }
  StatusDetails d;
  d.causes.push_back({"UnexpectedServerResponse", server_message, ""});
  d.retry_after_seconds = ctx.retry_after_seconds;
  e.details = std::move(d);
  return e;
}

}  // namespace kube
