// Internal: one served resource's view of its informer — the current objects
// (key → shared immutable object) and a bounded history of the changes, both
// updated by the same event handler under one mutex, so that a list at
// resourceVersion N and a watch from N agree (see kube/serve/cache_server.h).
//
// Resource versions: every change is stamped with its object's
// resourceVersion when that is above the current stamp. A change that is not
// (found by a relist, or a tombstone, which carries the last state known) is
// stamped with the informer's last synced resourceVersion (`upstream_rv`,
// which is past the relist) when that is higher, else with the current
// stamp. So stamps never decrease, and a watch from N is sent the changes
// stamped above N. The history covers (floor, rv]:
// the initial state is not history (a watch from below it is 410 Expired),
// and dropping the oldest change when the history is full raises the floor.
//
// Watches hold a cursor (the sequence number of the next change to read) and
// a wake function, called (under mu_, so it must only post) after each change.
// A watch whose cursor fell off the front of the history was too slow and is
// told so (overrun).
//
// Selectors: the view also keeps indexes, updated under mu_ with every
// change (a cache::ThreadSafeStore holding the same shared objects): the
// built-in label and namespace indexes, and field indexes for metadata.name
// plus the fields the informer indexes (for pods spec.nodeName and
// status.phase, InformerFactoryOptions::field_indexes' defaults). A list with
// selectors walks the smallest candidate set those give and checks the whole
// selector on each, so it returns exactly what a scan would, in the same
// order, at the same resourceVersion.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kube/cache/store.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"
#include "kube/informers/event_handler.h"
#include "kube/serve/cache_server.h"

namespace kube::serve::internal {

enum class ChangeType { kAdded, kModified, kDeleted };
const char* change_type_name(ChangeType t);  // "ADDED", ...

struct Change {
  std::uint64_t seq = 0;  // position in the history, consecutive from 1
  std::uint64_t rv = 0;   // stamp (see above)
  ChangeType type = ChangeType::kAdded;
  ObjectPtr object;  // the new state; for a delete the last one known (may be null)
  ObjectPtr prev;    // the state before a modification (selectors: leaving → DELETED)
};

// "123" → 123; nullopt for anything that is not a decimal number.
std::optional<std::uint64_t> parse_resource_version(std::string_view rv);

class ResourceCache final : public informers::ResourceEventHandler {
 public:
  // `upstream_rv`: the informer's last synced resourceVersion (may be empty).
  ResourceCache(ServedResource resource, std::size_t history_limit,
                std::function<std::string()> upstream_rv = {});

  const ServedResource& resource() const { return resource_; }

  // The handler (called on the informer's dispatch thread for this handler).
  void on_add(const ObjectPtr& obj, bool is_in_initial_list) override;
  void on_update(const ObjectPtr& old_obj, const ObjectPtr& new_obj) override;
  void on_delete(const informers::DeletedObject& d) override;

  struct Snapshot {
    std::vector<ObjectPtr> items;  // sorted by namespace/name
    std::uint64_t rv = 0;
  };
  // The objects of namespace `ns` ("" = all), and the stamp they are at.
  Snapshot list(std::string_view ns) const;
  // The objects of namespace `ns` ("" = all) matching `fields` and `labels`,
  // sorted by namespace/name, from the indexes when one narrows the
  // candidates (else a scan of the namespace's range).
  Snapshot list(std::string_view ns, const FieldSelector& fields,
                const LabelSelector& labels) const;
  // How many objects list(ns, fields, labels) examines (for tests and the
  // bench): an index bucket's size, or the view's size when it scans.
  std::size_t count_candidates(std::string_view ns, const FieldSelector& fields,
                               const LabelSelector& labels) const;
  ObjectPtr get(std::string_view ns, std::string_view name) const;

