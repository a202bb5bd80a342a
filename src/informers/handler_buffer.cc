#include "handler_buffer.h"

#include <cassert>

namespace kube::informers::detail {
namespace {

bool is_initial_add(const std::optional<Notification>& n) {
  if (!n) return false;
  const auto* a = std::get_if<AddNote>(&*n);
  return a != nullptr && a->initial;
}

// The key a notification is about (tombstones carry their own).
std::string key_of(const Notification& n) {
  if (const auto* a = std::get_if<AddNote>(&n)) return object_key(*a->obj);
  if (const auto* u = std::get_if<UpdateNote>(&n)) return object_key(*u->new_obj);
  const DeletedObject& d = std::get<DeleteNote>(n).obj;
  if (const auto* t = std::get_if<DeletedFinalStateUnknown>(&d)) return t->key;
  return object_key(*std::get<ObjectPtr>(d));
}

}  // namespace

void HandlerBuffer::set_live(Entry& e, std::optional<Notification> live) {
  if (is_initial_add(e.live)) --initial_adds_;
  if (is_initial_add(live)) ++initial_adds_;
  e.live = std::move(live);
}

void HandlerBuffer::merge(Entry& e, Notification n) {
  if (auto* a = std::get_if<AddNote>(&n)) {
    if (!e.live) {
      set_live(e, std::move(n));  // new entry, or a new incarnation after a delete
    } else if (auto* pending_add = std::get_if<AddNote>(&*e.live)) {
      // An add over a pending add does not come from a consistent stream;
      // keep the level: the latest object, still an add.
      set_live(e, AddNote{a->obj, pending_add->initial || a->initial});
    } else {
      ObjectPtr old = std::get<UpdateNote>(*e.live).old_obj;
      set_live(e, UpdateNote{std::move(old), a->obj});
    }
    return;
  }
  if (auto* u = std::get_if<UpdateNote>(&n)) {
    if (!e.live) {
      set_live(e, AddNote{u->new_obj, false});  // after a pending delete: the handler holds nothing
    } else if (auto* pending_add = std::get_if<AddNote>(&*e.live)) {
      set_live(e, AddNote{u->new_obj, pending_add->initial});
    } else {
      std::get<UpdateNote>(*e.live).new_obj = u->new_obj;  // first old, latest new
    }
    return;
  }
  auto& d = std::get<DeleteNote>(n);
  bool handler_holds_it = e.live && std::holds_alternative<UpdateNote>(*e.live);
  set_live(e, std::nullopt);
  // After a pending add the handler never saw the object: nothing to delete
  // (and an earlier pending delete of the previous incarnation stays).
  if (handler_holds_it) e.del = std::move(d);
}

void HandlerBuffer::push(Notification n, Clock::TimePoint now) {
  if (!coalesce_) {
    if (is_initial_add(n)) ++initial_adds_;
    fifo_.push_back(Queued{std::move(n), now});
    return;
  }
  std::string key = key_of(n);
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (std::holds_alternative<DeleteNote>(n)) {
      // Nothing pending: the handler holds the object (the stream is consistent).
      order_.push_back(Entry{key, std::move(std::get<DeleteNote>(n)), std::nullopt, now});
    } else {
      order_.push_back(Entry{key, std::nullopt, std::nullopt, now});
      set_live(order_.back(), std::move(n));
    }
    index_.emplace(std::move(key), std::prev(order_.end()));
    return;
  }
  Entry& e = *it->second;
  merge(e, std::move(n));
  if (!e.del && !e.live) {  // an add and its delete, both unseen: nothing left
    order_.erase(it->second);
    index_.erase(it);
  }
}

Pending HandlerBuffer::pop() {
  assert(!empty());
  Pending p;
  if (!coalesce_) {
    Queued& q = fifo_.front();
    p.first = std::move(q.n);
    p.queued = q.queued;
    fifo_.pop_front();
    if (is_initial_add(p.first)) --initial_adds_;
    return p;
  }
  Entry& e = order_.front();
  if (is_initial_add(e.live)) --initial_adds_;
  p.queued = e.queued;
  if (e.del) {
    p.first = std::move(*e.del);
    p.second = std::move(e.live);
  } else {
    p.first = std::move(e.live);
  }
  index_.erase(e.key);
  order_.pop_front();
  return p;
}

}  // namespace kube::informers::detail
