// kube/informers/event_handler.h — what an informer tells its handlers.
//
// The three callbacks client-go users know:
//   on_add(obj, is_in_initial_list)  — a new object, or one from the initial list
//   on_update(old_obj, new_obj)      — a change, or a periodic resync (old == new)
//   on_delete(deleted)               — the last state the cache knew, or a tombstone
// A delete that happened while the watch was down, found by a relist, arrives
// as a DeletedFinalStateUnknown tombstone: a distinct C++ type in the variant,
// so no handler can mistake one for the other (std::visit, or
// std::get_if<kube::DeletedFinalStateUnknown>).
//
//   auto h = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
//   h->add = [](const kube::ObjectPtr& pod, bool initial) { ... };
//   h->del = [](const kube::informers::DeletedObject& d) {
//     if (auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) { /* t->key, t->object */ }
//   };
//   informer.add_event_handler(h);
//
// Thread-safety: each handler is called from its own dispatch thread, one
// notification at a time, in order. A handler that throws is isolated: the
// exception is counted and dispatch goes on.
#pragma once

#include <functional>
#include <variant>

#include "kube/core/key.h"
#include "kube/core/object.h"

namespace kube::informers {

using DeletedObject = std::variant<ObjectPtr, DeletedFinalStateUnknown>;

// The object a delete was about: the object, or the tombstone's last known
// state (which may be null).
inline const ObjectPtr& deleted_object(const DeletedObject& d) {
  if (const auto* t = std::get_if<DeletedFinalStateUnknown>(&d)) return t->object;
  return std::get<ObjectPtr>(d);
}

class ResourceEventHandler {
 public:
  virtual ~ResourceEventHandler() = default;
  virtual void on_add(const ObjectPtr& /*obj*/, bool /*is_in_initial_list*/) {}
  virtual void on_update(const ObjectPtr& /*old_obj*/, const ObjectPtr& /*new_obj*/) {}
  virtual void on_delete(const DeletedObject& /*obj*/) {}
};

// A handler made of optional functions (client-go's ResourceEventHandlerFuncs).
struct ResourceEventHandlerFuncs : ResourceEventHandler {
  std::function<void(const ObjectPtr&, bool)> add;
  std::function<void(const ObjectPtr&, const ObjectPtr&)> update;
  std::function<void(const DeletedObject&)> del;

  void on_add(const ObjectPtr& obj, bool initial) override {
    if (add) add(obj, initial);
  }
  void on_update(const ObjectPtr& o, const ObjectPtr& n) override {
    if (update) update(o, n);
  }
  void on_delete(const DeletedObject& d) override {
    if (del) del(d);
  }
};

// Passes on only the objects `filter` accepts (client-go's
// FilteringResourceEventHandler): an update whose old object passed and new
// one does not becomes a delete of the old one; the reverse becomes an add.
class FilteringResourceEventHandler : public ResourceEventHandler {
 public:
  FilteringResourceEventHandler(std::function<bool(const Object&)> filter,
                                std::shared_ptr<ResourceEventHandler> inner)
      : filter_(std::move(filter)), inner_(std::move(inner)) {}

  void on_add(const ObjectPtr& obj, bool initial) override {
    if (obj && filter_(*obj)) inner_->on_add(obj, initial);
  }
  void on_update(const ObjectPtr& o, const ObjectPtr& n) override {
    bool was = o && filter_(*o);
    bool is = n && filter_(*n);
    if (was && is) {
      inner_->on_update(o, n);
    } else if (was) {
      inner_->on_delete(DeletedObject(o));
    } else if (is) {
      inner_->on_add(n, false);
    }
  }
  void on_delete(const DeletedObject& d) override {
    const ObjectPtr& obj = deleted_object(d);
    if (obj && filter_(*obj)) inner_->on_delete(d);
  }

 private:
  const std::function<bool(const Object&)> filter_;
  const std::shared_ptr<ResourceEventHandler> inner_;
};

}  // namespace kube::informers
