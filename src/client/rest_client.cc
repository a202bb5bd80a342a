// RestClient: paths, query strings, verbs, list parsing, watch plumbing.
// Paths and parameters follow client-go's rest.Request and the API
// conventions (api-concepts: efficient detection of changes, chunking,
// resourceVersion semantics).
#include "kube/client/rest_client.h"

#include <simdjson.h>

#include <boost/json.hpp>

#include "kube/client/status.h"
#include "kube/core/mutex.h"

namespace kube {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kMetadataListAccept =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
constexpr const char* kMetadataAccept =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

void add_param(std::string& q, std::string_view key, std::string_view value) {
  q += q.empty() ? '?' : '&';
  q += key;
  q += '=';
  q += url_escape(value);
}

std::string delete_body(const DeleteOptions& o) {
  boost::json::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (!o.precondition_uid.empty() || !o.precondition_resource_version.empty()) {
    boost::json::object pre;
    if (!o.precondition_uid.empty()) pre["uid"] = o.precondition_uid;
    if (!o.precondition_resource_version.empty()) pre["resourceVersion"] = o.precondition_resource_version;
    body["preconditions"] = std::move(pre);
  }
  return boost::json::serialize(body);
}

// Adds kind/apiVersion to an item of a typed list, which the server omits.
Result<ObjectPtr> parse_item(std::string_view raw, std::string_view item_kind, std::string_view api_version,
                             const ParseOptions& options) {
  if (item_kind.empty() || raw.find("\"kind\"") != std::string_view::npos) return Object::parse(raw, options);
  std::string fixed;
  fixed.reserve(raw.size() + item_kind.size() + api_version.size() + 32);
  fixed += R"({"kind":")";
  fixed += item_kind;
  fixed += R"(","apiVersion":")";
  fixed += api_version;
  fixed += '"';
  std::string_view rest = raw.substr(1);
  std::size_t first = rest.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && rest[first] != '}') fixed += ',';
  fixed += rest;
  return Object::parse(fixed, options);
}

Error list_error(const std::string& what) { return Error::internal("list response: " + what); }

}  // namespace

std::string url_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string list_query(const ListOptions& o, bool watch) {
  std::string q;
  if (watch) {
    add_param(q, "watch", "1");
    if (o.allow_watch_bookmarks) add_param(q, "allowWatchBookmarks", "true");
    if (o.send_initial_events) add_param(q, "sendInitialEvents", "true");
  }
  if (!o.label_selector.empty()) add_param(q, "labelSelector", o.label_selector);
  if (!o.field_selector.empty()) add_param(q, "fieldSelector", o.field_selector);
  if (!watch && o.limit > 0) add_param(q, "limit", std::to_string(o.limit));
  if (!watch && !o.continue_token.empty()) add_param(q, "continue", o.continue_token);
  if (!o.resource_version.empty()) add_param(q, "resourceVersion", o.resource_version);
  if (!o.resource_version_match.empty()) add_param(q, "resourceVersionMatch", o.resource_version_match);
  if (o.timeout_seconds > 0) add_param(q, "timeoutSeconds", std::to_string(o.timeout_seconds));
  return q;
}

