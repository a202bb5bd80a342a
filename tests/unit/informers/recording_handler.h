// Test helper: a handler that records what it is told, and checks that each
// object's sequence is consistent (no update before add, nothing after a
// delete until a new add).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kube/core/key.h"
#include "kube/core/mutex.h"
#include "kube/informers/event_handler.h"

namespace kube::testing {

class RecordingHandler : public informers::ResourceEventHandler {
 public:
  struct Event {
    std::string kind;  // "add", "add-initial", "update", "delete", "delete-tombstone"
    std::string key;
    std::string rv;
    std::string old_rv;  // updates: the old object's resourceVersion
  };

  void on_add(const ObjectPtr& obj, bool initial) override {
    MutexLock l(mu_);
    std::string key = object_key(*obj);
    if (live_[key]) violations_.push_back("add of live " + key);
    live_[key] = true;
    last_[key] = obj;
    events_.push_back(
        {initial ? "add-initial" : "add", key, std::string(obj->resource_version()), ""});
  }
  void on_update(const ObjectPtr& o, const ObjectPtr& n) override {
    MutexLock l(mu_);
    std::string key = object_key(*n);
    if (!live_[key]) violations_.push_back("update of absent " + key);
    if (object_key(*o) != key) violations_.push_back("update with old of another key " + key);
    last_[key] = n;
    events_.push_back(
        {"update", key, std::string(n->resource_version()), std::string(o->resource_version())});
  }
  void on_delete(const informers::DeletedObject& d) override {
    MutexLock l(mu_);
    std::string key;
    bool tomb = false;
    if (const auto* t = std::get_if<DeletedFinalStateUnknown>(&d)) {
      key = t->key;
      tomb = true;
    } else {
      key = object_key(*std::get<ObjectPtr>(d));
    }
    if (!live_[key]) violations_.push_back("delete of absent " + key);
    live_[key] = false;
    last_.erase(key);
    events_.push_back({tomb ? "delete-tombstone" : "delete", key, "", ""});
  }

  std::vector<Event> events() const {
    MutexLock l(mu_);
    return events_;
  }
  std::size_t count() const {
    MutexLock l(mu_);
    return events_.size();
  }
  std::vector<std::string> violations() const {
    MutexLock l(mu_);
    return violations_;
  }
  // key -> resourceVersion of what the handler believes exists now.
  std::map<std::string, std::string> state() const {
    MutexLock l(mu_);
    std::map<std::string, std::string> s;
    for (const auto& [k, o] : last_) s[k] = std::string(o->resource_version());
    return s;
  }

 private:
  mutable Mutex mu_;
  std::vector<Event> events_ KUBE_GUARDED_BY(mu_);
  std::map<std::string, bool> live_ KUBE_GUARDED_BY(mu_);
  std::map<std::string, ObjectPtr> last_ KUBE_GUARDED_BY(mu_);
  std::vector<std::string> violations_ KUBE_GUARDED_BY(mu_);
};

}  // namespace kube::testing
