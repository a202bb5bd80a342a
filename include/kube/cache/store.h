// kube/cache/store.h — the informer's local cache: Store, Indexer and the
// ThreadSafeStore that implements both.
//
// A Store holds the latest state of each object, keyed by kube::object_key
// ("namespace/name" or "name"). An Indexer is a Store that also files objects
// under named indexes (kube/cache/index.h) and answers label-selector lists
// from a built-in label index. These mirror client-go's cache.Store,
// cache.Indexer and cache.ThreadSafeStore.
//
//   kube::cache::ThreadSafeStore store;      // has the "namespace" index
//   store.add(pod);                          // pod: kube::ObjectPtr
//   kube::ObjectPtr p = store.get_by_key("demo/web");      // nullptr if absent
//   auto in_demo = store.by_index(kube::cache::kNamespaceIndex, "demo");
//   auto sel = kube::LabelSelector::parse("app=web,tier in (edge,frontend)");
//   std::vector<kube::ObjectPtr> web = store.list("demo", *sel);
//
// Contract:
// - Objects are shared, never copied: every read returns the same ObjectPtr
//   that was added. Objects are immutable, so readers need no further lock.
// - add and update are the same operation (insert or replace by key), as in
//   client-go. delete_ of an absent key is not an error.
// - replace(objects, rv) swaps the whole content atomically: readers see the
//   old content or the new, never a mix.
// - list(selector) with at least one `=`/`==` or `in` requirement walks only
//   the keys filed under the most selective such requirement in the label
//   index, then checks the whole selector on each; other selectors scan.
//   list(namespace, selector) also considers the namespace index and walks
//   whichever candidate set is smaller.
// - list(namespace, fields, labels) adds the field selector's `=`/`==`
//   requirements to those candidates: `metadata.namespace=x` uses the
//   namespace index, `metadata.name=x` with a known namespace is one key
//   lookup, and `path=x` (metadata.name too, when the namespace is not
//   known) uses the index named field_index_name(path) when there is one
//   (kube/cache/index.h). It walks the smallest candidate set
//   and checks namespace, labels and every field requirement on each (an
//   indexed field, `=` or `!=`, by a look-up in its index, which files each
//   object under exactly one value; others by reading the field), so it
//   returns exactly what a scan with LabelSelector::matches and
//   FieldSelector::matches returns; without a usable index it scans.
// - Index functions are called with the write lock held; they must be pure
//   and must not call back into the store.
//
// Thread-safety: every method may be called from any thread. Readers share a
// reader lock and never block one another; a writer holds the write lock for
// the duration of one operation (replace and add_indexers hold it while they
// rebuild).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/cache/index.h"
#include "kube/core/mutex.h"
#include "kube/core/object.h"
#include "kube/core/result.h"
#include "kube/core/selector.h"

