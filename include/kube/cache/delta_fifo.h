// kube/cache/delta_fifo.h — the queue between a reflector and an informer.
//
// A DeltaFifo is client-go's cache.DeltaFIFO: a producer (the reflector)
// records what happened to each object — Added, Updated, Deleted, Replaced
// (the object was in a relist), Sync (a periodic resync) — and a consumer
// pops, per object key, the whole list of deltas accumulated since that key
// was last popped, oldest first. Keys pop in the order they were first queued.
//
//   kube::cache::ThreadSafeStore store;
//   kube::cache::DeltaFifo fifo({.known_objects = &store});
//   fifo.replace(listed_pods, "1234");              // reflector: after a LIST
//   fifo.add(pod);                                  // reflector: a watch event
//   auto r = fifo.pop([&](const kube::cache::Deltas& deltas, bool initial) {
//     for (const auto& d : deltas) { /* apply d to store, notify handlers */ }
//     return kube::Result<void>{};
//   });
//   if (!r && kube::cache::is_fifo_closed(r.error())) return;
//
// Invariants (what a consumer may rely on):
// - A key's delta list is never empty and is oldest-first. Two consecutive
//   Deleted deltas collapse into one, keeping the one with more information:
//   the earlier one, unless it is a DeletedFinalStateUnknown tombstone, in
//   which case the later (client-go's dedupDeltas / isDeletionDup).
// - delete_ of an object that is neither queued, being processed, nor in
//   known_objects is dropped (a relist already reported that deletion).
// - replace(list, rv) queues Replaced for every listed object, then a Deleted
//   tombstone (DeletedFinalStateUnknown, carrying the last state this FIFO or
//   known_objects had) for every key that is queued, being processed, or in
//   known_objects, but absent from the list (client-go with
//   EmitDeltaTypeReplaced=true). Tombstones are queued in key order.
// - resync() queues Sync for every object in known_objects whose key has no
//   pending deltas and is not being processed, in known_objects' list_keys
//   order.
// - pop() blocks until a key is ready or the FIFO is closed. After close(),
//   pop() still hands out what is queued, then fails with a FIFOClosed error.
// - has_synced() becomes true once every key queued by the first replace()
//   (or, when add/update/delete_ came first, the first such call) has been
//   popped and its process function has returned.
//
// Pop and locking: unlike client-go, the process function is called WITHOUT
// the FIFO lock, so producers are never blocked by a slow handler. Per-key
// order is kept anyway: while a key is being processed it is "in flight", and
// new deltas for it wait (un-queued) until its process function returns, so
// no two pops ever process the same key at once, and replace() and resync()
// treat an in-flight key as still pending (it may not be in known_objects
// yet). If the process function returns requeue_error(...), its deltas are
// put back in front of any that arrived meanwhile, and the key is queued at
// the back (client-go's AddIfNotPresent under the lock).
//
// Thread-safety: every method may be called from any thread; any number of
// producers and consumers. replace() and resync() call known_objects while
// holding the FIFO lock, so known_objects must never call into the FIFO.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "kube/cache/store.h"
#include "kube/core/key.h"
#include "kube/core/mutex.h"
#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube::cache {

enum class DeltaType { kAdded, kUpdated, kDeleted, kReplaced, kSync };
// "Added", "Updated", "Deleted", "Replaced", "Sync" (client-go's names).
std::string_view to_string(DeltaType type);

struct Delta {
  DeltaType type;
  std::variant<ObjectPtr, DeletedFinalStateUnknown> object;

  // The tombstone, when this delta carries one.
  const DeletedFinalStateUnknown* tombstone() const {
    return std::get_if<DeletedFinalStateUnknown>(&object);
  }
  // The object, or the tombstone's last known state (which may be null).
  const ObjectPtr& latest_object() const {
    if (auto* t = tombstone()) return t->object;
    return std::get<ObjectPtr>(object);
  }
};
using Deltas = std::vector<Delta>;

// Consumes one key's deltas. `is_in_initial_list` is true while the FIFO has
// not yet synced (the deltas belong to the initial list). Return
// requeue_error(...) to have the deltas queued again.
using PopProcessFunc = std::function<Result<void>(const Deltas& deltas, bool is_in_initial_list)>;

inline constexpr std::string_view kRequeueReason = "Requeue";
inline constexpr std::string_view kFifoClosedReason = "FIFOClosed";
inline constexpr std::string_view kPopTimeoutReason = "Timeout";

// What a process function returns to have its deltas requeued.
inline Error requeue_error(std::string message) {
  return Error{0, std::string(kRequeueReason), std::move(message), std::nullopt};
}
inline bool is_requeue(const Error& e) { return e.reason == kRequeueReason; }
inline bool is_fifo_closed(const Error& e) { return e.reason == kFifoClosedReason; }
inline bool is_pop_timeout(const Error& e) { return e.reason == kPopTimeoutReason; }

struct DeltaFifoOptions {
  // The objects the consumer already knows (normally the informer's store):
  // consulted by delete_, replace and resync. Not owned; must outlive the
  // FIFO. Null: the FIFO knows only what is queued.
  const KeyListerGetter* known_objects = nullptr;
};

class DeltaFifo {
 public:
  explicit DeltaFifo(DeltaFifoOptions options = {});
  DeltaFifo(const DeltaFifo&) = delete;
  DeltaFifo& operator=(const DeltaFifo&) = delete;

