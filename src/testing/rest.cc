#include "src/testing/rest.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/url.hpp>

#include "src/testing/patch.h"
#include "src/testing/status.h"

namespace kube::testing::internal {
namespace json = boost::json;

struct RestHandler::Route {
  const Request* req = nullptr;
  std::map<std::string, std::string> query;
  bool pretty = false;
  bool metadata_only = false;
  bool table = false;
  ResourcePtr res;
  std::string ns;
  std::string name;
  Subresource sub = Subresource::kNone;
  std::string q(const char* k) const {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  }
};

std::map<std::string, std::string> parse_query(const std::string& target, std::string& path) {
  std::map<std::string, std::string> out;
  auto u = boost::urls::parse_origin_form(target);
  if (!u) {
    path = target.substr(0, target.find('?'));
    return out;
  }
  path = std::string(u->path());
  for (auto p : u->params()) out[std::string(p.key)] = std::string(p.value);
  return out;
}

bool wants_aggregated_discovery(const std::string& accept) {
  // One media range of the Accept list with all three parameters, in any
  // order (client-go sends g, v, as). kube-apiserver 1.28 serves v2beta1
  // only; a client asking for v2 alone gets the legacy documents.
  std::size_t pos = 0;
  while (pos <= accept.size()) {
    auto end = accept.find(',', pos);
    if (end == std::string::npos) end = accept.size();
    std::string_view range(accept.data() + pos, end - pos);
    if (range.find("g=apidiscovery.k8s.io") != std::string_view::npos &&
        range.find("v=v2beta1") != std::string_view::npos &&
        range.find("as=APIGroupDiscoveryList") != std::string_view::npos) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

bool wants_pretty(const Request& req, const std::map<std::string, std::string>& query) {
  if (auto it = query.find("pretty"); it != query.end()) return it->second == "true" || it->second == "1";
  const auto& ua = req.user_agent;
  return ua.starts_with("curl") || ua.starts_with("Wget") || ua.starts_with("wget");
}

std::string BodyParts::str() const {
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) out.append(p);
  return out;
}

Response json_response(unsigned status, std::string body, bool pretty_print) {
  Response r;
  r.status = status;
  r.body = pretty_print ? pretty(body) : std::move(body);
  return r;
}

void append_response_head(std::string& out, const Response& r, std::size_t content_length) {
  namespace http = boost::beast::http;
  auto status = static_cast<http::status>(r.status);
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += http::obsolete_reason(status);
  out += "\r\n";
  // As basic_fields::set: a name set again (case-insensitively) moves to the end.
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(3 + r.headers.size());
  auto set = [&](std::string_view name, std::string_view value) {
    std::erase_if(fields, [&](const auto& f) { return boost::beast::iequals(f.first, name); });
    fields.emplace_back(name, value);
  };
  set("Content-Type", r.content_type);
  set("Cache-Control", "no-cache, private");
  for (const auto& [k, v] : r.headers) set(k, v);
  std::string length = std::to_string(content_length);
  set("Content-Length", length);
  for (const auto& [k, v] : fields) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
}

Response error_response(const Error& e, bool pretty_print) {
  Error err = e;
  if (err.code <= 0) err.code = 500;
  Response r = json_response(unsigned(err.code), json::serialize(status_json(err)), pretty_print);
  if (err.details && err.details->retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(err.details->retry_after_seconds));
  }
  return r;
}

std::string metadata_only_json(const Object& obj) {
  auto meta = obj.field("metadata");
  std::string out = R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)";
  out += meta ? json::serialize(*meta) : "{}";
  out += '}';
  return out;
}

void append_watch_event_json(std::string& out, std::string_view type, const Object& obj, bool metadata_only) {
  out += R"({"type":")";
  out += type;
  out += R"(","object":)";
  if (metadata_only) out += metadata_only_json(obj);
  else out += obj.json();
  out += '}';
}

std::string watch_event_json(std::string_view type, const Object& obj, bool metadata_only) {
  std::string out;
  append_watch_event_json(out, type, obj, metadata_only);
  return out;
}

std::string bookmark_json(const ResourceInfo& res, std::int64_t rv, bool initial_events_end) {
  json::object meta{{"resourceVersion", std::to_string(rv)}, {"creationTimestamp", nullptr}};
  if (initial_events_end) meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
  json::object o{{"kind", res.kind}, {"apiVersion", res.api_version()}, {"metadata", std::move(meta)}};
  // Typed objects carry their zero-valued required fields (fixtures/watch/pods-watchlist.jsonl).
  if (res.builtin && res.group.empty() && res.resource == "pods") {
    o["spec"] = json::object{{"containers", nullptr}};
    o["status"] = json::object{};
  }
  return json::serialize(o);
}

