#include "src/serve/resource_cache.h"

#include <algorithm>
#include <charconv>

#include "kube/core/continue_token.h"
#include "kube/core/key.h"
#include "kube/informers/shared_informer.h"

namespace kube::serve::internal {

const char* change_type_name(ChangeType t) {
  switch (t) {
    case ChangeType::kAdded:
      return "ADDED";
    case ChangeType::kModified:
      return "MODIFIED";
    case ChangeType::kDeleted:
      return "DELETED";
  }
  return "";
}

std::optional<std::uint64_t> parse_resource_version(std::string_view rv) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), v);
  if (rv.empty() || ec != std::errc() || end != rv.data() + rv.size()) return std::nullopt;
  return v;
}

namespace {

// metadata.name everywhere (metadata.namespace has the store's namespace
// index), the field indexes the informer has, and the factory's defaults for
// the resource (so a resource served from an informer built without them is
// indexed the same way).
cache::Indexers field_indexers(const ServedResource& r) {
  cache::Indexers out;
  out.insert(cache::field_indexer("metadata.name"));
  const auto defaults = informers::InformerFactoryOptions{}.field_indexes;
  if (auto it = defaults.find(r.informer.resource.gvr); it != defaults.end()) {
    for (const auto& path : it->second) out.insert(cache::field_indexer(path));
  }
  if (r.informer.informer) {
    for (const auto& name : r.informer.informer->indexer().index_names()) {
      if (name.starts_with(cache::kFieldIndexPrefix)) {
        out.insert(cache::field_indexer(name.substr(cache::kFieldIndexPrefix.size())));
      }
    }
  }
  return out;
}

}  // namespace

ResourceCache::ResourceCache(ServedResource resource, std::size_t history_limit,
                             std::function<std::string()> upstream_rv)
    : resource_(std::move(resource)),
      history_limit_(std::max<std::size_t>(history_limit, 1)),
      upstream_rv_(std::move(upstream_rv)),
      index_(field_indexers(resource_)) {}

void ResourceCache::on_add(const ObjectPtr& obj, bool is_in_initial_list) {
  if (!obj) return;
  apply(ChangeType::kAdded, object_key(*obj), obj, nullptr, is_in_initial_list);
}

void ResourceCache::on_update(const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
  if (!new_obj) return;
  // A periodic resync (the same object again) is not a change.
  if (old_obj && old_obj->resource_version() == new_obj->resource_version()) return;
  apply(ChangeType::kModified, object_key(*new_obj), new_obj, old_obj, false);
}

void ResourceCache::on_delete(const informers::DeletedObject& d) {
  std::string key;
  if (const auto* t = std::get_if<DeletedFinalStateUnknown>(&d)) {
    key = t->key;
  } else if (const auto& obj = std::get<ObjectPtr>(d)) {
    key = object_key(*obj);
  }
  if (key.empty()) return;
  apply(ChangeType::kDeleted, key, informers::deleted_object(d), nullptr, false);
}

void ResourceCache::apply(ChangeType type, const std::string& key, ObjectPtr obj, ObjectPtr prev,
                          bool initial) {
  // Read before the lock (it takes the reflector's); by the time a relist's
  // changes reach this handler it is at least the relist's resourceVersion.
  std::uint64_t upstream = 0;
  if (!initial && upstream_rv_) upstream = parse_resource_version(upstream_rv_()).value_or(0);
  MutexLock l(mu_);
  if (type == ChangeType::kDeleted) {
    auto it = objects_.find(key);
    if (it == objects_.end()) return;  // never served: nothing to tell anyone
    if (!obj) obj = it->second;        // a tombstone without a last state: the one we had
    objects_.erase(it);
    index_.delete_by_key(key);
    ++deleted_;
  } else {
    auto [it, inserted] = objects_.insert_or_assign(key, obj);
    // An add for a key already served (a relist) is a modification to watchers.
    if (!inserted && type == ChangeType::kAdded) type = ChangeType::kModified;
    // The index refiles the object (unfiling its previous state) by key.
    if (!index_.update(obj)) indexed_ = false;
    (type == ChangeType::kAdded ? added_ : modified_)++;
  }
  auto obj_rv = parse_resource_version(obj ? obj->resource_version() : "").value_or(0);
  if (obj_rv > rv_) {
    rv_ = obj_rv;
  } else if (!initial) {
    // Out of order (a relist's change or a tombstone): past the relist, so a
    // client that listed or watched before it still gets this change.
    rv_ = std::max(rv_, upstream);
  }
  if (initial) {
    // The initial state is not history: a watch from before it must relist.
    floor_ = rv_;
    return;
  }
  history_.push_back({next_seq_++, rv_, type, std::move(obj), std::move(prev)});
  if (history_.size() > history_limit_) {
    floor_ = std::max(floor_, history_.front().rv);
    history_.pop_front();
  }
  for (const auto& [id, wake] : watches_) wake();
}