  // One page of a paged list (`limit`/`continue`), in key order.
  struct PageRequest {
    std::string_view ns;                    // "" = all namespaces
    const FieldSelector* fields = nullptr;  // null = everything
    const LabelSelector* labels = nullptr;
    std::string start = {};  // the first key that may be returned ("" = from the beginning)
    // The resourceVersion the list is at (the first page's, from the
    // continue token); nullopt = the current state.
    std::optional<std::uint64_t> at_rv = {};
    std::size_t limit = 0;  // 0 = no limit
  };
  struct Page {
    std::vector<ObjectPtr> items;
    std::uint64_t rv = 0;  // the state the page was read at
    bool more = false;     // matching objects remain after the last item
    // How many remain (only without selectors, as kube-apiserver).
    std::optional<std::size_t> remaining;
  };
  // The page of the state at `at_rv`: the current objects with every change
  // stamped above at_rv undone (from the history, newest first), so every
  // page of a list shows one consistent state, as kube-apiserver serves
  // every page at the first page's resourceVersion. 410 Expired when the
  // history no longer reaches back to at_rv (or cannot undo a change: a
  // relist's modification without its previous state).
  Result<Page> list_page(const PageRequest& req) const;

  struct WatchStart {
    std::uint64_t id = 0;
    std::uint64_t next_seq = 0;      // the first change this watch reads
    std::vector<ObjectPtr> initial;  // the current state, when asked for
    std::uint64_t rv = 0;            // the stamp of that state
  };
  // Registers a watch. `from_rv`: nullopt to start with the current state
  // (`initial`); otherwise the changes stamped above it (410 Expired when the
  // history no longer reaches back to it). `with_state` adds the current
  // state as `initial` even then (sendInitialEvents).
  Result<WatchStart> start_watch(std::optional<std::uint64_t> from_rv, bool with_state,
                                 std::function<void()> wake);
  struct Batch {
    std::vector<Change> changes;
    std::uint64_t next_seq = 0;
    std::uint64_t rv = 0;  // the stamp after the last change returned
    bool overrun = false;  // the watch fell behind the history: close it
  };
  // Up to `max` changes from `next_seq` on.
  Batch read(std::uint64_t next_seq, std::size_t max) const;
  void end_watch(std::uint64_t id);

  struct Stats {
    std::size_t objects = 0;
    std::size_t watches = 0;
    std::size_t history = 0;
    std::uint64_t rv = 0;
    std::uint64_t added = 0, modified = 0, deleted = 0;
    std::uint64_t overruns = 0;  // watches closed for falling behind
  };
  Stats stats() const;
  void count_overrun() { overruns_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void apply(ChangeType type, const std::string& key, ObjectPtr obj, ObjectPtr prev, bool initial)
      KUBE_EXCLUDES(mu_);
  // Appends the objects in `ns`'s range matching both selectors.
  void scan_locked(std::string_view ns, const FieldSelector& fields, const LabelSelector& labels,
                   std::vector<ObjectPtr>& out) const KUBE_REQUIRES(mu_);
  // key → the state at `rv` (null: absent) of every key changed since;
  // nullopt when the history cannot tell.
  std::optional<std::map<std::string, ObjectPtr, std::less<>>> undo_since_locked(
      std::uint64_t rv) const KUBE_REQUIRES(mu_);

  const ServedResource resource_;
  const std::size_t history_limit_;
  const std::function<std::string()> upstream_rv_;
  std::atomic<std::uint64_t> overruns_{0};

  mutable Mutex mu_;  // guards everything below: the view, the history and the watches
  std::map<std::string, ObjectPtr, std::less<>> objects_ KUBE_GUARDED_BY(mu_);  // by namespace/name
  std::deque<Change> history_ KUBE_GUARDED_BY(mu_);
  std::uint64_t next_seq_ KUBE_GUARDED_BY(mu_) = 1;
  std::uint64_t rv_ KUBE_GUARDED_BY(mu_) = 0;     // the stamp of the current state
  std::uint64_t floor_ KUBE_GUARDED_BY(mu_) = 0;  // watches from below it are expired
  // The same objects as objects_, indexed (see above); its own lock is only
  // ever taken under mu_. indexed_ turns false if it ever refused an object
  // (one without a name, which an informer never delivers): lists then scan.
  cache::ThreadSafeStore index_ KUBE_GUARDED_BY(mu_);
  bool indexed_ KUBE_GUARDED_BY(mu_) = true;
  std::map<std::uint64_t, std::function<void()>> watches_ KUBE_GUARDED_BY(mu_);
  std::uint64_t next_watch_id_ KUBE_GUARDED_BY(mu_) = 1;
  std::uint64_t added_ KUBE_GUARDED_BY(mu_) = 0;
  std::uint64_t modified_ KUBE_GUARDED_BY(mu_) = 0;
  std::uint64_t deleted_ KUBE_GUARDED_BY(mu_) = 0;
};

}  // namespace kube::serve::internal
