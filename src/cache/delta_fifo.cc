// DeltaFifo: see kube/cache/delta_fifo.h. Follows client-go's delta_fifo.go
// (queueActionLocked, dedupDeltas, Replace, Resync), except that Pop calls
// the process function without the lock (the header says how order is kept).
#include "kube/cache/delta_fifo.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace kube::cache {
namespace {

Result<std::string> key_of(const ObjectPtr& obj, std::string_view op) {
  if (!obj) return Error::invalid_argument("DeltaFIFO: " + std::string(op) + ": null object");
  if (obj->name().empty()) {
    return Error::invalid_argument("DeltaFIFO: " + std::string(op) + ": " + std::string(obj->kind()) +
                                   " object has no metadata.name, so it has no key");
  }
  return object_key(*obj);
}

// client-go's isDeletionDup: of two consecutive deletions keep the one with
// more information — the later one unless it is a tombstone.
void dedup_last_two(Deltas& deltas) {
  std::size_t n = deltas.size();
  if (n < 2) return;
  Delta& a = deltas[n - 1];
  Delta& b = deltas[n - 2];
  if (a.type != DeltaType::kDeleted || b.type != DeltaType::kDeleted) return;
  if (b.tombstone() != nullptr) b = std::move(a);
  deltas.pop_back();
}

}  // namespace

std::string_view to_string(DeltaType type) {
  switch (type) {
    case DeltaType::kAdded: return "Added";
    case DeltaType::kUpdated: return "Updated";
    case DeltaType::kDeleted: return "Deleted";
    case DeltaType::kReplaced: return "Replaced";
    case DeltaType::kSync: return "Sync";
  }
  return "Unknown";
}

DeltaFifo::DeltaFifo(DeltaFifoOptions options) : known_objects_(options.known_objects) {}

void DeltaFifo::queue_action_locked(DeltaType type, std::string_view key,
                                    std::variant<ObjectPtr, DeletedFinalStateUnknown> object) {
  auto it = items_.find(key);
  bool is_new = it == items_.end();
  if (is_new) it = items_.emplace(std::string(key), Deltas{}).first;
  it->second.push_back(Delta{type, std::move(object)});
  dedup_last_two(it->second);
  // An in-flight key is queued when its processing ends (finish_pop).
  if (is_new && !in_flight_.contains(key)) {
    queue_.push_back(it->first);
    cv_.notify_one();
  }
}

Result<void> DeltaFifo::queue_object(DeltaType type, ObjectPtr obj) {
  auto key = key_of(obj, to_string(type));
  if (!key) return key.error();
  MutexLock l(mu_);
  if (type == DeltaType::kDeleted && !items_.contains(*key) && !in_flight_.contains(*key) &&
      (known_objects_ == nullptr || !known_objects_->get_by_key(*key))) {
    // Presumably a relist already reported this deletion (client-go: "Don't
    // provide a second report of the same deletion").
    populated_ = true;
    return {};
  }
  bool first = !populated_;
  populated_ = true;
  if (first && !items_.contains(*key) && !in_flight_.contains(*key)) {
    // The first call, when it is not a replace, is the initial population.
    // (client-go counts nothing here and so syncs before the pop; we wait for
    // this key's processing, as for a replace.)
    initial_population_count_ = 1;
  }
  queue_action_locked(type, *key, std::move(obj));
  return {};
}

Result<void> DeltaFifo::add(ObjectPtr obj) { return queue_object(DeltaType::kAdded, std::move(obj)); }
Result<void> DeltaFifo::update(ObjectPtr obj) {
  return queue_object(DeltaType::kUpdated, std::move(obj));
}
Result<void> DeltaFifo::delete_(ObjectPtr obj) {
  return queue_object(DeltaType::kDeleted, std::move(obj));
}

