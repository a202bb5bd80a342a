// ThreadSafeStore: items by key, named indexes and the label index. See
// kube/cache/store.h for the contract; this follows client-go's
// thread_safe_store.go (storeIndex.updateIndices) in filing and unfiling.
#include "kube/cache/store.h"

#include <algorithm>
#include <utility>

#include "kube/core/key.h"

namespace kube::cache {
namespace {

Result<std::string> key_of(const Object& obj) {
  if (obj.name().empty()) {
    return Error::invalid_argument("store: object " + std::string(obj.kind()) +
                                   " in namespace \"" + std::string(obj.namespace_()) +
                                   "\" has no metadata.name, so it has no cache key");
  }
  return object_key(obj);
}

Error unknown_index(std::string_view name) {
  // client-go: "Index with name %s does not exist"
  return Error::not_found("store: index \"" + std::string(name) + "\" does not exist");
}

template <class Map, class Node>
void erase_from(Map& values, std::string_view value, const Node* node) {
  auto it = values.find(value);
  if (it == values.end()) return;
  it->second.erase(node);
  // Drop empty sets, or churn over unique values (pod-template-hash) would
  // leak one empty set per value ever seen.
  if (it->second.empty()) values.erase(it);
}

}  // namespace

ThreadSafeStore::ThreadSafeStore(Indexers indexers) {
  WriterLock l(mu_);
  add_index_locked(std::string(kNamespaceIndex), namespace_index_func, true);
  for (auto& [name, func] : indexers) {
    if (name == kNamespaceIndex) continue;
    add_index_locked(name, std::move(func));
  }
}

ThreadSafeStore::NamedIndex& ThreadSafeStore::add_index_locked(const std::string& name, IndexFunc func,
                                                               bool by_namespace) {
  NamedIndex& index = indices_.emplace(name, NamedIndex{std::move(func), {}, by_namespace}).first->second;
  // index.h: a "field:" index files each object under its field-selector
  // value at the path, as field_index_func does; so it is computed here,
  // together with the other field indexes.
  if (!by_namespace && name.starts_with(kFieldIndexPrefix)) {
    index.field_slot = static_cast<int>(field_paths_.size());
    field_paths_.push_back(name.substr(kFieldIndexPrefix.size()));
  }
  return index;
}

std::vector<std::string> ThreadSafeStore::field_values(const Object& obj) const {
  std::vector<std::string> out;
  if (field_paths_.empty()) return out;
  out.reserve(field_paths_.size());
  for (auto& v : obj.field_strings(field_paths_)) out.push_back(v ? std::move(*v) : std::string());
  return out;
}

void ThreadSafeStore::file_value(ValueIndex& values, std::string_view value, const Node* node) {
  auto it = values.find(value);
  if (it == values.end()) it = values.emplace(std::string(value), KeySet{}).first;
  it->second.insert(node);
}

void ThreadSafeStore::file(const Node* node, const Object& obj) {
  const std::vector<std::string> fields = field_values(obj);
  for (auto& [name, index] : indices_) {
    if (index.by_namespace) {
      file_value(index.values, obj.namespace_(), node);
      continue;
    }
    if (index.field_slot >= 0) {
      file_value(index.values, fields[index.field_slot], node);
      continue;
    }
    for (std::string& value : index.func(obj)) {
      index.values[std::move(value)].insert(node);
    }
  }
  for (const Label& l : obj.labels()) {
    auto by_key = labels_.find(l.key);
    if (by_key == labels_.end()) by_key = labels_.emplace(std::string(l.key), ValueIndex{}).first;
    file_value(by_key->second, l.value, node);
  }
}

void ThreadSafeStore::unfile(const Node* node, const Object& obj) {
  const std::vector<std::string> fields = field_values(obj);
  for (auto& [name, index] : indices_) {
    if (index.by_namespace) {
      erase_from(index.values, obj.namespace_(), node);
      continue;
    }
    if (index.field_slot >= 0) {
      erase_from(index.values, fields[index.field_slot], node);
      continue;
    }
    for (const std::string& value : index.func(obj)) erase_from(index.values, value, node);
  }
  for (const Label& l : obj.labels()) {
    auto by_key = labels_.find(l.key);
    if (by_key == labels_.end()) continue;
    erase_from(by_key->second, l.value, node);
    if (by_key->second.empty()) labels_.erase(by_key);
  }
}

void ThreadSafeStore::refile(const Node* node, const Object& old_obj, const Object& new_obj) {
  const std::vector<std::string> old_fields = field_values(old_obj);
  const std::vector<std::string> new_fields = field_values(new_obj);
  for (auto& [name, index] : indices_) {
    if (index.by_namespace) {
      if (old_obj.namespace_() == new_obj.namespace_()) continue;
      erase_from(index.values, old_obj.namespace_(), node);
      file_value(index.values, new_obj.namespace_(), node);
      continue;
    }
    if (index.field_slot >= 0) {
      const std::string& before = old_fields[index.field_slot];
      const std::string& after = new_fields[index.field_slot];
      if (before == after) continue;
      erase_from(index.values, before, node);
      file_value(index.values, after, node);
      continue;
    }
    std::vector<std::string> old_values = index.func(old_obj);
    std::vector<std::string> new_values = index.func(new_obj);
    if (old_values == new_values) continue;  // the node is filed under them already
    for (const std::string& value : old_values) erase_from(index.values, value, node);
    for (std::string& value : new_values) index.values[std::move(value)].insert(node);
  }
  auto same = [](std::span<const Label> a, std::span<const Label> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Label& x, const Label& y) {
      return x.key == y.key && x.value == y.value;
    });
  };
  if (same(old_obj.labels(), new_obj.labels())) return;
  for (const Label& l : old_obj.labels()) {
    auto by_key = labels_.find(l.key);
    if (by_key == labels_.end()) continue;
    erase_from(by_key->second, l.value, node);
    if (by_key->second.empty()) labels_.erase(by_key);
  }
  for (const Label& l : new_obj.labels()) {
    auto by_key = labels_.find(l.key);
    if (by_key == labels_.end()) by_key = labels_.emplace(std::string(l.key), ValueIndex{}).first;
    file_value(by_key->second, l.value, node);
  }
}

