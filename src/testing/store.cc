#include "src/testing/store.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "kube/core/key.h"
#include "src/testing/status.h"

namespace kube::testing::internal {
namespace json = boost::json;

bool Watcher::push(WatchEvent event) {
  MutexLock l(mu_);
  if (closed_) return false;
  queue_.push_back(std::move(event));
  return queue_.size() == 1;
}

void Watcher::take(std::vector<WatchEvent>& into, bool& closed) {
  MutexLock l(mu_);
  closed = closed_;
  if (cut_) {
    into.clear();
  } else if (into.empty()) {
    into.swap(queue_);
  } else {
    std::move(queue_.begin(), queue_.end(), std::back_inserter(into));
    queue_.clear();
  }
}

bool Watcher::closed() const {
  MutexLock l(mu_);
  return closed_;
}

void Watcher::close() {
  {
    MutexLock l(mu_);
    if (closed_) return;
    closed_ = true;
  }
  notify_();
}

void Watcher::cut() {
  std::vector<WatchEvent> dropped;  // freed outside the lock
  {
    MutexLock l(mu_);
    cut_ = true;
    dropped.swap(queue_);
    if (closed_) return;
    closed_ = true;
  }
  notify_();
}

namespace {

json::object& meta_of(json::object& obj) {
  auto& m = obj["metadata"];
  if (!m.is_object()) m = json::object{};
  return m.as_object();
}

std::string str_field(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool has_finalizers(const Object& obj) { return !obj.finalizers().empty(); }

// What a write's metadata.managedFields does, as kube-apiserver's field
// manager decides it (k8s.io/apiserver fieldmanager, FieldManager.Update):
// a list that decodes (every entry an object with operation "Apply" or
// "Update" and fieldsType "FieldsV1", the only values the API allows) replaces
// the object's; a list of empty entries ([{}]) clears them (the documented
// way to strip them); anything else (absent, [], not decodable) keeps the live
// object's, so a client that does not know the field cannot drop it. A status
// write always keeps the live object's. kube-apiserver also files the
// writer's own entry (the fields it set); this server computes no field sets,
// so it adds none: objects written without managedFields have none.
enum class ManagedFieldsWrite { kKeepLive, kClear, kTakeNew };

ManagedFieldsWrite managed_fields_write(const json::object& meta) {
  auto* v = meta.if_contains("managedFields");
  if (!v || !v->is_array() || v->as_array().empty()) return ManagedFieldsWrite::kKeepLive;
  const auto& entries = v->as_array();
  bool all_empty = true;
  bool decodes = true;
  for (const auto& e : entries) {
    if (!e.is_object()) return ManagedFieldsWrite::kKeepLive;
    const auto& o = e.as_object();
    all_empty = all_empty && o.empty();
    auto* op = o.if_contains("operation");
    auto* type = o.if_contains("fieldsType");
    decodes = decodes && op && op->is_string() && (op->as_string() == "Apply" || op->as_string() == "Update") &&
              type && type->is_string() && type->as_string() == "FieldsV1";
  }
  if (all_empty) return ManagedFieldsWrite::kClear;
  return decodes ? ManagedFieldsWrite::kTakeNew : ManagedFieldsWrite::kKeepLive;
}

// a == b with the members named in `skip` left out of both (compared in
// place: no copy of either object).
bool equal_except(const json::object& a, const json::object& b,
                  std::initializer_list<std::string_view> skip) {
  auto skipped = [&](std::string_view k) {
    return std::find(skip.begin(), skip.end(), k) != skip.end();
  };
  std::size_t na = 0, nb = 0;
  for (const auto& [k, v] : a) {
    if (skipped(k)) continue;
    ++na;
    auto* w = b.if_contains(k);
    if (!w || *w != v) return false;
  }
  for (const auto& [k, v] : b) nb += !skipped(k);
  return na == nb;
}

// Everything but metadata and status: what bumps metadata.generation.
bool spec_changed(const json::object& a, const json::object& b) {
  return !equal_except(a, b, {"metadata", "status"});
}

// Object equality ignoring resourceVersion (a no-op write does not bump it).
bool same_ignoring_rv(const json::object& a, const json::object& b) {
  if (!equal_except(a, b, {"metadata"})) return false;
  static const json::object kNone;
  auto meta = [](const json::object& o) -> const json::object& {
    auto* m = o.if_contains("metadata");
    return m && m->is_object() ? m->as_object() : kNone;
  };
  return equal_except(meta(a), meta(b), {"resourceVersion"});
}

std::string table_key(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

Store::Store(std::size_t history_window) : history_window_(history_window), rng_(std::random_device{}()) {}

// mu_ for a write (anything that calls record()).
class KUBE_SCOPED_CAPABILITY Store::WriteLock {
 public:
  explicit WriteLock(Store& s) KUBE_ACQUIRE(s.mu_) : s_(s) { s_.mu_.lock(); }
  ~WriteLock() KUBE_RELEASE() { s_.unlock_and_wake(); }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  Store& s_;
};

void Store::unlock_and_wake() {
  std::vector<std::shared_ptr<Watcher>> wake;
  wake.swap(to_wake_);
  mu_.unlock();
  for (const auto& w : wake) w->notify();
}

ResourcePtr Store::find_resource(const std::string& group, const std::string& version,
                                 const std::string& resource) const {
  MutexLock l(mu_);
  return registry_.find(group, version, resource);
}

json::value Store::with_registry(const std::function<json::value(const ResourceRegistry&)>& fn) const {
  MutexLock l(mu_);
  return fn(registry_);
}

std::int64_t Store::resource_version() const {
  MutexLock l(mu_);
  return rv_;
}

Store::Table& Store::table(const ResourceInfo& res) { return tables_[res.group_resource()]; }

const Store::Table* Store::table_if(const ResourceInfo& res) const {
  auto it = tables_.find(res.group_resource());
  return it == tables_.end() ? nullptr : &it->second;
}

std::string Store::new_uid() {
  std::uniform_int_distribution<int> d(0, 15);
  std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : s) {
    if (c == 'x' || c == 'y') {
      int v = d(rng_);
      if (c == 'y') v = (v & 3) | 8;
      c = "0123456789abcdef"[v];
    }
  }
  return s;
}

Result<void> Store::check_namespace(const ResourceInfo& res, const std::string& ns) const {
  if (!res.namespaced) return {};
  auto ns_res = registry_.find("", "v1", "namespaces");
  const Table* t = table_if(*ns_res);
  if (!t || !t->contains(ns)) return namespace_not_found(ns);
  return {};
}

Result<ObjectPtr> Store::get(const ResourceInfo& res, const std::string& ns, const std::string& name) const {
  MutexLock l(mu_);
  const Table* t = table_if(res);
  if (t) {
    auto it = t->find(table_key(res.namespaced ? ns : "", name));
    if (it != t->end()) return it->second;
  }
  return not_found(res, name);
}

Result<Store::Table> Store::snapshot_at(const ResourceInfo& res, std::int64_t rv) const {
  Table snap;
  if (const Table* t = table_if(res)) snap = *t;
  auto gr = res.group_resource();
  for (auto it = history_.rbegin(); it != history_.rend() && it->rv > rv; ++it) {
    if (it->group_resource != gr) continue;
    if (it->type == EventType::kAdded) {
      snap.erase(it->key);
    } else {
      snap[it->key] = it->prev;
    }
  }
  return snap;
}

Result<ListResult> Store::list(const ResourceInfo& res, const std::string& ns, const ListOptions& o) const {
  std::int64_t at = 0;
  std::string start;
  bool exact = false;
  {
    MutexLock l(mu_);
    at = rv_;
  }
  if (!o.continue_token.empty()) {
    auto tok = decode_continue(o.continue_token);
    if (!tok) return tok.error();
    if (!o.resource_version.empty() && o.resource_version != "0") {
      // k8s.io/apiserver etcd3 store GetList: the token carries the version.
      return Error::bad_request("specifying resource version is not allowed when using continue");
    }
    start = tok->start;
    MutexLock l(mu_);
    // rv -1 (from the 410 below) continues at the latest version, inconsistently.
    if (tok->rv > 0) {
      at = tok->rv;
      exact = true;
    }
    if (exact && at < compacted_rv_) {
      // k8s.io/apiserver storage: a compacted continue gets 410 and a fresh
      // token (rv -1) to go on inconsistently from the same key.
      Error e = gone(kExpiredContinueMessage);
      return e;  // the handler adds metadata.continue
    }
  } else if (!o.resource_version.empty() && o.resource_version != "0") {
    auto parsed = parse_resource_version(o.resource_version);
    if (!parsed) return parsed.error();
    std::int64_t n = *parsed;
    MutexLock l(mu_);
    if (n > rv_) {
      Error e{504, "Timeout", "Too large resource version: " + o.resource_version +
                                  ", current: " + std::to_string(rv_), StatusDetails{}};
      e.details->causes.push_back({"ResourceVersionTooLarge", "Too large resource version", ""});
      e.details->retry_after_seconds = 1;
      return e;
    }
    if (o.resource_version_match == "Exact" ||
        (o.resource_version_match.empty() && o.limit > 0)) {
      if (n < compacted_rv_) return gone("The resourceVersion for the provided list is too old.");
      at = n;
      exact = true;
    }
  }
  ListResult out;
  out.resource_version = at;
  // resourceVersion=0 is served from the watch cache, which ignores limit.
  std::int64_t limit = (o.resource_version == "0" && o.continue_token.empty()) ? 0 : o.limit;
  std::string prefix = res.namespaced && !ns.empty() ? ns + "/" : "";
  MutexLock l(mu_);
  Table snap_storage;
  const Table* t = table_if(res);
  if (exact && at != rv_) {
    auto s = snapshot_at(res, at);
    if (!s) return s.error();
    snap_storage = std::move(*s);
    t = &snap_storage;
  }
  if (!t) return out;
  auto it = t->lower_bound(prefix + start);
  bool filtered = !o.label_selector.empty() || !o.field_selector.empty();
  for (; it != t->end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (limit > 0 && std::int64_t(out.items.size()) >= limit) break;
    const Object& obj = *it->second;
    if (!o.label_selector.matches(obj) || !o.field_selector.matches(obj)) continue;
    out.items.push_back(it->second);
  }
  if (it != t->end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    std::string last = object_key(*out.items.back()).substr(prefix.size());
    out.continue_token = encode_continue(at, last + std::string(1, '\0'));
    if (!filtered) {
      std::int64_t remaining = 0;
      for (auto r = it; r != t->end() && r->first.compare(0, prefix.size(), prefix) == 0; ++r) ++remaining;
      out.remaining_item_count = remaining;
    }
  }
  return out;
}

Result<WatchStart> Store::watch(const ResourceInfo& res, const std::string& ns, const std::string& from_rv,
                                bool initial_state, std::function<void()> notify) {
  std::int64_t n = 0;
  bool replay = !initial_state && !from_rv.empty() && from_rv != "0";
  if (replay) {
    auto parsed = parse_resource_version(from_rv);
    if (!parsed) return parsed.error();
    n = *parsed;
  }
  MutexLock l(mu_);
  if (replay && n < compacted_rv_) {
    // Shape of fixtures/watch/410-watch-too-old.jsonl (sent as an ERROR event).
    return gone("too old resource version: " + from_rv + " (" + std::to_string(compacted_rv_ + 1) + ")");
  }
  WatchStart ws;
  ws.resource_version = rv_;
  ws.watcher = std::make_shared<Watcher>(res.namespaced ? ns : "", std::move(notify));
  std::string prefix = res.namespaced && !ns.empty() ? ns + "/" : "";
  if (replay) {
    auto gr = res.group_resource();
    auto first = std::upper_bound(history_.begin(), history_.end(), n,
                                  [](std::int64_t v, const HistoryEntry& e) { return v < e.rv; });
    for (auto it = first; it != history_.end(); ++it) {
      if (it->group_resource != gr || it->key.compare(0, prefix.size(), prefix) != 0) continue;
      ws.initial.push_back(WatchEvent{it->type, it->rv, it->object, it->prev});
    }
  } else if (const Table* t = table_if(res)) {
    for (auto it = t->lower_bound(prefix); it != t->end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      ws.initial.push_back(WatchEvent{EventType::kAdded, rv_, it->second, nullptr});
    }
  }
  auto& index = watchers_[res.group_resource()];
  auto& list = ws.watcher->namespace_filter().empty() ? index.all : index.by_namespace[ws.watcher->namespace_filter()];
  std::erase_if(list, [](const std::weak_ptr<Watcher>& w) { return w.expired(); });
  list.push_back(ws.watcher);
  return ws;
}

void Store::record(const ResourceInfo& res, const std::string& key, EventType type, ObjectPtr obj,
                   ObjectPtr prev) {
  auto gr = res.group_resource();
  history_.push_back(HistoryEntry{rv_, gr, key, type, obj, prev});
  while (history_.size() > history_window_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  auto it = watchers_.find(gr);
  if (it == watchers_.end()) return;
  // Visits only the watches that can see this object: with 1,000 watches
  // spread over 100 namespaces a write touches 10, not 1,000
  // (docs/benchmarks.md, fan-out). Ended watches are dropped on the way.
  auto push_all = [&](std::vector<std::weak_ptr<Watcher>>& list) KUBE_REQUIRES(mu_) {
    std::erase_if(list, [&](const std::weak_ptr<Watcher>& w) KUBE_REQUIRES(mu_) {
      auto s = w.lock();
      if (!s) return true;
      if (s->push(WatchEvent{type, rv_, obj, prev})) to_wake_.push_back(std::move(s));
      return false;
    });
  };
  push_all(it->second.all);
  if (!res.namespaced) return;
  auto ns = it->second.by_namespace.find(obj->namespace_());
  if (ns == it->second.by_namespace.end()) return;
  push_all(ns->second);
  if (ns->second.empty()) it->second.by_namespace.erase(ns);
}

template <class Fn>
void Store::Watchers::for_each(Fn&& fn) const {
  auto visit = [&](const std::vector<std::weak_ptr<Watcher>>& list) {
    for (auto& w : list) {
      if (auto s = w.lock()) fn(*s);
    }
  };
  visit(all);
  for (auto& [ns, list] : by_namespace) visit(list);
}

Result<ObjectPtr> Store::create(const ResourceInfo& res, const std::string& ns, json::object obj) {
  WriteLock l(*this);
  if (str_field(obj, "kind").empty()) obj["kind"] = res.kind;
  if (str_field(obj, "apiVersion").empty()) obj["apiVersion"] = res.api_version();
  auto& meta = meta_of(obj);
  if (!str_field(meta, "resourceVersion").empty()) {
    // kube-apiserver answers exactly this (fixtures/errors/409-alreadyexists.json).
    return Error{500, "", "resourceVersion should not be set on objects to be created", std::nullopt};
  }
  std::string name = str_field(meta, "name");
  if (name.empty()) {
    std::string gen = str_field(meta, "generateName");
    if (gen.empty()) {
      return invalid(res, "", {{"FieldValueRequired", "Required value: name or generateName is required",
                                "metadata.name"}});
    }
    std::uniform_int_distribution<int> d(0, 26);
    name = gen;
    for (int i = 0; i < 5; ++i) name += "bcdfghjklmnpqrstvwxz2456789"[d(rng_)];
    meta["name"] = name;
  }
  if (auto why = validate_name(name); !why.empty()) {
    return invalid(res, name, {{"FieldValueInvalid", why, "metadata.name"}});
  }
  if (res.namespaced) {
    meta["namespace"] = ns;
    if (auto r = check_namespace(res, ns); !r) return r.error();
  } else {
    meta.erase("namespace");
  }
  std::string key = table_key(res.namespaced ? ns : "", name);
  Table& t = table(res);
  if (t.contains(key)) return already_exists(res, name);
  if (managed_fields_write(meta) != ManagedFieldsWrite::kTakeNew) meta.erase("managedFields");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now_rfc3339();
  if (res.has_generation) meta["generation"] = 1;
  else meta.erase("generation");
  meta["resourceVersion"] = std::to_string(rv_ + 1);
  if (res.builtin && res.group.empty() && res.resource == "namespaces") {
    obj["spec"] = json::object{{"finalizers", json::array{"kubernetes"}}};
    obj["status"] = json::object{{"phase", "Active"}};
  } else if (res.builtin && res.resource == "pods") {
    auto& st = obj["status"];
    if (!st.is_object()) st = json::object{};
    if (!st.as_object().contains("phase")) st.as_object()["phase"] = "Pending";
  } else if (res.has_status && res.group == "apiextensions.k8s.io") {
    // Accepted at once: clients wait for Established before using the CRD.
    auto& s = obj["spec"];
    json::value names = s.is_object() && s.as_object().contains("names") ? s.as_object()["names"] : json::object{};
    if (names.is_object() && !names.as_object().contains("listKind")) {
      names.as_object()["listKind"] = str_field(names.as_object(), "kind") + "List";
    }
    std::string now = now_rfc3339();
    json::array stored;
    if (s.is_object()) {
      if (auto* vs = s.as_object().if_contains("versions"); vs && vs->is_array()) {
        for (auto& v : vs->as_array()) {
          if (v.is_object() && v.as_object().contains("storage") && v.as_object()["storage"] == true) {
            stored.push_back(v.as_object()["name"]);
          }
        }
      }
    }
    obj["status"] = json::object{
        {"conditions",
         json::array{json::object{{"type", "NamesAccepted"}, {"status", "True"}, {"lastTransitionTime", now},
                                  {"reason", "NoConflicts"}, {"message", "no conflicts found"}},
                     json::object{{"type", "Established"}, {"status", "True"}, {"lastTransitionTime", now},
                                  {"reason", "InitialNamesAccepted"},
                                  {"message", "the initial names have been accepted"}}}},
        {"acceptedNames", names},
        {"storedVersions", stored}};
  } else if (res.has_status) {
    // Strategies' PrepareForCreate drop the status a client sends.
    if (res.builtin) obj["status"] = json::object{};
    else obj.erase("status");
  }
  auto made = make_object(obj);
  if (!made) return made.error();
  if (res.group == "apiextensions.k8s.io") {
    if (auto r = registry_.add_crd(obj); !r) return r.error();
  }
  ++rv_;
  t[key] = *made;
  record(res, key, EventType::kAdded, *made, nullptr);
  return *made;
}

Result<ObjectPtr> Store::update(const ResourceInfo& res, const std::string& ns, const std::string& name,
                                json::object obj, Subresource sub) {
  WriteLock l(*this);
  std::string key = table_key(res.namespaced ? ns : "", name);
  Table& t = table(res);
  auto it = t.find(key);
  if (it == t.end()) return not_found(res, name);
  std::string want = str_field(meta_of(obj), "resourceVersion");
  if (!want.empty() && want != it->second->resource_version()) return stale_conflict(res, name);
  return write_update(res, key, it->second, it->second->to_value().as_object(), std::move(obj),
                      sub);
}

Result<ObjectPtr> Store::modify(const ResourceInfo& res, const std::string& ns, const std::string& name,
                                Subresource sub,
                                const std::function<Result<json::value>(const json::value&)>& fn) {
  // As kube-apiserver's GuaranteedUpdate: `fn` runs outside the lock on the
  // object as read; the write goes in only if that is still the stored
  // object, else `fn` runs again on the newer one. The lock is held for the
  // write alone, not for decoding and patching.
  std::string key = table_key(res.namespaced ? ns : "", name);
  for (;;) {
    ObjectPtr old;
    {
      MutexLock l(mu_);
      const Table* t = table_if(res);
      auto it = t ? t->find(key) : Table::const_iterator{};
      if (!t || it == t->end()) return not_found(res, name);
      old = it->second;
    }
    json::value cur = old->to_value();
    auto patched = fn(cur);
    if (!patched) return patched.error();
    if (!patched->is_object()) return Error::bad_request("the patched object is not a JSON object");
    auto& pm = meta_of(patched->as_object());
    std::string want = str_field(pm, "resourceVersion");
    if (!want.empty() && want != old->resource_version()) return stale_conflict(res, name);
    if (str_field(pm, "name") != name) {
      return Error::bad_request("the name of the object (" + str_field(pm, "name") +
                                ") does not match the name on the URL (" + name + ")");
    }
    WriteLock l(*this);
    Table& t = table(res);
    auto it = t.find(key);
    if (it == t.end()) return not_found(res, name);
    if (it->second != old) continue;  // written since it was read
    return write_update(res, key, old, std::move(cur.as_object()), std::move(patched->as_object()),
                        sub);
  }
}

Result<ObjectPtr> Store::write_update(const ResourceInfo& res, const std::string& key,
                                      const ObjectPtr& old, json::object prev, json::object obj,
                                      Subresource sub) {
  auto& prev_meta = meta_of(prev);
  if (sub == Subresource::kStatus) {
    json::object next = prev;
    if (auto* st = obj.if_contains("status")) next["status"] = *st;
    else next.erase("status");
    obj = std::move(next);
  } else if (res.has_status) {
    if (auto* st = prev.if_contains("status")) obj["status"] = *st;
    else obj.erase("status");
  }
  auto& meta = meta_of(obj);
  for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation"}) {
    if (auto* v = prev_meta.if_contains(k)) meta[k] = *v;
    else meta.erase(k);
  }
  switch (sub == Subresource::kStatus ? ManagedFieldsWrite::kKeepLive : managed_fields_write(meta)) {
    case ManagedFieldsWrite::kTakeNew:
      break;
    case ManagedFieldsWrite::kClear:
      meta.erase("managedFields");
      break;
    case ManagedFieldsWrite::kKeepLive:
      if (auto* v = prev_meta.if_contains("managedFields")) meta["managedFields"] = *v;
      else meta.erase("managedFields");
      break;
  }
  obj["kind"] = prev["kind"];
  obj["apiVersion"] = prev["apiVersion"];
  if (res.has_generation && spec_changed(prev, obj)) {
    auto* g = prev_meta.if_contains("generation");
    meta["generation"] = (g && g->is_int64() ? g->as_int64() : 0) + 1;
  }
  meta["resourceVersion"] = std::string(old->resource_version());
  if (same_ignoring_rv(prev, obj)) return old;  // no-op: no write, no event
  meta["resourceVersion"] = std::to_string(rv_ + 1);
  auto made = make_object(obj);
  if (!made) return made.error();
  if (res.group == "apiextensions.k8s.io" && res.resource == "customresourcedefinitions") {
    if (auto r = registry_.add_crd(obj); !r) return r.error();
  }
  ++rv_;
  if (!(*made)->deletion_timestamp().empty() && !has_finalizers(**made)) {
    erase_object(res, key, *made);  // the last finalizer is gone: delete now
    return *made;
  }
  table(res)[key] = *made;
  record(res, key, EventType::kModified, *made, old);
  return *made;
}

void Store::erase_object(const ResourceInfo& res, const std::string& key, const ObjectPtr& last) {
  Table& t = table(res);
  auto it = t.find(key);
  if (it == t.end()) return;
  ObjectPtr prev = it->second;
  t.erase(it);
  record(res, key, EventType::kDeleted, last, prev);
  if (res.group == "apiextensions.k8s.io" && res.resource == "customresourcedefinitions") {
    on_crd_removed(last);
  }
}

void Store::on_crd_removed(const ObjectPtr& crd) {
  for (const auto& r : registry_.remove_crd(std::string(crd->name()))) {
    auto tit = tables_.find(r->group_resource());
    if (tit != tables_.end()) {
      Table objs = std::move(tit->second);
      tables_.erase(tit);
      for (auto& [k, o] : objs) {
        ++rv_;
        record(*r, k, EventType::kDeleted, o, o);
      }
    }
    if (auto w = watchers_.find(r->group_resource()); w != watchers_.end()) {
      w->second.for_each([](Watcher& s) { s.close(); });
      watchers_.erase(w);
    }
  }
}

void Store::on_crd_written(const ObjectPtr&) {}

Result<DeleteResult> Store::remove(const ResourceInfo& res, const std::string& ns, const std::string& name,
                                   const Preconditions& pre) {
  WriteLock l(*this);
  auto r = remove_locked(res, table_key(res.namespaced ? ns : "", name), pre);
  if (!r && r.error().code == 404) return not_found(res, name);
  return r;
}

Result<DeleteResult> Store::remove_locked(const ResourceInfo& res, const std::string& key,
                                          const Preconditions& pre) {
  Table& t = table(res);
  auto it = t.find(key);
  if (it == t.end()) return Error::not_found(key);
  ObjectPtr old = it->second;
  std::string name(old->name());
  if (!pre.uid.empty() && pre.uid != old->uid()) {
    return conflict(res, name, "Precondition failed: UID in precondition: " + pre.uid +
                                   ", UID in object meta: " + std::string(old->uid()));
  }
  if (!pre.resource_version.empty() && pre.resource_version != old->resource_version()) {
    return conflict(res, name, "Precondition failed: ResourceVersion in precondition: " +
                                   pre.resource_version + ", ResourceVersion in object meta: " +
                                   std::string(old->resource_version()));
  }
  if (has_finalizers(*old)) {
    if (!old->deletion_timestamp().empty()) return DeleteResult{old, false};
    json::object obj = old->to_value().as_object();
    auto& meta = meta_of(obj);
    meta["deletionTimestamp"] = now_rfc3339();
    meta["deletionGracePeriodSeconds"] = 0;
    meta["resourceVersion"] = std::to_string(rv_ + 1);
    auto made = make_object(obj);
    if (!made) return made.error();
    ++rv_;
    t[key] = *made;
    record(res, key, EventType::kModified, *made, old);
    return DeleteResult{*made, false};
  }
  if (res.builtin && res.group.empty() && res.resource == "namespaces") {
    // No namespace controller here: the contents go at once, then the namespace.
    std::string prefix = std::string(old->name()) + "/";
    for (const auto& r : registry_.all()) {
      if (!r->namespaced) continue;
      auto tit = tables_.find(r->group_resource());
      if (tit == tables_.end()) continue;
      std::vector<std::string> keys;
      for (auto k = tit->second.lower_bound(prefix);
           k != tit->second.end() && k->first.compare(0, prefix.size(), prefix) == 0; ++k) {
        keys.push_back(k->first);
      }
      for (const auto& k : keys) {
        ObjectPtr o = tit->second[k];
        json::object v = o->to_value().as_object();
        meta_of(v)["resourceVersion"] = std::to_string(++rv_);
        auto made = make_object(v);
        erase_object(*r, k, made ? *made : o);
      }
    }
  }
  json::object v = old->to_value().as_object();
  meta_of(v)["resourceVersion"] = std::to_string(rv_ + 1);
  auto made = make_object(v);
  if (!made) return made.error();
  ++rv_;
  erase_object(res, key, *made);
  return DeleteResult{*made, true};
}

Result<std::vector<ObjectPtr>> Store::remove_collection(const ResourceInfo& res, const std::string& ns,
                                                        const LabelSelector& labels,
                                                        const FieldSelector& fields) {
  WriteLock l(*this);
  std::vector<std::string> keys;
  std::string prefix = res.namespaced && !ns.empty() ? ns + "/" : "";
  Table& t = table(res);
  for (auto it = t.lower_bound(prefix); it != t.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (labels.matches(*it->second) && fields.matches(*it->second)) keys.push_back(it->first);
  }
  std::vector<ObjectPtr> out;
  for (const auto& k : keys) {
    auto r = remove_locked(res, k, {});
    if (r) out.push_back(r->object);
  }
  return out;
}

void Store::compact() {
  MutexLock l(mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

std::size_t Store::open_watchers() const {
  MutexLock l(mu_);
  std::size_t n = 0;
  for (const auto& [gr, index] : watchers_) {
    index.for_each([&](const Watcher& s) { n += !s.closed(); });
  }
  return n;
}

void Store::close_watchers() {
  MutexLock l(mu_);
  for (auto& [gr, index] : watchers_) index.for_each([](Watcher& s) { s.cut(); });
  watchers_.clear();
}

std::string Store::snapshot() const {
  MutexLock l(mu_);
  json::array objects;
  auto add_table = [&](const std::string& gr) KUBE_REQUIRES(mu_) {
    auto it = tables_.find(gr);
    if (it == tables_.end()) return;
    for (const auto& [k, o] : it->second) objects.push_back(o->to_value());
  };
  add_table("customresourcedefinitions.apiextensions.k8s.io");
  add_table("namespaces");
  for (const auto& [gr, t] : tables_) {
    if (gr != "customresourcedefinitions.apiextensions.k8s.io" && gr != "namespaces") add_table(gr);
  }
  return json::serialize(json::object{{"resourceVersion", rv_}, {"objects", std::move(objects)}});
}

Result<void> Store::restore(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("objects") ||
      !v.as_object()["objects"].is_array() || !v.as_object()["resourceVersion"].is_int64()) {
    return Error::invalid_argument("snapshot: not a kinformer apiserver snapshot (" + ec.message() + ")");
  }
  MutexLock l(mu_);
  for (auto& o : v.as_object()["objects"].as_array()) {
    if (!o.is_object()) continue;
    auto& obj = o.as_object();
    auto res = registry_.find_kind(str_field(obj, "apiVersion"), str_field(obj, "kind"));
    if (!res) return Error::invalid_argument("snapshot: unknown kind " + str_field(obj, "kind"));
    if (res->group == "apiextensions.k8s.io") {
      if (auto r = registry_.add_crd(obj); !r) return r.error();
    }
    auto made = make_object(obj);
    if (!made) return made.error();
    table(*res)[object_key(**made)] = *made;
  }
  rv_ = std::max(rv_, v.as_object()["resourceVersion"].as_int64());
  compacted_rv_ = rv_;
  return {};
}

}  // namespace kube::testing::internal