namespace {

// `body` must have SIMDJSON_PADDING bytes of capacity past its end.
Result<ListResult> parse_list_with(simdjson::ondemand::parser& parser, const std::string& body,
                                   const ParseOptions& parse_options) {
  namespace od = simdjson::ondemand;
  od::document doc;
  if (auto err = parser.iterate(body.data(), body.size(), body.capacity()).get(doc)) {
    return list_error(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  od::object root;
  if (doc.get_object().get(root)) return list_error("not a JSON object");
  ListResult out;
  std::string item_kind;
  for (auto field_result : root) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return list_error("invalid JSON");
    if (key == "kind" || key == "apiVersion") {
      std::string_view v;
      if (field.value().get_string().get(v)) return list_error(std::string(key) + " is not a string");
      (key == "kind" ? out.kind : out.api_version) = std::string(v);
    } else if (key == "metadata") {
      od::object meta;
      if (field.value().get_object().get(meta)) return list_error("metadata is not an object");
      for (auto mf_result : meta) {
        od::field mf;
        std::string_view mk;
        if (std::move(mf_result).get(mf) || mf.unescaped_key().get(mk)) return list_error("invalid metadata");
        std::string_view v;
        if (mk == "resourceVersion" && !mf.value().get_string().get(v)) out.resource_version = std::string(v);
        if (mk == "continue" && !mf.value().get_string().get(v)) out.continue_token = std::string(v);
        std::int64_t n;
        if (mk == "remainingItemCount" && !mf.value().get_int64().get(n)) out.remaining_item_count = n;
      }
    } else if (key == "items") {
      // The list's kind precedes items in every server response; derive the items' kind from it.
      if (out.kind.size() > 4 && out.kind.ends_with("List")) item_kind = out.kind.substr(0, out.kind.size() - 4);
      od::array items;
      if (field.value().get_array().get(items)) {
        // "items": null for an empty list from some servers. is_null() is
        // read with get(): converting its result to bool throws on bad JSON
        // (found by tests/fuzz/response_fuzz).
        bool null_items = false;
        if (!field.value().is_null().get(null_items) && null_items) continue;
        return list_error("items is not an array");
      }
      std::size_t index = 0;
      for (auto item_result : items) {
        od::object item;
        std::string_view raw;
        if (item_result.get_object().get(item) || item.raw_json().get(raw)) {
          return list_error("items[" + std::to_string(index) + "] is not an object");
        }
        Result<ObjectPtr> obj = parse_item(raw, item_kind, out.api_version, parse_options);
        if (!obj) return list_error("items[" + std::to_string(index) + "]: " + obj.error().message);
        out.items.push_back(std::move(*obj));
        ++index;
      }
    }
  }
  return out;
}

}  // namespace

Result<ListResult> parse_list(std::string body, const ParseOptions& options) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  // A parser's buffers grow to the largest document it has parsed (about five
  // bytes per byte of JSON) and stay. Kept per thread for pages; but a whole
  // list served at once (resourceVersion=0 ignores limit) would pin several
  // times its size for the life of the thread (the reflector's): 1.2 GB for
  // 100,000 pods. Such a list gets a parser of its own, freed at once.
  constexpr std::size_t kReuseParserUpTo = std::size_t{8} << 20;
  if (body.size() <= kReuseParserUpTo) {
    thread_local simdjson::ondemand::parser reused;
    return parse_list_with(reused, body, options);
  }
  simdjson::ondemand::parser once;
  return parse_list_with(once, body, options);
}

