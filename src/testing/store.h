// Internal: the embedded API server's storage — every object of every
// resource, in memory, under one global resourceVersion counter (like etcd's
// revision), with an event history window for watches and consistent paging.
//
// Objects are stored as kube::ObjectPtr with "kind", "apiVersion" and
// "metadata" first, so a list of built-ins can serve an item's stored bytes
// with the kind/apiVersion prefix cut off (typed lists omit them).
//
// Consistent snapshots: the state at resourceVersion N is the current state
// with the history entries newer than N undone (each entry keeps the previous
// object). N older than the history window answers 410 Expired.
//
// Thread-safety: every method may be called from any thread; one mutex
// (mu_) guards all state. Lock order: Store::mu_ before Watcher::mu_. A write
// queues its event on the watchers under mu_ (so each watch sees writes in
// resourceVersion order) and wakes their streams after releasing it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "kube/core/continue_token.h"
#include "kube/core/mutex.h"
#include "kube/core/object.h"
#include "kube/core/result.h"
#include "kube/core/selector.h"
#include "src/testing/resources.h"

namespace kube::testing::internal {

enum class EventType { kAdded, kModified, kDeleted };

struct WatchEvent {
  EventType type = EventType::kAdded;
  std::int64_t rv = 0;
  ObjectPtr object;  // the new state (for kDeleted: the last state, at the delete's rv)
  ObjectPtr prev;    // the state before (null for kAdded)
};

// One watch's queue. The store pushes under its lock and, once it has
// released it, calls notify() for each watcher whose push() returned true;
// the watch stream (one coroutine) takes. `notify` must not block (it posts
// to the stream's strand).
class Watcher {
 public:
  Watcher(std::string namespace_, std::function<void()> notify)
      : namespace_(std::move(namespace_)), notify_(std::move(notify)) {}
  const std::string& namespace_filter() const { return namespace_; }
  // Queues `event`; true when the queue was empty (the stream may be asleep:
  // call notify()).
  bool push(WatchEvent event);
  void notify() { notify_(); }
  // Moves everything queued so far to the end of `into` (a swap when `into`
  // is empty, so the two vectors' memory is reused); `closed` is set when the
  // store ended the watch. After cut(), empties `into` instead: the events
  // the stream still holds are not sent either.
  void take(std::vector<WatchEvent>& into, bool& closed);
  // Ends the watch once what is queued has gone out (the resource went away:
  // its last DELETED events are still delivered).
  void close();
  // Ends the watch now, sending nothing more: a server that stops a watch
  // (close_watches_now(), a restart) writes none of what is still queued, and
  // the client resumes from the last event it saw.
  void cut();
  bool closed() const;

 private:
  const std::string namespace_;  // "" = all namespaces
  const std::function<void()> notify_;
  mutable kube::Mutex mu_;  // guards queue_, closed_ and cut_
  std::vector<WatchEvent> queue_ KUBE_GUARDED_BY(mu_);
  bool closed_ KUBE_GUARDED_BY(mu_) = false;
  bool cut_ KUBE_GUARDED_BY(mu_) = false;
};

struct ListOptions {
  std::string resource_version;        // "", "0" or N
  std::string resource_version_match;  // "", "Exact", "NotOlderThan"
  std::int64_t limit = 0;
  std::string continue_token;
  LabelSelector label_selector;
  FieldSelector field_selector;
};

struct ListResult {
  std::int64_t resource_version = 0;
  std::vector<ObjectPtr> items;
  std::string continue_token;
  std::optional<std::int64_t> remaining_item_count;
};

struct WatchStart {
  std::shared_ptr<Watcher> watcher;
  std::vector<WatchEvent> initial;  // replayed history or the current state as ADDED
  std::int64_t resource_version = 0;  // the store's revision when the watch began
};

struct Preconditions {
  std::string uid;
  std::string resource_version;
};

struct DeleteResult {
  ObjectPtr object;
  bool removed = false;  // false: finalizers pending, deletionTimestamp set
};

enum class Subresource { kNone, kStatus };

class Store {
 public:
  explicit Store(std::size_t history_window);

  ResourcePtr find_resource(const std::string& group, const std::string& version,
                            const std::string& resource) const;
  // Runs `fn` with the registry under the lock (discovery documents).
  boost::json::value with_registry(
      const std::function<boost::json::value(const ResourceRegistry&)>& fn) const;
  std::int64_t resource_version() const;

  Result<ObjectPtr> get(const ResourceInfo& res, const std::string& ns, const std::string& name) const;
  Result<ListResult> list(const ResourceInfo& res, const std::string& ns, const ListOptions& opts) const;
  // `from_rv`: "" or "0" start with the current state as ADDED events
  // (or when `initial_state` is set); N replays the history after N.
  Result<WatchStart> watch(const ResourceInfo& res, const std::string& ns, const std::string& from_rv,
                           bool initial_state, std::function<void()> notify);