  // Queue an Added / Updated / Deleted delta. Fail if the object is null or
  // has no metadata.name.
  Result<void> add(ObjectPtr obj);
  Result<void> update(ObjectPtr obj);
  Result<void> delete_(ObjectPtr obj);
  // Queues `deltas` under their key unless the key already has pending
  // deltas (client-go's AddIfNotPresent; for retrying a popped item).
  Result<void> add_if_not_present(Deltas deltas);
  // See the contract above. Fails, queuing nothing, if an object has no key.
  Result<void> replace(std::vector<ObjectPtr> objects, std::string_view resource_version);
  void resync();

  // Blocks until a key is ready, removes it, and calls `process` with its
  // deltas (without the FIFO lock). Returns process's error (a requeue
  // error after requeuing), or a FIFOClosed error once closed and empty.
  Result<void> pop(const PopProcessFunc& process);
  // The same, failing with a Timeout error (is_pop_timeout) if no key is
  // ready within `timeout`.
  Result<void> pop(const PopProcessFunc& process, std::chrono::milliseconds timeout);

  // Blocks until a key is ready, then pops up to `max_keys` ready keys in
  // one go: processes each in order (without the FIFO lock), and finishes
  // them together (requeues as pop() does). The same as that many pop()s,
  // with two lock acquisitions in all instead of two per key (the informer
  // pops this way). `initial` is what pop() would have said for each key.
  // has_synced() turns true when the batch that held the last initial key
  // has been processed. Returns how many keys it processed, or a FIFOClosed
  // error once closed and empty; process's errors lead only to requeues.
  Result<std::size_t> pop_batch(const PopProcessFunc& process, std::size_t max_keys);

  // Unblocks every pop; later pops drain what is queued, then fail.
  void close();
  bool is_closed() const;
  bool has_synced() const;

  // Keys with pending deltas: ready keys in pop order, then in-flight keys
  // whose new deltas wait for their processing to end.
  std::vector<std::string> list_keys() const;
  // The pending deltas of `key` (a copy), or nullopt.
  std::optional<Deltas> get_by_key(std::string_view key) const;
  // The number of keys with pending deltas.
  std::size_t size() const;
  // Keys with pending deltas or with deltas a pop is processing right now: 0
  // once the consumer has finished with everything queued.
  std::size_t unprocessed() const;
  // True while `key` has deltas queued or being processed: until then the
  // consumer's store may not reflect them.
  bool has_unprocessed(std::string_view key) const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using KeyMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  Result<void> queue_object(DeltaType type, ObjectPtr obj);
  void queue_action_locked(DeltaType type, std::string_view key,
                           std::variant<ObjectPtr, DeletedFinalStateUnknown> object)
      KUBE_REQUIRES(mu_);
  bool has_synced_locked() const KUBE_REQUIRES(mu_);
  // A key taken off the front of the queue, in flight until finish_pop.
  struct Taken {
    std::string key;
    Deltas deltas;
    // The key's node of items_, detached; freed right after the process
    // call. Freeing a batch's nodes together at its end left them in the
    // producer's malloc arena, unused, while the consumer allocated the
    // store's nodes afresh (12 MB more at the peak of a 100k-pod sync); freed
    // one by one between the consumer's allocations, glibc's per-thread cache
    // hands them straight back.
    KeyMap<Deltas>::node_type node;
    bool initial = false;
    bool requeue = false;
  };
  // Waits until a key is ready: a FIFOClosed error once closed and empty, a
  // pop timeout error at `deadline`.
  Result<void> wait_ready_locked(std::optional<std::chrono::steady_clock::time_point> deadline)
      KUBE_REQUIRES(mu_);
  // Takes the front key, marking it in flight. `initial` is what has_synced
  // would say once the `finished_before` keys taken before it had finished.
  Taken take_front_locked(std::size_t finished_before) KUBE_REQUIRES(mu_);
  Result<void> pop_impl(const PopProcessFunc& process,
                        std::optional<std::chrono::steady_clock::time_point> deadline);
  void finish_pop(const std::string& key, Deltas deltas, bool requeue) KUBE_REQUIRES(mu_);

  const KeyListerGetter* const known_objects_;

  // Guards everything below. Held while queuing and while replace/resync
  // consult known_objects_; never held while a process function runs.
  mutable Mutex mu_;
  // Signalled when a key becomes ready or the FIFO closes.
  CondVar cv_;
  // key -> pending deltas (never empty). Holds every key in queue_, plus
  // in-flight keys whose new deltas wait for their processing to end.
  KeyMap<Deltas> items_ KUBE_GUARDED_BY(mu_);
  // Keys ready to pop, each once, in the order they were first queued.
  std::deque<std::string> queue_ KUBE_GUARDED_BY(mu_);
  // key -> newest delta of the deltas a pop is processing right now.
  KeyMap<Delta> in_flight_ KUBE_GUARDED_BY(mu_);
  // True once replace/add/update/delete_/add_if_not_present was first called.
  bool populated_ KUBE_GUARDED_BY(mu_) = false;
  // Keys of the first replace still to be fully popped.
  std::size_t initial_population_count_ KUBE_GUARDED_BY(mu_) = 0;
  bool closed_ KUBE_GUARDED_BY(mu_) = false;
};

}  // namespace kube::cache