Result<ObjectPtr> ThreadSafeStore::upsert(ObjectPtr obj) {
  if (!obj) return Error::invalid_argument("store: add/update of a null object");
  auto key = key_of(*obj);
  if (!key) return key.error();
  WriterLock l(mu_);
  auto [it, inserted] = items_.try_emplace(std::move(*key), nullptr);
  ObjectPtr old = std::exchange(it->second, std::move(obj));
  if (inserted) {
    file(&*it, *it->second);
  } else {
    refile(&*it, *old, *it->second);
  }
  if (!it->second->resource_version().empty()) {
    resource_version_.assign(it->second->resource_version());
  }
  return old;
}

Result<void> ThreadSafeStore::add(ObjectPtr obj) {
  if (auto r = upsert(std::move(obj)); !r) return r.error();
  return {};
}
Result<void> ThreadSafeStore::update(ObjectPtr obj) { return add(std::move(obj)); }
Result<ObjectPtr> ThreadSafeStore::exchange(ObjectPtr obj) { return upsert(std::move(obj)); }

void ThreadSafeStore::erase_locked(Items::iterator it) {
  unfile(&*it, *it->second);
  items_.erase(it);
}

Result<void> ThreadSafeStore::delete_(const Object& obj) {
  auto key = key_of(obj);
  if (!key) return key.error();
  WriterLock l(mu_);
  if (auto it = items_.find(*key); it != items_.end()) erase_locked(it);
  if (!obj.resource_version().empty()) resource_version_ = std::string(obj.resource_version());
  return {};
}

void ThreadSafeStore::delete_by_key(std::string_view key) {
  WriterLock l(mu_);
  if (auto it = items_.find(key); it != items_.end()) erase_locked(it);
}