ResourceCache::Snapshot ResourceCache::list(std::string_view ns) const {
  Snapshot s;
  MutexLock l(mu_);
  s.rv = rv_;
  if (ns.empty()) {
    s.items.reserve(objects_.size());
    for (const auto& [k, o] : objects_) s.items.push_back(o);
    return s;
  }
  // Keys are "namespace/name": one namespace is one contiguous range.
  std::string prefix = std::string(ns) + "/";
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.starts_with(prefix); ++it) {
    s.items.push_back(it->second);
  }
  return s;
}

void ResourceCache::scan_locked(std::string_view ns, const FieldSelector& fields,
                                const LabelSelector& labels, std::vector<ObjectPtr>& out) const {
  auto keep = [&](const ObjectPtr& o) {
    if (labels.matches(*o) && fields.matches(*o)) out.push_back(o);
  };
  if (ns.empty()) {
    for (const auto& [k, o] : objects_) keep(o);
    return;
  }
  std::string prefix = std::string(ns) + "/";
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.starts_with(prefix); ++it) {
    keep(it->second);
  }
}

ResourceCache::Snapshot ResourceCache::list(std::string_view ns, const FieldSelector& fields,
                                            const LabelSelector& labels) const {
  if (fields.empty() && labels.empty()) return list(ns);
  Snapshot s;
  MutexLock l(mu_);
  s.rv = rv_;
  std::optional<std::string_view> in_ns;
  if (!ns.empty()) in_ns = ns;
  if (!indexed_ || index_.count_candidates(in_ns, fields, labels) >= objects_.size()) {
    scan_locked(ns, fields, labels, s.items);
    return s;
  }
  // The store answers in no particular order: sort as the view is sorted
  // (by the "namespace/name" key string, as etcd orders its keys).
  auto found = index_.list(in_ns, fields, labels);
  std::vector<std::pair<std::string, ObjectPtr>> keyed;
  keyed.reserve(found.size());
  for (auto& o : found) keyed.emplace_back(object_key(*o), std::move(o));
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  s.items.reserve(keyed.size());
  for (auto& [k, o] : keyed) s.items.push_back(std::move(o));
  return s;
}

std::size_t ResourceCache::count_candidates(std::string_view ns, const FieldSelector& fields,
                                            const LabelSelector& labels) const {
  MutexLock l(mu_);
  if (!indexed_ || (fields.empty() && labels.empty())) return objects_.size();
  std::optional<std::string_view> in_ns;
  if (!ns.empty()) in_ns = ns;
  return std::min(index_.count_candidates(in_ns, fields, labels), objects_.size());
}