namespace {
// The item bytes in a typed list: kube drops kind/apiVersion from the items
// of built-in lists (fixtures/lists/pods-page1.json); stored objects start
// with {"kind":..,"apiVersion":.., so cut that prefix. The item is the two
// returned pieces, one after the other (views into the object).
std::pair<std::string_view, std::string_view> item_bytes(const ResourceInfo& res, const Object& obj) {
  std::string_view j = obj.json();
  if (res.builtin) {
    std::size_t cut = 9 + obj.kind().size() + 16 + obj.api_version().size() + 2;  // {"kind":"K","apiVersion":"V",
    if (j.size() > cut && j.compare(0, 9, R"({"kind":")") == 0) return {"{", j.substr(cut)};
  }
  return {"", j};
}

void add_item(BodyParts& body, const ResourceInfo& res, const Object& obj, bool metadata_only) {
  if (metadata_only) {
    body.add_owned(metadata_only_json(obj));
    return;
  }
  auto [prefix, rest] = item_bytes(res, obj);
  if (!prefix.empty()) body.add(prefix);
  body.add(rest);
}

// A list response: `head` (everything up to and including `"items":[`), the
// items, then `]}`, as parts (pretty-printed ones are built whole).
Response list_response(std::string head, const ResourceInfo& res, std::vector<ObjectPtr> items, bool metadata_only,
                       bool pretty) {
  auto body = std::make_shared<BodyParts>();
  body->add_owned(std::move(head));
  body->parts.reserve(items.size() * 3 + 2);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) body->add(",");
    add_item(*body, res, *items[i], metadata_only);
  }
  body->add("]}");
  body->objects = std::move(items);
  if (pretty) return json_response(200, body->str(), true);
  Response out;
  out.parts = std::move(body);
  return out;
}

std::string age(std::string_view created) {
  std::tm tm{};
  std::string s(created);
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return "<unknown>";
  auto secs = std::time(nullptr) - timegm(&tm);
  if (secs < 0) secs = 0;
  if (secs < 120) return std::to_string(secs) + "s";
  if (secs < 7200) return std::to_string(secs / 60) + "m";
  if (secs < 2 * 86400) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

// A minimal meta.k8s.io/v1 Table (Name, Age), what kubectl get asks for.
std::string table_json(const std::vector<ObjectPtr>& items, std::int64_t rv, const std::string& cont) {
  json::array rows;
  for (const auto& o : items) {
    boost::system::error_code ec;
    rows.push_back(json::object{{"cells", json::array{o->name(), age(o->creation_timestamp())}},
                                {"object", json::parse(metadata_only_json(*o), ec)}});
  }
  json::object meta{{"resourceVersion", std::to_string(rv)}};
  if (!cont.empty()) meta["continue"] = cont;
  json::object t{{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(meta)},
                 {"columnDefinitions",
                  json::array{json::object{{"name", "Name"}, {"type", "string"}, {"format", "name"},
                                           {"description", "Name"}, {"priority", 0}},
                              json::object{{"name", "Age"}, {"type", "string"}, {"format", ""},
                                           {"description", "CreationTimestamp"}, {"priority", 0}}}},
                 {"rows", std::move(rows)}};
  return json::serialize(t);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    if (next > pos) out.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

Result<bool> flag(const std::map<std::string, std::string>& q, const char* k) {
  auto it = q.find(k);
  if (it == q.end() || it->second.empty()) return false;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  return Error::bad_request("invalid boolean value for " + std::string(k) + ": " + it->second);
}
}  // namespace

std::variant<Response, WatchRequest> RestHandler::handle(const Request& req) const {
  Route r;
  r.req = &req;
  std::string path;
  r.query = parse_query(req.target, path);
  r.pretty = wants_pretty(req, r.query);
  r.metadata_only = req.accept.find("as=PartialObjectMetadata") != std::string::npos &&
                    req.accept.find("as=Table") == std::string::npos;
  r.table = req.accept.find("as=Table") != std::string::npos;
  auto seg = split_path(path);
  auto doc = [&](std::optional<json::value> v) -> Response {
    if (!v) return error_response(unknown_resource(), r.pretty);
    return json_response(200, json::serialize(*v), r.pretty);
  };
  if (req.method == "GET") {
    if (seg.size() == 1 && seg[0] == "version") {
      return doc(json::object{{"major", "1"}, {"minor", "28"}, {"gitVersion", "v1.28.7-kinformer"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"}, {"buildDate", "2024-03-19T00:00:00Z"},
                              {"goVersion", "go1.21"}, {"compiler", "gc"}, {"platform", "linux/amd64"}});
    }
    if (seg.size() == 1 && (seg[0] == "api" || seg[0] == "apis") && wants_aggregated_discovery(req.accept)) {
      bool core = seg[0] == "api";
      Response resp =
          doc(store_.with_registry([&](const ResourceRegistry& g) { return g.aggregated_discovery(core); }));
      resp.content_type = kAggregatedDiscoveryType;
      resp.headers.emplace_back("Vary", "Accept");
      return resp;
    }
    if (seg.size() == 1 && seg[0] == "api") {
      return doc(store_.with_registry([&](const ResourceRegistry& g) { return g.api_versions(server_address_); }));
    }
    if (seg.size() == 2 && seg[0] == "api" && seg[1] == "v1") {
      return doc(store_.with_registry([](const ResourceRegistry& g) {
        return g.resource_list("", "v1").value_or(json::value(nullptr));
      }));
    }
    if (seg.size() == 1 && seg[0] == "apis") {
      return doc(store_.with_registry([](const ResourceRegistry& g) { return g.api_group_list(); }));
    }
    if (seg.size() == 2 && seg[0] == "apis") {
      auto v = store_.with_registry([&](const ResourceRegistry& g) {
        return g.api_group(seg[1]).value_or(json::value(nullptr));
      });
      return doc(v.is_null() ? std::nullopt : std::optional(v));
    }
    if (seg.size() == 3 && seg[0] == "apis") {
      auto v = store_.with_registry([&](const ResourceRegistry& g) {
        return g.resource_list(seg[1], seg[2]).value_or(json::value(nullptr));
      });
      return doc(v.is_null() ? std::nullopt : std::optional(v));
    }
  }
  // /api/v1/... or /apis/{group}/{version}/...
  std::string group, version;
  std::size_t rest = 0;
  if (seg.size() >= 3 && seg[0] == "api" && seg[1] == "v1") {
    version = "v1";
    rest = 2;
  } else if (seg.size() >= 4 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    rest = 3;
  } else {
    return error_response(unknown_resource(), r.pretty);
  }
  std::vector<std::string> p(seg.begin() + long(rest), seg.end());
  if (p.size() >= 3 && p[0] == "namespaces" && !(p.size() == 3 && (p[2] == "status" || p[2] == "finalize"))) {
    r.ns = p[1];
    p.erase(p.begin(), p.begin() + 2);
  }
  r.res = store_.find_resource(group, version, p[0]);
  if (!r.res || p.size() > 3 || (!r.ns.empty() && !r.res->namespaced)) {
    return error_response(unknown_resource(), r.pretty);
  }
  if (p.size() >= 2) r.name = p[1];
  if (p.size() == 3) {
    if (p[2] != "status" || !r.res->has_status) return error_response(unknown_resource(), r.pretty);
    r.sub = Subresource::kStatus;
  }
  if (r.res->namespaced && r.ns.empty() && !r.name.empty()) return error_response(unknown_resource(), r.pretty);

  if (req.method == "GET" && r.name.empty()) {
    auto watch = flag(r.query, "watch");
    if (!watch) return error_response(watch.error(), r.pretty);
    if (!*watch) return list(r);
    WatchRequest w;
    w.resource = r.res;
    w.namespace_ = r.ns;
    w.resource_version = r.q("resourceVersion");
    auto initial = flag(r.query, "sendInitialEvents");
    auto bookmarks = flag(r.query, "allowWatchBookmarks");
    if (!initial || !bookmarks) return error_response(!initial ? initial.error() : bookmarks.error(), r.pretty);
    w.send_initial_events = *initial;
    w.allow_bookmarks = *bookmarks;
    if (w.send_initial_events && (r.q("resourceVersionMatch") != "NotOlderThan" || !w.allow_bookmarks)) {
      // ListOptions validation in k8s.io/apimachinery (metainternalversion/validation).
      return error_response(
          Error{422, "Invalid",
                "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents "
                "requires setting resourceVersionMatch to NotOlderThan and allowWatchBookmarks",
                StatusDetails{"", "meta.k8s.io", "ListOptions", "", {}, 0}},
          r.pretty);
    }
    if (auto t = r.q("timeoutSeconds"); !t.empty()) {
      try {
        w.timeout_seconds = std::stoi(t);
      } catch (...) {
        return error_response(Error::bad_request("invalid timeoutSeconds: " + t), r.pretty);
      }
    }
    auto ls = LabelSelector::parse(r.q("labelSelector"));
    if (!ls) return error_response(Error::bad_request(ls.error().message), r.pretty);
    auto fs = FieldSelector::parse(r.q("fieldSelector"));
    if (!fs) return error_response(Error::bad_request(fs.error().message), r.pretty);
    w.label_selector = std::move(*ls);
    w.field_selector = std::move(*fs);
    w.metadata_only = r.metadata_only;
    return w;
  }
  if (req.method == "GET") {
    auto obj = store_.get(*r.res, r.ns, r.name);
    if (!obj) return error_response(obj.error(), r.pretty);
    return object_response(200, r, *obj);
  }
  if (req.method == "POST" && r.name.empty()) return create(r);
  if (req.method == "PUT" && !r.name.empty()) return update(r);
  if (req.method == "PATCH" && !r.name.empty()) return patch(r);
  if (req.method == "DELETE" && !r.name.empty()) return remove(r);
  if (req.method == "DELETE") return remove_collection(r);
  Response resp = error_response(Error{405, "MethodNotAllowed",
                                       "the server does not allow this method on the requested resource",
                                       StatusDetails{}},
                                 r.pretty);
  return resp;
}

Response RestHandler::object_response(unsigned status, const Route& r, const ObjectPtr& obj) const {
  if (r.metadata_only) return json_response(status, metadata_only_json(*obj), r.pretty);
  if (r.table) return json_response(status, table_json({obj}, std::stoll(std::string(obj->resource_version())), ""), r.pretty);
  return json_response(status, std::string(obj->json()), r.pretty);
}

Response RestHandler::list(const Route& r) const {
  ListOptions o;
  o.resource_version = r.q("resourceVersion");
  o.resource_version_match = r.q("resourceVersionMatch");
  o.continue_token = r.q("continue");
  if (auto l = r.q("limit"); !l.empty()) {
    try {
      o.limit = std::stoll(l);
    } catch (...) {
      return error_response(Error::bad_request("invalid limit: " + l), r.pretty);
    }
  }
  auto ls = LabelSelector::parse(r.q("labelSelector"));
  if (!ls) return error_response(Error::bad_request(ls.error().message), r.pretty);
  auto fs = FieldSelector::parse(r.q("fieldSelector"));
  if (!fs) return error_response(Error::bad_request(fs.error().message), r.pretty);
  o.label_selector = std::move(*ls);
  o.field_selector = std::move(*fs);
  auto res = store_.list(*r.res, r.ns, o);
  if (!res) {
    if (res.error().code == 410 && !o.continue_token.empty()) {
      auto tok = decode_continue(o.continue_token);
      json::object st = status_json(res.error());
      st["metadata"] = json::object{{"continue", encode_continue(-1, tok ? tok->start : "")}};
      return json_response(410, json::serialize(st), r.pretty);
    }
    return error_response(res.error(), r.pretty);
  }
  if (r.table) return json_response(200, table_json(res->items, res->resource_version, res->continue_token), r.pretty);
  std::string head;
  if (r.metadata_only) {
    head = R"({"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":")";
  } else {
    head = R"({"kind":")" + r.res->list_kind() + R"(","apiVersion":")" + r.res->api_version() +
           R"(","metadata":{"resourceVersion":")";
  }
  head += std::to_string(res->resource_version) + '"';
  if (!res->continue_token.empty()) head += R"(,"continue":")" + res->continue_token + '"';
  if (res->remaining_item_count) head += R"(,"remainingItemCount":)" + std::to_string(*res->remaining_item_count);
  head += R"(},"items":[)";
  return list_response(std::move(head), *r.res, std::move(res->items), r.metadata_only, r.pretty);
}

Result<json::object> RestHandler::decode_body(const Route& r) const {
  const std::string& body = r.req->body;
  auto unrecognized = [&](const std::string& why) {
    std::string snippet = body.size() > 30 ? body.substr(0, 30) + " ..." : body;
    return Error::bad_request("the object provided is unrecognized (must be of type " + r.res->kind +
                              "): couldn't get version/kind; json parse error: " + why + " (" + snippet + ")");
  };
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return unrecognized(ec == json::error::incomplete || body.empty()
                            ? "unexpected end of JSON input"
                            : "invalid character looking for beginning of value");
  }
  if (!v.is_object()) return unrecognized("json: cannot unmarshal into Go value of type struct");
  auto& o = v.as_object();
  auto s = [&](const char* k) {
    auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  std::string kind = s("kind"), api_version = s("apiVersion");
  if (kind.empty()) o["kind"] = r.res->kind;
  if (api_version.empty()) o["apiVersion"] = r.res->api_version();
  if ((!kind.empty() && kind != r.res->kind) || (!api_version.empty() && api_version != r.res->api_version())) {
    // What the typed decoder answers when the body's kind is not the URL's.
    return Error::bad_request("the object provided is unrecognized (must be of type " + r.res->kind +
                              "): kind " + api_version + ", Kind=" + kind + " does not match the request");
  }
  auto* meta = o.if_contains("metadata");
  if (meta && !meta->is_object()) return Error::bad_request("metadata must be an object");
  if (!meta) o["metadata"] = json::object{};
  auto& m = o["metadata"].as_object();
  if (r.res->namespaced) {
    auto* ns = m.if_contains("namespace");
    if (ns && ns->is_string() && !ns->as_string().empty() && ns->as_string() != r.ns) {
      return Error::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    }
  }
  if (!r.name.empty()) {
    auto* n = m.if_contains("name");
    std::string name = n && n->is_string() ? std::string(n->as_string()) : "";
    if (name != r.name) {
      return Error::bad_request("the name of the object (" + name + ") does not match the name on the URL (" +
                                r.name + ")");
    }
  }
  return std::move(o);
}

Response RestHandler::create(const Route& r) const {
  auto body = decode_body(r);
  if (!body) return error_response(body.error(), r.pretty);
  auto obj = store_.create(*r.res, r.ns, std::move(*body));
  if (!obj) return error_response(obj.error(), r.pretty);
  return object_response(201, r, *obj);
}

Response RestHandler::update(const Route& r) const {
  auto body = decode_body(r);
  if (!body) return error_response(body.error(), r.pretty);
  auto obj = store_.update(*r.res, r.ns, r.name, std::move(*body), r.sub);
  if (!obj) return error_response(obj.error(), r.pretty);
  return object_response(200, r, *obj);
}

Response RestHandler::patch(const Route& r) const {
  std::string ct = r.req->content_type.substr(0, r.req->content_type.find(';'));
  PatchType type;
  if (ct == "application/merge-patch+json") type = PatchType::kMerge;
  else if (ct == "application/json-patch+json") type = PatchType::kJson;
  else if (ct == "application/strategic-merge-patch+json" && r.res->builtin) type = PatchType::kStrategic;
  else return error_response(Error{415, "UnsupportedMediaType", "415: Unsupported Media Type", StatusDetails{}}, r.pretty);
  auto obj = store_.modify(*r.res, r.ns, r.name, r.sub, [&](const json::value& cur) {
    return apply_patch(type, cur, r.req->body);
  });
  if (!obj) return error_response(obj.error(), r.pretty);
  return object_response(200, r, *obj);
}

Response RestHandler::remove(const Route& r) const {
  Preconditions pre;
  if (!r.req->body.empty()) {
    boost::system::error_code ec;
    auto v = json::parse(r.req->body, ec);
    if (ec || !v.is_object()) return error_response(Error::bad_request("invalid DeleteOptions body"), r.pretty);
    if (auto* p = v.as_object().if_contains("preconditions"); p && p->is_object()) {
      if (auto* u = p->as_object().if_contains("uid"); u && u->is_string()) pre.uid = u->as_string();
      if (auto* rv = p->as_object().if_contains("resourceVersion"); rv && rv->is_string()) {
        pre.resource_version = rv->as_string();
      }
    }
  }
  auto res = store_.remove(*r.res, r.ns, r.name, pre);
  if (!res) return error_response(res.error(), r.pretty);
  if (!res->removed || r.res->delete_returns_object) return object_response(200, r, res->object);
  return json_response(200, json::serialize(success_status(*r.res, r.name, std::string(res->object->uid()))),
                       r.pretty);
}

Response RestHandler::remove_collection(const Route& r) const {
  auto ls = LabelSelector::parse(r.q("labelSelector"));
  if (!ls) return error_response(Error::bad_request(ls.error().message), r.pretty);
  auto fs = FieldSelector::parse(r.q("fieldSelector"));
  if (!fs) return error_response(Error::bad_request(fs.error().message), r.pretty);
  auto res = store_.remove_collection(*r.res, r.ns, *ls, *fs);
  if (!res) return error_response(res.error(), r.pretty);
  std::string head = R"({"kind":")" + r.res->list_kind() + R"(","apiVersion":")" + r.res->api_version() +
                     R"(","metadata":{"resourceVersion":")" + std::to_string(store_.resource_version()) +
                     R"("},"items":[)";
  return list_response(std::move(head), *r.res, std::move(*res), false, r.pretty);
}

}  // namespace kube::testing::internal