namespace kube::cache {

// Anything that can list its keys and look an object up by key. The delta
// FIFO uses one (normally the informer's Store) to know which objects exist
// (client-go's KeyListerGetter).
class KeyListerGetter {
 public:
  virtual ~KeyListerGetter() = default;
  virtual std::vector<std::string> list_keys() const = 0;
  // nullptr when no object has that key.
  virtual ObjectPtr get_by_key(std::string_view key) const = 0;
};

class Store : public KeyListerGetter {
 public:
  // Inserts or replaces the object under its key. Fails if the object has no
  // metadata.name.
  virtual Result<void> add(ObjectPtr obj) = 0;
  virtual Result<void> update(ObjectPtr obj) = 0;
  // Removes the object with obj's key (absent is not an error).
  virtual Result<void> delete_(const Object& obj) = 0;
  // Removes by key: for tombstones whose last state is unknown.
  virtual void delete_by_key(std::string_view key) = 0;
  // The stored object with obj's key, or nullptr.
  virtual ObjectPtr get(const Object& obj) const = 0;
  virtual std::vector<ObjectPtr> list() const = 0;
  // Atomically replaces the whole content with `objects` and records
  // resource_version. Fails (changing nothing) if an object has no name.
  virtual Result<void> replace(std::vector<ObjectPtr> objects, std::string resource_version) = 0;
  // The resourceVersion given to the last replace, or of the object given to
  // the last add/update/delete_ (when it had one); "" before any.
  virtual std::string resource_version() const = 0;
  virtual std::size_t size() const = 0;
};

class Indexer : public Store {
 public:
  // Objects that share at least one value of index `index_name` with obj.
  virtual Result<std::vector<ObjectPtr>> index(std::string_view index_name,
                                               const Object& obj) const = 0;
  // Keys of the objects filed under `value` in index `index_name`.
  virtual Result<std::vector<std::string>> index_keys(std::string_view index_name,
                                                      std::string_view value) const = 0;
  // The values index `index_name` currently holds ({} for an unknown index,
  // as client-go).
  virtual std::vector<std::string> list_index_func_values(std::string_view index_name) const = 0;
  // Objects filed under `value` in index `index_name`.
  virtual Result<std::vector<ObjectPtr>> by_index(std::string_view index_name,
                                                  std::string_view value) const = 0;
  // Adds indexes, filing the objects already present. Fails, adding none, if
  // a name is already an index (client-go returns the same error).
  virtual Result<void> add_indexers(Indexers indexers) = 0;
  virtual std::vector<std::string> index_names() const = 0;
  // Objects whose labels match `selector` (the empty selector matches all).
  virtual std::vector<ObjectPtr> list(const LabelSelector& selector) const = 0;
  // Objects in `namespace_` whose labels match `selector`.
  virtual std::vector<ObjectPtr> list(std::string_view namespace_,
                                      const LabelSelector& selector) const = 0;
  // Objects in `namespace_` (every namespace when nullopt) matching both
  // `fields` and `labels`.
  virtual std::vector<ObjectPtr> list(std::optional<std::string_view> namespace_,
                                      const FieldSelector& fields,
                                      const LabelSelector& labels) const = 0;
  using Store::list;
};

class ThreadSafeStore final : public Indexer {
 public:
  // The namespace index (kNamespaceIndex) is always present; `indexers` adds
  // more. An entry named kNamespaceIndex in `indexers` is ignored.
  explicit ThreadSafeStore(Indexers indexers = {});
  ThreadSafeStore(const ThreadSafeStore&) = delete;
  ThreadSafeStore& operator=(const ThreadSafeStore&) = delete;

  Result<void> add(ObjectPtr obj) override;
  Result<void> update(ObjectPtr obj) override;
  // add/update in one step that also returns the object it replaced (null
  // when the key was new): one key computation and one lookup, for writers
  // that need the old object (the informer's update notifications). Fails
  // as add does.
  Result<ObjectPtr> exchange(ObjectPtr obj);
  Result<void> delete_(const Object& obj) override;
  void delete_by_key(std::string_view key) override;
  ObjectPtr get(const Object& obj) const override;
  ObjectPtr get_by_key(std::string_view key) const override;
  std::vector<ObjectPtr> list() const override;
  std::vector<std::string> list_keys() const override;
  Result<void> replace(std::vector<ObjectPtr> objects, std::string resource_version) override;
  std::string resource_version() const override;
  std::size_t size() const override;

  Result<std::vector<ObjectPtr>> index(std::string_view index_name,
                                       const Object& obj) const override;
  Result<std::vector<std::string>> index_keys(std::string_view index_name,
                                              std::string_view value) const override;
  std::vector<std::string> list_index_func_values(std::string_view index_name) const override;
  Result<std::vector<ObjectPtr>> by_index(std::string_view index_name,
                                          std::string_view value) const override;
  Result<void> add_indexers(Indexers indexers) override;
  std::vector<std::string> index_names() const override;
  std::vector<ObjectPtr> list(const LabelSelector& selector) const override;
  std::vector<ObjectPtr> list(std::string_view namespace_,
                              const LabelSelector& selector) const override;
  std::vector<ObjectPtr> list(std::optional<std::string_view> namespace_,
                              const FieldSelector& fields,
                              const LabelSelector& labels) const override;
  using Indexer::list;