ObjectPtr ResourceCache::get(std::string_view ns, std::string_view name) const {
  std::string key = make_key(ns, name);
  MutexLock l(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::optional<std::map<std::string, ObjectPtr, std::less<>>> ResourceCache::undo_since_locked(
    std::uint64_t rv) const {
  if (rv < floor_ || rv > rv_) return std::nullopt;
  std::map<std::string, ObjectPtr, std::less<>> past;
  // Newest first, so a key's entry ends as its state before the oldest
  // change above rv. Stamps never decrease: those changes are a suffix.
  for (auto it = history_.rbegin(); it != history_.rend() && it->rv > rv; ++it) {
    if (!it->object) return std::nullopt;
    std::string key = object_key(*it->object);
    switch (it->type) {
      case ChangeType::kAdded:
        past[key] = nullptr;
        break;
      case ChangeType::kModified:
        if (!it->prev) return std::nullopt;  // a relist's: the state before is unknown
        past[key] = it->prev;
        break;
      case ChangeType::kDeleted:
        past[key] = it->object;
        break;
    }
  }
  return past;
}

Result<ResourceCache::Page> ResourceCache::list_page(const PageRequest& req) const {
  MutexLock l(mu_);
  Page page;
  page.rv = req.at_rv.value_or(rv_);
  std::map<std::string, ObjectPtr, std::less<>> past;
  if (req.at_rv && *req.at_rv != rv_) {
    auto undo = undo_since_locked(*req.at_rv);
    if (!undo) {
      return Error{410, "Expired", kExpiredContinueMessage, std::nullopt};
    }
    past = std::move(*undo);
  }
  const std::string prefix = req.ns.empty() ? std::string() : std::string(req.ns) + "/";
  const std::string& start = std::max(req.start, prefix);
  const bool filtered =
      (req.fields && !req.fields->empty()) || (req.labels && !req.labels->empty());
  auto matches = [&](const ObjectPtr& o) {
    return o && (!req.fields || req.fields->matches(*o)) &&
           (!req.labels || req.labels->matches(*o));
  };
  std::size_t remaining = 0;
  // Walks the current view and the undone keys side by side, in key order;
  // an undone key's past state replaces its current one.
  auto cur = objects_.lower_bound(start);
  auto old = past.lower_bound(start);
  for (;;) {
    const std::string* key = nullptr;
    ObjectPtr obj;
    if (old != past.end() && (cur == objects_.end() || old->first <= cur->first)) {
      if (cur != objects_.end() && cur->first == old->first) ++cur;
      key = &old->first;
      obj = old->second;
      ++old;
    } else if (cur != objects_.end()) {
      key = &cur->first;
      obj = cur->second;
      ++cur;
    } else {
      break;
    }
    if (!key->starts_with(prefix)) break;  // past the namespace's range
    if (!matches(obj)) continue;
    if (req.limit == 0 || page.items.size() < req.limit) {
      page.items.push_back(std::move(obj));
      continue;
    }
    page.more = true;
    if (filtered) break;
    ++remaining;
  }
  if (page.more && !filtered) page.remaining = remaining;
  return page;
}

Result<ResourceCache::WatchStart> ResourceCache::start_watch(std::optional<std::uint64_t> from_rv,
                                                             bool with_state,
                                                             std::function<void()> wake) {
  MutexLock l(mu_);
  WatchStart w;
  if (from_rv && *from_rv < floor_) {
    // kube-apiserver's words (fixtures/watch/410-watch-too-old.jsonl).
    return Error{410, "Expired",
                 "too old resource version: " + std::to_string(*from_rv) + " (" +
                     std::to_string(floor_) + ")",
                 std::nullopt};
  }
  if (!from_rv || with_state) {
    w.initial.reserve(objects_.size());
    for (const auto& [k, o] : objects_) w.initial.push_back(o);
    w.next_seq = next_seq_;
  } else {
    // The first change stamped above from_rv (stamps never decrease).
    auto it = std::partition_point(history_.begin(), history_.end(),
                                   [&](const Change& c) { return c.rv <= *from_rv; });
    w.next_seq = it == history_.end() ? next_seq_ : it->seq;
  }
  w.rv = rv_;
  w.id = next_watch_id_++;
  watches_.emplace(w.id, std::move(wake));
  return w;
}

ResourceCache::Batch ResourceCache::read(std::uint64_t next_seq, std::size_t max) const {
  Batch b;
  MutexLock l(mu_);
  std::uint64_t first = history_.empty() ? next_seq_ : history_.front().seq;
  if (next_seq < first) {
    b.overrun = true;
    return b;
  }
  for (std::size_t i = next_seq - first; i < history_.size() && b.changes.size() < max; ++i) {
    b.changes.push_back(history_[i]);
  }
  b.next_seq = next_seq + b.changes.size();
  // Caught up: the watch is at the current state; else at its last change.
  b.rv = b.next_seq == next_seq_ ? rv_ : b.changes.back().rv;
  return b;
}

void ResourceCache::end_watch(std::uint64_t id) {
  MutexLock l(mu_);
  watches_.erase(id);
}

ResourceCache::Stats ResourceCache::stats() const {
  Stats s;
  MutexLock l(mu_);
  s.objects = objects_.size();
  s.watches = watches_.size();
  s.history = history_.size();
  s.rv = rv_;
  s.added = added_;
  s.modified = modified_;
  s.deleted = deleted_;
  s.overruns = overruns_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace kube::serve::internal