ObjectPtr ThreadSafeStore::get(const Object& obj) const {
  if (obj.name().empty()) return nullptr;
  return get_by_key(object_key(obj));
}

ObjectPtr ThreadSafeStore::get_by_key(std::string_view key) const {
  ReaderLock l(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ThreadSafeStore::list() const {
  ReaderLock l(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<std::string> ThreadSafeStore::list_keys() const {
  ReaderLock l(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(key);
  return out;
}

Result<void> ThreadSafeStore::replace(std::vector<ObjectPtr> objects, std::string resource_version) {
  // Compute every key before taking the lock, so a bad object changes nothing.
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const ObjectPtr& obj : objects) {
    if (!obj) return Error::invalid_argument("store: replace: null object in list");
    auto key = key_of(*obj);
    if (!key) return key.error();
    keys.push_back(std::move(*key));
  }
  // Build the new content aside, then swap it in, so the old content is freed
  // after the lock is released.
  Items old_items;
  std::map<std::string, NamedIndex, std::less<>> old_indices;
  std::unordered_map<std::string, ValueIndex, StringHash, std::equal_to<>> old_labels;
  {
    WriterLock l(mu_);
    old_items.swap(items_);
    old_labels.swap(labels_);
    for (auto& [name, index] : indices_) old_indices[name].values.swap(index.values);
    items_.reserve(objects.size());
    for (std::size_t i = 0; i < objects.size(); ++i) {
      auto [it, inserted] = items_.try_emplace(std::move(keys[i]), nullptr);
      ObjectPtr earlier = std::exchange(it->second, std::move(objects[i]));
      if (inserted) {
        file(&*it, *it->second);
      } else {
        refile(&*it, *earlier, *it->second);  // a key listed twice: the last wins, filed as itself
      }
    }
    resource_version_ = std::move(resource_version);
  }
  return {};
}

std::string ThreadSafeStore::resource_version() const {
  ReaderLock l(mu_);
  return resource_version_;
}

std::size_t ThreadSafeStore::size() const {
  ReaderLock l(mu_);
  return items_.size();
}

Result<std::vector<ObjectPtr>> ThreadSafeStore::index(std::string_view index_name,
                                                      const Object& obj) const {
  ReaderLock l(mu_);
  auto idx = indices_.find(index_name);
  if (idx == indices_.end()) return unknown_index(index_name);
  std::vector<std::string> values = idx->second.func(obj);
  std::vector<ObjectPtr> out;
  if (values.size() == 1) {
    // The common case needs no de-duplication.
    if (auto v = idx->second.values.find(values[0]); v != idx->second.values.end()) {
      out.reserve(v->second.size());
      for (const Node* n : v->second) out.push_back(n->second);
    }
    return out;
  }
  std::unordered_set<const Node*> seen;
  for (const std::string& value : values) {
    auto v = idx->second.values.find(value);
    if (v == idx->second.values.end()) continue;
    for (const Node* n : v->second) {
      if (seen.insert(n).second) out.push_back(n->second);
    }
  }
  return out;
}

Result<std::vector<std::string>> ThreadSafeStore::index_keys(std::string_view index_name,
                                                             std::string_view value) const {
  ReaderLock l(mu_);
  auto idx = indices_.find(index_name);
  if (idx == indices_.end()) return unknown_index(index_name);
  std::vector<std::string> out;
  if (auto v = idx->second.values.find(value); v != idx->second.values.end()) {
    out.reserve(v->second.size());
    for (const Node* n : v->second) out.push_back(n->first);
  }
  return out;
}

std::vector<std::string> ThreadSafeStore::list_index_func_values(std::string_view index_name) const {
  ReaderLock l(mu_);
  std::vector<std::string> out;
  auto idx = indices_.find(index_name);
  if (idx == indices_.end()) return out;
  out.reserve(idx->second.values.size());
  for (const auto& [value, keys] : idx->second.values) out.push_back(value);
  return out;
}

Result<std::vector<ObjectPtr>> ThreadSafeStore::by_index(std::string_view index_name,
                                                         std::string_view value) const {
  ReaderLock l(mu_);
  auto idx = indices_.find(index_name);
  if (idx == indices_.end()) return unknown_index(index_name);
  std::vector<ObjectPtr> out;
  if (auto v = idx->second.values.find(value); v != idx->second.values.end()) {
    out.reserve(v->second.size());
    for (const Node* n : v->second) out.push_back(n->second);
  }
  return out;
}

Result<void> ThreadSafeStore::add_indexers(Indexers indexers) {
  WriterLock l(mu_);
  for (const auto& [name, func] : indexers) {
    // client-go: "indexer conflict: map[...]" — an index name may be added once.
    if (indices_.contains(name)) {
      return Error::invalid_argument("store: add_indexers: index \"" + name + "\" already exists");
    }
    if (!func) return Error::invalid_argument("store: add_indexers: index \"" + name + "\" has no function");
  }
  for (auto& [name, func] : indexers) {
    NamedIndex& index = add_index_locked(name, std::move(func));
    for (const Node& node : items_) {
      for (std::string& value : index.func(*node.second)) index.values[std::move(value)].insert(&node);
    }
  }
  return {};
}

std::vector<std::string> ThreadSafeStore::index_names() const {
  ReaderLock l(mu_);
  std::vector<std::string> out;
  for (const auto& [name, index] : indices_) out.push_back(name);
  return out;
}

const ThreadSafeStore::KeySet* ThreadSafeStore::label_keys(std::string_view label,
                                                           std::string_view value) const {
  auto by_key = labels_.find(label);
  if (by_key == labels_.end()) return nullptr;
  auto by_value = by_key->second.find(value);
  return by_value == by_key->second.end() ? nullptr : &by_value->second;
}

ThreadSafeStore::Plan ThreadSafeStore::index_plan_locked(const ValueIndex& index,
                                                         std::string_view value) const {
  Plan p;
  p.scan = false;
  if (auto it = index.find(value); it != index.end()) {
    p.sets.push_back(&it->second);
    p.size = it->second.size();
  }
  return p;
}

const ThreadSafeStore::ValueIndex* ThreadSafeStore::field_index_locked(
    std::string_view field) const {
  // The namespace index files namespace_(), which is what
  // field_string("metadata.namespace") gives ("" when cluster-scoped).
  if (field == "metadata.namespace") return &indices_.find(kNamespaceIndex)->second.values;
  auto it = indices_.find(field_index_name(field));
  return it == indices_.end() ? nullptr : &it->second.values;
}

std::vector<ThreadSafeStore::FieldCheck> ThreadSafeStore::field_checks_locked(
    const FieldSelector& fields) const {
  std::vector<FieldCheck> out;
  out.reserve(fields.requirements().size());
  for (const FieldRequirement& req : fields.requirements()) {
    FieldCheck check{.req = &req};
    if (const ValueIndex* index = field_index_locked(req.field)) {
      check.indexed = true;
      if (auto it = index->find(req.value); it != index->end()) check.bucket = &it->second;
    }
    out.push_back(check);
  }
  return out;
}

ThreadSafeStore::Plan ThreadSafeStore::plan_locked(std::optional<std::string_view> namespace_,
                                                   const FieldSelector& fields,
                                                   const LabelSelector& labels) const {
  // Candidates: the smallest of the sets the indexes give for one
  // requirement each. Every requirement is checked again on each candidate
  // (select_locked), so a plan only has to hold every match.
  Plan plan;
  auto consider = [&plan](Plan p) {
    if (plan.scan || p.size < plan.size) plan = std::move(p);
  };
  // An object has one value per label key, so the sets of one `in`
  // requirement are disjoint and their union needs no de-duplication.
  for (const LabelRequirement& req : labels.requirements()) {
    if (req.op != SelectorOp::kEquals && req.op != SelectorOp::kIn) continue;
    Plan p;
    p.scan = false;
    for (const std::string& value : req.values) {
      if (const KeySet* s = label_keys(req.key, value)) {
        p.sets.push_back(s);
        p.size += s->size();
      }
    }
    consider(std::move(p));
  }
  std::optional<std::string_view> known_namespace = namespace_;
  if (namespace_) {
    consider(index_plan_locked(indices_.find(kNamespaceIndex)->second.values, *namespace_));
  }
  const std::string* name = nullptr;
  for (const FieldRequirement& req : fields.requirements()) {
    if (req.negated) continue;
    // metadata.name: one key lookup when the namespace is known (below), else
    // its field index when the store has one (the cache service adds it).
    if (req.field == "metadata.name") name = &req.value;
    if (req.field == "metadata.namespace" && !known_namespace) known_namespace = req.value;
    if (const ValueIndex* index = field_index_locked(req.field)) {
      consider(index_plan_locked(*index, req.value));
    }
  }
  if (name && known_namespace) {
    // A conflicting second namespace requirement leaves nothing to find, and
    // select_locked checks them all.
    Plan p;
    p.scan = false;
    if (auto it = items_.find(make_key(*known_namespace, *name)); it != items_.end()) {
      p.node = &*it;
      p.size = 1;
    }
    consider(std::move(p));
  }
  if (plan.scan) plan.size = items_.size();
  return plan;
}

std::vector<ObjectPtr> ThreadSafeStore::select_locked(std::optional<std::string_view> namespace_,
                                                      const FieldSelector& fields,
                                                      const LabelSelector& labels) const {
  Plan plan = plan_locked(namespace_, fields, labels);
  std::vector<FieldCheck> checks = field_checks_locked(fields);
  std::vector<ObjectPtr> out;
  // Cheapest checks first: an index lookup costs a hash probe, reading a
  // field from the object's JSON about a microsecond.
  auto consider = [&](const Node* node) {
    const Object& obj = *node->second;
    if (namespace_ && obj.namespace_() != *namespace_) return;
    for (const FieldCheck& c : checks) {
      if (c.indexed && (c.bucket && c.bucket->contains(node)) == c.req->negated) return;
    }
    if (!labels.matches(obj)) return;
    for (const FieldCheck& c : checks) {
      if (!c.indexed && !c.req->matches(obj)) return;
    }
    out.push_back(node->second);
  };
  if (plan.scan) {
    for (const Node& node : items_) consider(&node);
    return out;
  }
  out.reserve(plan.size);
  for (const KeySet* set : plan.sets) {
    for (const Node* n : *set) consider(n);
  }
  if (plan.node) consider(plan.node);
  return out;
}

std::vector<ObjectPtr> ThreadSafeStore::list(const LabelSelector& selector) const {
  if (selector.empty()) return list();
  ReaderLock l(mu_);
  return select_locked(std::nullopt, FieldSelector{}, selector);
}

std::vector<ObjectPtr> ThreadSafeStore::list(std::string_view namespace_,
                                             const LabelSelector& selector) const {
  ReaderLock l(mu_);
  return select_locked(namespace_, FieldSelector{}, selector);
}

std::vector<ObjectPtr> ThreadSafeStore::list(std::optional<std::string_view> namespace_,
                                             const FieldSelector& fields,
                                             const LabelSelector& labels) const {
  if (!namespace_ && fields.empty() && labels.empty()) return list();
  ReaderLock l(mu_);
  return select_locked(namespace_, fields, labels);
}

std::size_t ThreadSafeStore::count_candidates(std::optional<std::string_view> namespace_,
                                              const LabelSelector& selector) const {
  return count_candidates(namespace_, FieldSelector{}, selector);
}

std::size_t ThreadSafeStore::count_candidates(std::optional<std::string_view> namespace_,
                                              const FieldSelector& fields,
                                              const LabelSelector& labels) const {
  ReaderLock l(mu_);
  return plan_locked(namespace_, fields, labels).size;
}

}  // namespace kube::cache
