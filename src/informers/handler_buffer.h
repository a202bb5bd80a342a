// src/informers/handler_buffer.h — one handler's queue of notifications
// (internal to SharedIndexInformer).
//
// Two modes:
// - FIFO (the default): every notification is kept, in order; the queue
//   grows without bound while the handler is slow.
// - Coalescing (HandlerOptions::coalesce): at most one entry per object key,
//   in order of the key's first arrival, holding the net change since what
//   the handler last saw of that object. An entry delivers at most two
//   notifications: a delete of the object the handler holds, then an add or
//   update of the object's current state. Merge rules (pending + arriving):
//     add(a)          + update(_, n) → add(n), keeping a's is_in_initial_list
//     update(o, _)    + update(_, n) → update(o, n)   (resyncs merge the same way)
//     add(a)          + delete       → nothing: the handler never saw a
//     update(o, _)    + delete(d)    → delete(d)      (a delete wins)
//     delete(d)       + add(a)       → delete(d), then add(a): a new
//                                      incarnation is not an update of the old
//     delete(d), add  + update(_, n) → delete(d), then add(n)
//     delete(d), add  + delete       → delete(d)
//   So the handler's view stays consistent: never an update or delete of an
//   object it does not hold, never an add of one it does.
//
// Not thread-safe: the owning registration guards it with its mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "kube/core/clock.h"
#include "kube/informers/event_handler.h"

namespace kube::informers::detail {

struct AddNote {
  ObjectPtr obj;
  bool initial;
};
struct UpdateNote {
  ObjectPtr old_obj, new_obj;
};
struct DeleteNote {
  DeletedObject obj;
};
using Notification = std::variant<AddNote, UpdateNote, DeleteNote>;

// What the dispatch thread delivers for one entry, in order.
struct Pending {
  std::optional<Notification> first;
  std::optional<Notification> second;
  Clock::TimePoint queued{};  // when the entry's first notification was queued
};

class HandlerBuffer {
 public:
  explicit HandlerBuffer(bool coalesce) : coalesce_(coalesce) {}

  void push(Notification n, Clock::TimePoint now);
  // The oldest entry. Precondition: !empty().
  Pending pop();

  bool empty() const { return size() == 0; }
  // Entries queued: notifications (FIFO) or object keys (coalescing).
  std::size_t size() const { return coalesce_ ? order_.size() : fifo_.size(); }
  bool coalescing() const { return coalesce_; }
  // Initial adds (is_in_initial_list) queued: merged ones count once, ones a
  // delete cancelled not at all. For the handler's has_synced().
  std::size_t initial_adds() const { return initial_adds_; }

 private:
  struct Queued {
    Notification n;
    Clock::TimePoint queued;
  };
  struct Entry {
    std::string key;
    std::optional<DeleteNote> del;     // delivered first
    std::optional<Notification> live;  // AddNote or UpdateNote, delivered second
    Clock::TimePoint queued;
  };

  // Folds `n` into `e` (the rules above).
  void merge(Entry& e, Notification n);
  // Replaces e.live, keeping initial_adds_ right.
  void set_live(Entry& e, std::optional<Notification> live);

  const bool coalesce_;
  std::size_t initial_adds_ = 0;
  std::deque<Queued> fifo_;                                            // FIFO mode
  std::list<Entry> order_;                                             // coalescing mode
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // key → its entry
};

}  // namespace kube::informers::detail