  // How many objects list(selector) or list(*namespace_, selector) would
  // examine: the size of the candidate set it picks from the indexes, or
  // size() when it must scan. For tests and for tuning selectors.
  std::size_t count_candidates(std::optional<std::string_view> namespace_,
                               const LabelSelector& selector) const;
  // The same for list(namespace_, fields, labels).
  std::size_t count_candidates(std::optional<std::string_view> namespace_,
                               const FieldSelector& fields, const LabelSelector& labels) const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Items = std::unordered_map<std::string, ObjectPtr, StringHash, std::equal_to<>>;
  using Node = Items::value_type;
  // Index sets hold pointers to items_ nodes (unordered_map nodes never
  // move), so a key is stored once however many indexes file it, and a
  // candidate needs no second lookup. A node is removed from every set
  // before it is erased.
  using KeySet = std::unordered_set<const Node*>;
  // index value -> nodes filed under it
  using ValueIndex = std::unordered_map<std::string, KeySet, StringHash, std::equal_to<>>;
  struct NamedIndex {
    IndexFunc func;
    ValueIndex values;
    // The built-in kNamespaceIndex: its value is obj.namespace_(), read
    // without calling `func` (which allocates).
    bool by_namespace = false;
    // A field index (named field_index_name(path)): its value is slot
    // `field_slot` of field_values(obj), read with the other field indexes'
    // in one pass over the object's JSON instead of one pass each.
    int field_slot = -1;
  };
  // Registers `index` under `name`, giving a field index its slot.
  NamedIndex& add_index_locked(const std::string& name, IndexFunc func, bool by_namespace = false)
      KUBE_REQUIRES(mu_);
  // The value of every field index for `obj`, by slot ("" for a missing field,
  // as field_index_func gives).
  std::vector<std::string> field_values(const Object& obj) const KUBE_REQUIRES(mu_);

  Result<ObjectPtr> upsert(ObjectPtr obj) KUBE_EXCLUDES(mu_);
  void file(const Node* node, const Object& obj) KUBE_REQUIRES(mu_);
  void unfile(const Node* node, const Object& obj) KUBE_REQUIRES(mu_);
  // unfile(node, old_obj) then file(node, new_obj), touching only the
  // indexes whose values differ (an update rarely changes labels).
  void refile(const Node* node, const Object& old_obj, const Object& new_obj) KUBE_REQUIRES(mu_);
  void file_value(ValueIndex& values, std::string_view value, const Node* node) KUBE_REQUIRES(mu_);
  void erase_locked(Items::iterator it) KUBE_REQUIRES(mu_);
  const KeySet* label_keys(std::string_view label, std::string_view value) const
      KUBE_REQUIRES_SHARED(mu_);
  // The keys a selector list must examine: the union of `sets` (disjoint)
  // plus `node`, or every item when `scan`.
  struct Plan {
    bool scan = true;
    std::vector<const KeySet*> sets;
    const Node* node = nullptr;
    std::size_t size = 0;
  };
  // One candidate set: the keys filed under `value` in `index` (an empty plan
  // when none are).
  Plan index_plan_locked(const ValueIndex& index, std::string_view value) const
      KUBE_REQUIRES_SHARED(mu_);
  // The index that files every object under its value of field selector
  // path `field`: the namespace index for metadata.namespace, else the index
  // named field_index_name(field); nullptr when there is none.
  const ValueIndex* field_index_locked(std::string_view field) const KUBE_REQUIRES_SHARED(mu_);
  // How select_locked checks one field requirement on a candidate: when the
  // field has an index, by looking the candidate up in the bucket of the
  // requirement's value (each object is in exactly one bucket), else by
  // reading the field from the object's JSON.
  struct FieldCheck {
    const FieldRequirement* req = nullptr;
    bool indexed = false;
    const KeySet* bucket = nullptr;  // when indexed: nullptr if no object has that value
  };
  std::vector<FieldCheck> field_checks_locked(const FieldSelector& fields) const
      KUBE_REQUIRES_SHARED(mu_);
  Plan plan_locked(std::optional<std::string_view> namespace_, const FieldSelector& fields,
                   const LabelSelector& labels) const KUBE_REQUIRES_SHARED(mu_);
  std::vector<ObjectPtr> select_locked(std::optional<std::string_view> namespace_,
                                       const FieldSelector& fields,
                                       const LabelSelector& labels) const KUBE_REQUIRES_SHARED(mu_);

  // Guards all the state below: the items, every index, and the resource
  // version. Readers take it shared; add/update/delete/replace/add_indexers
  // take it exclusive.
  mutable SharedMutex mu_;
  Items items_ KUBE_GUARDED_BY(mu_);
  // index name -> its function and contents; always holds kNamespaceIndex.
  std::map<std::string, NamedIndex, std::less<>> indices_ KUBE_GUARDED_BY(mu_);
  // The paths of the field indexes, by slot.
  std::vector<std::string> field_paths_ KUBE_GUARDED_BY(mu_);
  // label key -> label value -> keys: the built-in label index.
  std::unordered_map<std::string, ValueIndex, StringHash, std::equal_to<>> labels_
      KUBE_GUARDED_BY(mu_);
  std::string resource_version_ KUBE_GUARDED_BY(mu_);
};

}  // namespace kube::cache