  Result<ObjectPtr> create(const ResourceInfo& res, const std::string& ns, boost::json::object obj);
  Result<ObjectPtr> update(const ResourceInfo& res, const std::string& ns, const std::string& name,
                           boost::json::object obj, Subresource sub);
  // Read-modify-write (PATCH): `fn` gets the current object, outside the lock;
  // if another write replaced the object meanwhile, `fn` runs again on the new
  // one (no update is lost).
  Result<ObjectPtr> modify(const ResourceInfo& res, const std::string& ns, const std::string& name,
                           Subresource sub,
                           const std::function<Result<boost::json::value>(const boost::json::value&)>& fn);
  Result<DeleteResult> remove(const ResourceInfo& res, const std::string& ns, const std::string& name,
                              const Preconditions& pre);
  Result<std::vector<ObjectPtr>> remove_collection(const ResourceInfo& res, const std::string& ns,
                                                   const LabelSelector& labels,
                                                   const FieldSelector& fields);

  // Drops the whole history (older resourceVersions now get 410).
  void compact();
  // Ends every watch now, sending nothing more (fault injection, restart,
  // stop): Watcher::cut().
  void close_watchers();
  // Watches registered and not closed (each is registered before its client
  // sees the response headers).
  std::size_t open_watchers() const;

  // Persistence: every object, CRDs and namespaces first.
  std::string snapshot() const;
  Result<void> restore(std::string_view snapshot);

 private:
  struct HistoryEntry {
    std::int64_t rv;
    std::string group_resource;
    std::string key;
    EventType type;
    ObjectPtr object;
    ObjectPtr prev;
  };
  using Table = std::map<std::string, ObjectPtr>;  // key "ns/name" or "name"
  class WriteLock;
  // Releases mu_, then notifies the watchers that record() queued a first
  // event on (a post to an I/O strand need not make other writers wait).
  void unlock_and_wake() KUBE_RELEASE(mu_);

  Table& table(const ResourceInfo& res) KUBE_REQUIRES(mu_);
  const Table* table_if(const ResourceInfo& res) const KUBE_REQUIRES(mu_);
  Result<Table> snapshot_at(const ResourceInfo& res, std::int64_t rv) const KUBE_REQUIRES(mu_);
  // Appends to the history and queues the event on the watchers that can see
  // it; the caller holds a WriteLock, which wakes them when it unlocks.
  void record(const ResourceInfo& res, const std::string& key, EventType type, ObjectPtr obj,
              ObjectPtr prev) KUBE_REQUIRES(mu_);
  // `prev`: `old` decoded (the caller may have decoded it outside the lock).
  Result<ObjectPtr> write_update(const ResourceInfo& res, const std::string& key,
                                 const ObjectPtr& old, boost::json::object prev,
                                 boost::json::object obj, Subresource sub) KUBE_REQUIRES(mu_);
  Result<DeleteResult> remove_locked(const ResourceInfo& res, const std::string& key,
                                     const Preconditions& pre) KUBE_REQUIRES(mu_);
  void erase_object(const ResourceInfo& res, const std::string& key, const ObjectPtr& old)
      KUBE_REQUIRES(mu_);
  Result<void> check_namespace(const ResourceInfo& res, const std::string& ns) const KUBE_REQUIRES(mu_);
  std::string new_uid() KUBE_REQUIRES(mu_);
  void on_crd_written(const ObjectPtr& crd) KUBE_REQUIRES(mu_);
  void on_crd_removed(const ObjectPtr& crd) KUBE_REQUIRES(mu_);

  const std::size_t history_window_;
  mutable kube::Mutex mu_;  // guards everything below
  ResourceRegistry registry_ KUBE_GUARDED_BY(mu_);
  std::int64_t rv_ KUBE_GUARDED_BY(mu_) = 1;
  std::int64_t compacted_rv_ KUBE_GUARDED_BY(mu_) = 1;  // history holds every write after this
  std::map<std::string, Table> tables_ KUBE_GUARDED_BY(mu_);  // by group_resource
  std::deque<HistoryEntry> history_ KUBE_GUARDED_BY(mu_);
  // One resource's watches, indexed so that a write visits only the watches
  // that can see it: those of every namespace (and of a cluster-scoped
  // resource) in `all`, the rest under their namespace.
  struct Watchers {
    std::vector<std::weak_ptr<Watcher>> all;
    std::map<std::string, std::vector<std::weak_ptr<Watcher>>, std::less<>> by_namespace;
    template <class Fn>
    void for_each(Fn&& fn) const;  // fn(Watcher&) for every live watcher
  };
  std::map<std::string, Watchers> watchers_ KUBE_GUARDED_BY(mu_);  // by group_resource
  std::vector<std::shared_ptr<Watcher>> to_wake_ KUBE_GUARDED_BY(mu_);  // by record(), for unlock_and_wake()
  std::mt19937_64 rng_ KUBE_GUARDED_BY(mu_);
};

// Builds the stored form of an object: kind, apiVersion, metadata first
// (metadata fields in kube-apiserver's order), then the rest.
Result<ObjectPtr> make_object(const boost::json::object& obj);
// "2026-11-24T12:31:11Z" for now.
std::string now_rfc3339();
// kube-apiserver's continue token (kube/core/continue_token.h).
using kube::ContinueToken;
using kube::decode_continue;
using kube::encode_continue;
// A resourceVersion query parameter as kube-apiserver's ParseResourceVersion
// reads it: "" and "0" are 0, else an unsigned decimal integer (no sign, no
// spaces, no trailing text) that fits; anything else is a 400 naming it.
Result<std::int64_t> parse_resource_version(const std::string& rv);

}  // namespace kube::testing::internal
