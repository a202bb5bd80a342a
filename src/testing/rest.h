// Internal: routing and REST semantics of the embedded API server — turns a
// parsed HTTP request into a response (get, list, create, update, patch,
// delete, deletecollection, discovery) or into a WatchRequest that the
// connection then streams.
//
// Thread-safety: RestHandler is stateless apart from the Store it uses;
// handle() may run on any number of threads at once.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kube/core/selector.h"
#include "src/testing/store.h"

namespace kube::testing::internal {

struct Request {
  std::string method;
  std::string target;  // path and query, as on the request line
  std::string accept;
  std::string content_type;
  std::string user_agent;
  std::string body;
};

// A response body kept as pieces instead of one string: views into the
// listed objects' bytes (kept alive by `objects`) and into `owned` strings.
// The server copies them through one small reused buffer. A list of 100,000
// pods is ~200 MB: building it in one fresh string cost more in page faults
// than the copying itself (docs/benchmarks.md, "Embedded API server").
struct BodyParts {
  std::vector<ObjectPtr> objects;
  std::deque<std::string> owned;  // a deque: views into it stay valid as it grows
  std::vector<std::string_view> parts;
  std::size_t size = 0;

  void add(std::string_view v) {
    parts.push_back(v);
    size += v.size();
  }
  void add_owned(std::string s) { add(owned.emplace_back(std::move(s))); }
  std::string str() const;
};

struct Response {
  unsigned status = 200;
  std::string body;
  // When set, the body is these parts (and `body` is empty).
  std::shared_ptr<const BodyParts> parts;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WatchRequest {
  ResourcePtr resource;
  std::string namespace_;
  std::string resource_version;
  bool send_initial_events = false;
  bool allow_bookmarks = false;
  // Ends the initial events with the initial-events-end bookmark (off only
  // to reproduce servers that do not, WatchListMode::kNoInitialEventsEnd).
  bool initial_events_end = true;
  int timeout_seconds = 0;  // 0: the server default
  LabelSelector label_selector;
  FieldSelector field_selector;
  bool metadata_only = false;
};

// Response bodies as kube-apiserver writes them: pretty-printed (json.Indent)
// when `pretty` is set, compact otherwise.
Response json_response(unsigned status, std::string compact_body, bool pretty);
// Appends the status line and headers of `r` with a Content-Length of
// `content_length`, byte for byte what Beast's serializer writes for a
// http::response with Content-Type, Cache-Control, then r.headers set in
// order and prepare_payload() (a later header replaces an earlier one of the
// same name). The server writes it and the body in one gathered write.
void append_response_head(std::string& out, const Response& r, std::size_t content_length);
Response error_response(const Error& e, bool pretty);
// What kube-apiserver answers aggregated discovery with (and what client-go
// asks for first).
inline constexpr const char* kAggregatedDiscoveryType =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
bool wants_aggregated_discovery(const std::string& accept);
// kube-apiserver pretty-prints for ?pretty=true and for curl/wget user agents.
bool wants_pretty(const Request& req, const std::map<std::string, std::string>& query);
std::map<std::string, std::string> parse_query(const std::string& target, std::string& path);

// One event line of a watch stream (without the trailing newline).
std::string watch_event_json(std::string_view type, const Object& obj, bool metadata_only);
// The same line appended to `out` (the object's stored bytes are copied, not re-encoded).
void append_watch_event_json(std::string& out, std::string_view type, const Object& obj, bool metadata_only);
// The object of a BOOKMARK event (shape of fixtures/watch/*.jsonl).
std::string bookmark_json(const ResourceInfo& res, std::int64_t rv, bool initial_events_end);
std::string metadata_only_json(const Object& obj);

class RestHandler {
 public:
  RestHandler(Store& store, std::string server_address)
      : store_(store), server_address_(std::move(server_address)) {}
  std::variant<Response, WatchRequest> handle(const Request& req) const;

 private:
  struct Route;
  Response list(const Route& r) const;
  Response create(const Route& r) const;
  Response update(const Route& r) const;
  Response patch(const Route& r) const;
  Response remove(const Route& r) const;
  Response remove_collection(const Route& r) const;
  Response object_response(unsigned status, const Route& r, const ObjectPtr& obj) const;
  Result<boost::json::object> decode_body(const Route& r) const;

  Store& store_;
  const std::string server_address_;
};

}  // namespace kube::testing::internal