Result<void> DeltaFifo::add_if_not_present(Deltas deltas) {
  if (deltas.empty()) return Error::invalid_argument("DeltaFIFO: add_if_not_present: empty deltas");
  std::string key;
  if (const auto* t = deltas.back().tombstone()) {
    key = t->key;
  } else {
    auto k = key_of(deltas.back().latest_object(), "add_if_not_present");
    if (!k) return k.error();
    key = std::move(*k);
  }
  MutexLock l(mu_);
  populated_ = true;
  if (items_.contains(key)) return {};
  auto it = items_.emplace(std::move(key), std::move(deltas)).first;
  if (!in_flight_.contains(it->first)) {
    queue_.push_back(it->first);
    cv_.notify_one();
  }
  return {};
}

Result<void> DeltaFifo::replace(std::vector<ObjectPtr> objects, std::string_view /*resource_version*/) {
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const ObjectPtr& obj : objects) {
    auto key = key_of(obj, "replace");
    if (!key) return key.error();
    keys.push_back(std::move(*key));
  }
  std::unordered_set<std::string_view> listed(keys.begin(), keys.end());

  MutexLock l(mu_);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    queue_action_locked(DeltaType::kReplaced, keys[i], std::move(objects[i]));
  }

  // Keys pending here but not listed: the watch missed their deletion.
  std::vector<std::pair<std::string, ObjectPtr>> gone;
  for (const auto& [key, deltas] : items_) {
    if (!listed.contains(key)) gone.emplace_back(key, deltas.back().latest_object());
  }
  // Keys being processed right now: the known objects may not reflect them
  // yet. A key whose processing ends in a delete needs no tombstone.
  for (const auto& [key, newest] : in_flight_) {
    if (listed.contains(key) || items_.contains(key)) continue;
    if (newest.type != DeltaType::kDeleted) gone.emplace_back(key, newest.latest_object());
  }
  if (known_objects_ != nullptr) {
    for (std::string& key : known_objects_->list_keys()) {
      if (listed.contains(key) || items_.contains(key)) continue;
      if (in_flight_.contains(key)) continue;  // handled above (gone, or being deleted now)
      // The object may have gone from the store since list_keys; client-go
      // queues a tombstone without an object in that case too.
      ObjectPtr last = known_objects_->get_by_key(key);
      gone.emplace_back(std::move(key), std::move(last));
    }
  }
  // Queue them in key order, so pop order does not depend on hashing
  // (client-go's order here is Go's random map order).
  std::sort(gone.begin(), gone.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [key, last] : gone) {
    queue_action_locked(DeltaType::kDeleted, key, DeletedFinalStateUnknown{key, std::move(last)});
  }

  if (!populated_) {
    populated_ = true;
    initial_population_count_ = listed.size() + gone.size();
  }
  return {};
}

void DeltaFifo::resync() {
  if (known_objects_ == nullptr) return;
  MutexLock l(mu_);
  for (const std::string& key : known_objects_->list_keys()) {
    // A key with pending or in-flight deltas would be synced with a stale
    // object (client-go skips queued keys for the same reason).
    if (items_.contains(key) || in_flight_.contains(key)) continue;
    ObjectPtr obj = known_objects_->get_by_key(key);
    if (!obj) continue;
    queue_action_locked(DeltaType::kSync, key, std::move(obj));
  }
}

bool DeltaFifo::has_synced_locked() const { return populated_ && initial_population_count_ == 0; }

Result<void> DeltaFifo::pop(const PopProcessFunc& process) { return pop_impl(process, std::nullopt); }

Result<void> DeltaFifo::pop(const PopProcessFunc& process, std::chrono::milliseconds timeout) {
  return pop_impl(process, std::chrono::steady_clock::now() + timeout);
}

Result<void> DeltaFifo::wait_ready_locked(std::optional<std::chrono::steady_clock::time_point> deadline) {
  while (queue_.empty()) {
    if (closed_) {
      return Error{0, std::string(kFifoClosedReason), "DeltaFIFO: pop: the queue is closed", std::nullopt};
    }
    if (!deadline) {
      cv_.wait(mu_);
    } else if (!cv_.wait_until(mu_, *deadline) && queue_.empty() && !closed_) {
      return Error{0, std::string(kPopTimeoutReason), "DeltaFIFO: pop: no item before the deadline",
                   std::nullopt};
    }
  }
  return {};
}