RestClient::RestClient(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

std::string RestClient::path(const Resource& r, std::string_view ns, std::string_view name,
                             std::string_view subresource) {
  std::string p = r.gvr.api_path();
  if (r.namespaced && !ns.empty()) {
    p += "/namespaces/";
    p += url_escape(ns);
  }
  p += '/';
  p += r.gvr.resource;
  if (!name.empty()) {
    p += '/';
    p += url_escape(name);
    if (!subresource.empty()) {
      p += '/';
      p += subresource;
    }
  }
  return p;
}

Result<ObjectPtr> RestClient::send_object(HttpRequest request, const ParseOptions& parse) {
  request.headers.emplace_back("Accept", kJson);
  Result<HttpResponse> r = transport_->request(std::move(request));
  if (!r) return r.error();
  return Object::parse(r->body, parse);
}

Result<ObjectPtr> RestClient::get(const Resource& r, std::string_view ns, std::string_view name,
                                  std::string_view subresource, const ParseOptions& parse) {
  if (name.empty()) return Error::invalid_argument("get " + r.gvr.resource + ": name is empty");
  return send_object({.path = path(r, ns, name, subresource)}, parse);
}

Result<ListResult> RestClient::list(const Resource& r, std::string_view ns, const ListOptions& options) {
  HttpRequest req{.path = path(r, ns) + list_query(options, false)};
  req.headers.emplace_back("Accept", options.metadata_only ? kMetadataListAccept : kJson);
  Result<HttpResponse> resp = transport_->request(std::move(req));
  if (!resp) return resp.error();
  return parse_list(std::move(resp->body), {.strip_managed_fields = options.strip_managed_fields});
}

Result<ObjectPtr> RestClient::create(const Resource& r, std::string_view ns, std::string_view json,
                                     std::string_view subresource) {
  HttpRequest req{.method = "POST", .path = path(r, ns), .body = std::string(json)};
  if (!subresource.empty()) {
    return Error::invalid_argument("create " + r.gvr.resource + ": a subresource needs a name; use patch or update");
  }
  req.headers.emplace_back("Content-Type", kJson);
  return send_object(std::move(req));
}

Result<ObjectPtr> RestClient::update(const Resource& r, const Object& object) {
  if (object.name().empty()) return Error::invalid_argument("update " + r.gvr.resource + ": object has no name");
  HttpRequest req{.method = "PUT", .path = path(r, object.namespace_(), object.name()), .body = std::string(object.json())};
  req.headers.emplace_back("Content-Type", kJson);
  return send_object(std::move(req));
}

Result<ObjectPtr> RestClient::update_status(const Resource& r, const Object& object) {
  if (object.name().empty()) return Error::invalid_argument("update status " + r.gvr.resource + ": object has no name");
  HttpRequest req{.method = "PUT",
                  .path = path(r, object.namespace_(), object.name(), "status"),
                  .body = std::string(object.json())};
  req.headers.emplace_back("Content-Type", kJson);
  return send_object(std::move(req));
}

Result<ObjectPtr> RestClient::patch(const Resource& r, std::string_view ns, std::string_view name, PatchType type,
                                    std::string_view patch, const PatchOptions& options) {
  const char* content_type = "application/merge-patch+json";
  std::string query;
  switch (type) {
    case PatchType::Merge: break;
    case PatchType::JsonPatch: content_type = "application/json-patch+json"; break;
    case PatchType::StrategicMerge: content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::Apply:
      content_type = "application/apply-patch+yaml";
      // The server rejects an apply without a field manager; say so before sending.
      if (options.field_manager.empty()) {
        return Error::invalid_argument("apply " + r.gvr.resource + "/" + std::string(name) + ": field_manager is required");
      }
      if (options.force) add_param(query, "force", "true");
      break;
  }
  if (!options.field_manager.empty()) add_param(query, "fieldManager", options.field_manager);
  HttpRequest req{.method = "PATCH", .path = path(r, ns, name, options.subresource) + query, .body = std::string(patch)};
  req.headers.emplace_back("Content-Type", content_type);
  return send_object(std::move(req));
}

Result<void> RestClient::remove(const Resource& r, std::string_view ns, std::string_view name,
                                const DeleteOptions& options) {
  if (name.empty()) return Error::invalid_argument("delete " + r.gvr.resource + ": name is empty");
  HttpRequest req{.method = "DELETE", .path = path(r, ns, name), .body = delete_body(options)};
  req.headers.emplace_back("Content-Type", kJson);
  req.headers.emplace_back("Accept", kJson);
  Result<HttpResponse> resp = transport_->request(std::move(req));
  if (!resp) return resp.error();
  return {};
}

Result<void> RestClient::remove_collection(const Resource& r, std::string_view ns, const ListOptions& list,
                                           const DeleteOptions& options) {
  HttpRequest req{.method = "DELETE", .path = path(r, ns) + list_query(list, false), .body = delete_body(options)};
  req.headers.emplace_back("Content-Type", kJson);
  req.headers.emplace_back("Accept", kJson);
  Result<HttpResponse> resp = transport_->request(std::move(req));
  if (!resp) return resp.error();
  return {};
}

Result<HttpResponse> RestClient::get_raw(std::string p, std::string accept) {
  HttpRequest req{.path = std::move(p)};
  req.headers.emplace_back("Accept", std::move(accept));
  return transport_->request(std::move(req));
}

namespace {

// One watch's decoding state; touched only on the I/O thread.
struct WatchState {
  explicit WatchState(ParseOptions options) : decoder(options) {}
  WatchDecoder decoder;
  std::vector<WatchEvent> batch;
  std::optional<Error> decode_error;
  std::function<void(std::vector<WatchEvent>&)> on_events;
  std::function<void(Result<void>)> on_end;

  void deliver() {
    if (!batch.empty()) on_events(batch);
    batch.clear();
  }
};

}  // namespace

std::shared_ptr<CallHandle> RestClient::watch(const Resource& r, std::string_view ns, const ListOptions& options,
                                              std::function<void(WatchEvent)> on_event,
                                              std::function<void(Result<void>)> on_end) {
  return watch_batched(
      r, ns, options,
      [on_event = std::move(on_event)](std::vector<WatchEvent>& events) {
        for (auto& ev : events) on_event(std::move(ev));
      },
      std::move(on_end));
}

std::shared_ptr<CallHandle> RestClient::watch_batched(const Resource& r, std::string_view ns,
                                                      const ListOptions& options,
                                                      std::function<void(std::vector<WatchEvent>&)> on_events,
                                                      std::function<void(Result<void>)> on_end) {
  auto state = std::make_shared<WatchState>(ParseOptions{.strip_managed_fields = options.strip_managed_fields});
  state->on_events = std::move(on_events);
  state->on_end = std::move(on_end);
  HttpRequest req{.path = path(r, ns) + list_query(options, true)};
  req.headers.emplace_back("Accept", options.metadata_only ? kMetadataAccept : kJson);
  StreamHandlers handlers;
  handlers.on_data = [state](std::string_view bytes) {
    Result<void> fed = state->decoder.feed(bytes, state->batch);
    state->deliver();
    if (!fed) state->decode_error = fed.error();
    return fed.ok();
  };
  handlers.on_done = [state](Result<HttpResponse> end) {
    if (state->decode_error) {
      state->on_end(*state->decode_error);
      return;
    }
    if (!end) {
      // A cut connection leaves half an event behind: say so, it is more useful.
      if (end.error().reason != "Canceled" && state->decoder.pending() > 0) {
        if (Result<void> fin = state->decoder.finish(); !fin) {
          Error e = fin.error();
          e.message += " (" + end.error().message + ")";
          state->on_end(e);
          return;
        }
      }
      state->on_end(end.error());
      return;
    }
    Result<void> fin = state->decoder.finish(state->batch);
    state->deliver();
    state->on_end(fin);
  };
  return transport_->stream(std::move(req), std::move(handlers));
}

}  // namespace kube