DeltaFifo::Taken DeltaFifo::take_front_locked(std::size_t finished_before) {
  Taken t;
  t.key = std::move(queue_.front());
  queue_.pop_front();
  t.node = items_.extract(t.key);
  t.deltas = std::move(t.node.mapped());
  in_flight_.emplace(t.key, t.deltas.back());
  // Each finish counts one key of the initial population (has_synced_locked).
  t.initial = !populated_ || initial_population_count_ > finished_before;
  return t;
}

Result<void> DeltaFifo::pop_impl(const PopProcessFunc& process,
                                 std::optional<std::chrono::steady_clock::time_point> deadline) {
  Taken t;
  {
    MutexLock l(mu_);
    if (Result<void> ready = wait_ready_locked(deadline); !ready) return ready;
    t = take_front_locked(0);
  }

  Result<void> result = process(t.deltas, t.initial);
  t.node = {};

  MutexLock l(mu_);
  finish_pop(t.key, std::move(t.deltas), !result.ok() && is_requeue(result.error()));
  return result;
}

Result<std::size_t> DeltaFifo::pop_batch(const PopProcessFunc& process, std::size_t max_keys) {
  std::vector<Taken> taken;
  {
    MutexLock l(mu_);
    if (Result<void> ready = wait_ready_locked(std::nullopt); !ready) return ready.error();
    const std::size_t n = std::min(std::max<std::size_t>(max_keys, 1), queue_.size());
    taken.reserve(n);
    for (std::size_t i = 0; i < n; ++i) taken.push_back(take_front_locked(i));
  }
  for (Taken& t : taken) {
    Result<void> r = process(t.deltas, t.initial);
    t.requeue = !r.ok() && is_requeue(r.error());
    t.node = {};
    if (!t.requeue) Deltas().swap(t.deltas);  // finish_pop uses them only to requeue
  }
  MutexLock l(mu_);
  for (Taken& t : taken) finish_pop(t.key, std::move(t.deltas), t.requeue);
  return taken.size();
}

void DeltaFifo::finish_pop(const std::string& key, Deltas deltas, bool requeue) {
  in_flight_.erase(key);
  // As client-go, a requeued item still counts as popped for has_synced.
  if (initial_population_count_ > 0) --initial_population_count_;
  auto it = items_.find(key);
  if (requeue) {
    if (it != items_.end()) {
      // Deltas that arrived while processing come after the requeued ones.
      for (Delta& d : it->second) {
        deltas.push_back(std::move(d));
        dedup_last_two(deltas);
      }
      it->second = std::move(deltas);
    } else {
      it = items_.emplace(key, std::move(deltas)).first;
    }
  }
  if (it != items_.end()) {
    queue_.push_back(it->first);
    cv_.notify_one();
  }
}

void DeltaFifo::close() {
  MutexLock l(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool DeltaFifo::is_closed() const {
  MutexLock l(mu_);
  return closed_;
}

bool DeltaFifo::has_synced() const {
  MutexLock l(mu_);
  return has_synced_locked();
}

std::vector<std::string> DeltaFifo::list_keys() const {
  MutexLock l(mu_);
  std::vector<std::string> out(queue_.begin(), queue_.end());
  for (const auto& [key, deltas] : items_) {
    if (in_flight_.contains(key)) out.push_back(key);
  }
  return out;
}

std::optional<Deltas> DeltaFifo::get_by_key(std::string_view key) const {
  MutexLock l(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

std::size_t DeltaFifo::size() const {
  MutexLock l(mu_);
  return items_.size();
}

bool DeltaFifo::has_unprocessed(std::string_view key) const {
  MutexLock l(mu_);
  return items_.contains(key) || in_flight_.contains(key);
}

std::size_t DeltaFifo::unprocessed() const {
  MutexLock l(mu_);
  std::size_t n = items_.size();
  for (const auto& [key, newest] : in_flight_) {
    if (!items_.contains(key)) ++n;
  }
  return n;
}

}  // namespace kube::cache
