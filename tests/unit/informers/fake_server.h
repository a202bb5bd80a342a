// Test double: an in-process stand-in for kube-apiserver's list/watch of one
// resource, with kube-apiserver's resourceVersion rules (one counter stamped
// on every write, an event history with compaction, 410 for versions older
// than the window) and fault injection. For unit tests of the reflector and
// informer; integration tests use the real embedded API server.
#pragma once

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "kube/core/key.h"
#include "kube/core/mutex.h"
#include "kube/informers/list_watch.h"

namespace kube::testing {

class FakeWatch final : public informers::Watch {
 public:
  Result<std::optional<WatchEvent>> next(std::chrono::steady_clock::time_point deadline) override {
    MutexLock l(mu_);
    while (events_.empty() && !closed_ && !broken_ && !stopped_) {
      if (!cv_.wait_until(mu_, deadline) && events_.empty() && !closed_ && !broken_ && !stopped_) {
        return Error{0, "Timeout", "no watch event before the deadline", std::nullopt};
      }
    }
    if (!events_.empty()) {
      WatchEvent ev = std::move(events_.front());
      events_.pop_front();
      return std::optional<WatchEvent>(std::move(ev));
    }
    if (broken_) return Error::internal("watch stream broken (test)");
    return std::optional<WatchEvent>();
  }
  void stop() override {
    MutexLock l(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  void push(WatchEvent ev) {
    MutexLock l(mu_);
    events_.push_back(std::move(ev));
    cv_.notify_all();
  }
  void close() {
    MutexLock l(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  void break_stream() {
    MutexLock l(mu_);
    broken_ = true;
    cv_.notify_all();
  }
  bool stopped() const {
    MutexLock l(mu_);
    return stopped_;
  }

 private:
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<WatchEvent> events_ KUBE_GUARDED_BY(mu_);
  bool closed_ KUBE_GUARDED_BY(mu_) = false;
  bool broken_ KUBE_GUARDED_BY(mu_) = false;
  bool stopped_ KUBE_GUARDED_BY(mu_) = false;
};

class FakeServer final : public informers::ListerWatcher {
 public:
  // How a watch with send_initial_events is answered (kube-apiserver's
  // behaviours; see kube::testing::WatchListMode for the embedded server).
  enum class Streaming {
    kOff,                 // streaming_list_server() is empty: reflectors in kAuto page
    kNormal,              // the items as ADDED, then the initial-events-end BOOKMARK
    kNoInitialEventsEnd,  // the items as ADDED, no bookmark
    kReject,              // 422 Invalid (WatchList gate off)
    kIgnore,              // a plain watch from the resourceVersion
  };
  void set_streaming(Streaming s) {
    MutexLock l(mu_);
    streaming_ = s;
  }
  std::string streaming_list_server() const override {
    MutexLock l(mu_);
    return streaming_ == Streaming::kOff ? "" : "fake://" + std::to_string(id_);
  }
  // resourceVersions asked for by watches with send_initial_events.
  std::vector<std::string> streaming_rvs() const {
    MutexLock l(mu_);
    return streaming_rvs_;
  }

  // --- writes (stamp a new resourceVersion, record history, notify watches)
  ObjectPtr put(const std::string& ns, const std::string& name,
                const std::map<std::string, std::string>& labels = {}, const std::string& data = "") {
    MutexLock l(mu_);
    std::string key = make_key(ns, name);
    bool exists = items_.contains(key);
    ObjectPtr obj = make(ns, name, labels, data, ++rv_);
    items_[key] = obj;
    record(exists ? WatchEventType::Modified : WatchEventType::Added, obj);
    return obj;
  }
  bool remove(const std::string& ns, const std::string& name) {
    MutexLock l(mu_);
    auto it = items_.find(make_key(ns, name));
    if (it == items_.end()) return false;
    ObjectPtr last = it->second;
    items_.erase(it);
    ++rv_;
    // kube-apiserver sends the deleted object's last state with the delete's RV.
    boost::json::value v = last->to_value();
    v.at("metadata").as_object()["resourceVersion"] = std::to_string(rv_);
    record(WatchEventType::Deleted, *Object::from_value(v));
    return true;
  }
  // Sends a BOOKMARK at the current resourceVersion to every open watch.
  void bookmark() {
    MutexLock l(mu_);
    boost::json::value v = {{"kind", "Pod"}, {"apiVersion", "v1"},
                            {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
    WatchEvent ev{WatchEventType::Bookmark, *Object::from_value(v), std::nullopt};
    for (auto& w : watches_) w->push(ev);
  }
  // Forgets the event history up to now: watches from older versions get 410.
  void compact() {
    MutexLock l(mu_);
    compacted_ = rv_;
    history_.clear();
  }
  void close_watches() {
    MutexLock l(mu_);
    for (auto& w : watches_) w->close();
    watches_.clear();
  }
  void break_watches() {
    MutexLock l(mu_);
    for (auto& w : watches_) w->break_stream();
    watches_.clear();
  }
  void fail_next_lists(int n, Error e) {
    MutexLock l(mu_);
    list_failures_ = n;
    list_error_ = std::move(e);
  }
  void fail_next_watches(int n, Error e) {
    MutexLock l(mu_);
    watch_failures_ = n;
    watch_error_ = std::move(e);
  }

  // --- what the client asked for
  std::vector<std::string> list_rvs() const {
    MutexLock l(mu_);
    return list_rvs_;
  }
  std::vector<std::string> watch_rvs() const {
    MutexLock l(mu_);
    return watch_rvs_;
  }
  std::size_t open_watches() const {
    MutexLock l(mu_);
    return watches_.size();
  }
  std::map<std::string, ObjectPtr> items() const {
    MutexLock l(mu_);
    return items_;
  }
  std::string resource_version() const {
    MutexLock l(mu_);
    return std::to_string(rv_);
  }

  // --- ListerWatcher
  Result<ListResult> list(const ListOptions& o, std::stop_token) override {
    MutexLock l(mu_);
    list_rvs_.push_back(o.continue_token.empty() ? o.resource_version : "continue");
    if (list_failures_ > 0) {
      --list_failures_;
      return list_error_;
    }
    if (o.resource_version_match == "Exact" && !o.resource_version.empty() &&
        std::stoull(o.resource_version) <= compacted_) {
      return Error{410, "Expired", "too old resource version", std::nullopt};
    }
    std::size_t start = 0;
    if (!o.continue_token.empty()) start = std::stoull(o.continue_token);
    ListResult page;
    page.resource_version = std::to_string(rv_);
    std::size_t i = 0;
    for (const auto& [key, obj] : items_) {
      if (i++ < start) continue;
      if (o.limit > 0 && page.items.size() == static_cast<std::size_t>(o.limit)) {
        page.continue_token = std::to_string(i - 1);
        break;
      }
      page.items.push_back(obj);
    }
    return page;
  }

  Result<std::unique_ptr<informers::Watch>> watch(const ListOptions& o,
                                                  std::stop_token) override {
    MutexLock l(mu_);
    watch_rvs_.push_back(o.resource_version);
    if (o.send_initial_events) streaming_rvs_.push_back(o.resource_version);
    if (watch_failures_ > 0) {
      --watch_failures_;
      return watch_error_;
    }
    auto w = std::make_shared<FakeWatch>();
    if (o.send_initial_events && streaming_ == Streaming::kReject) {
      return Error{422, "Invalid",
                   "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: "
                   "sendInitialEvents is "
                   "forbidden for watch unless the WatchList feature gate is enabled",
                   std::nullopt};
    }
    if (o.send_initial_events &&
        (streaming_ == Streaming::kNormal || streaming_ == Streaming::kNoInitialEventsEnd)) {
      for (const auto& [key, obj] : items_)
        w->push(WatchEvent{WatchEventType::Added, obj, std::nullopt});
      if (streaming_ == Streaming::kNormal) {
        boost::json::value v = {{"kind", "ConfigMap"},
                                {"apiVersion", "v1"},
                                {"metadata",
                                 {{"resourceVersion", std::to_string(rv_)},
                                  {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
        w->push(WatchEvent{WatchEventType::Bookmark, *Object::from_value(v), std::nullopt});
      }
      watches_.push_back(w);
      return std::unique_ptr<informers::Watch>(new WatchRef(w));
    }
    std::uint64_t from = o.resource_version.empty() ? rv_ : std::stoull(o.resource_version);
    if (from < compacted_) {
      // kube-apiserver answers 200 and sends one ERROR event with a 410 Status.
      w->push(WatchEvent{WatchEventType::Error, nullptr,
                         Error{410, "Expired", "too old resource version: " + o.resource_version +
                                                   " (" + std::to_string(compacted_) + ")",
                               std::nullopt}});
      w->close();
    } else {
      for (const auto& [rv, ev] : history_) {
        if (rv > from) w->push(ev);
      }
      watches_.push_back(w);
    }
    return std::unique_ptr<informers::Watch>(new WatchRef(w));
  }

 private:
  // Hands the client a unique_ptr while the server keeps a shared one.
  class WatchRef final : public informers::Watch {
   public:
    explicit WatchRef(std::shared_ptr<FakeWatch> w) : w_(std::move(w)) {}
    Result<std::optional<WatchEvent>> next(std::chrono::steady_clock::time_point d) override {
      return w_->next(d);
    }
    void stop() override { w_->stop(); }

   private:
    std::shared_ptr<FakeWatch> w_;
  };

  static ObjectPtr make(const std::string& ns, const std::string& name,
                        const std::map<std::string, std::string>& labels, const std::string& data,
                        std::uint64_t rv) {
    boost::json::object meta{{"name", name}, {"resourceVersion", std::to_string(rv)}};
    if (!ns.empty()) meta["namespace"] = ns;
    boost::json::object ls;
    for (const auto& [k, v] : labels) ls[k] = v;
    if (!ls.empty()) meta["labels"] = ls;
    boost::json::value v = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta},
                            {"data", {{"d", data}}}};
    return *Object::from_value(v);
  }

  void record(WatchEventType t, ObjectPtr obj) KUBE_REQUIRES(mu_) {
    WatchEvent ev{t, obj, std::nullopt};
    history_.emplace_back(rv_, ev);
    std::erase_if(watches_, [](const std::shared_ptr<FakeWatch>& w) { return w->stopped(); });
    for (auto& w : watches_) w->push(ev);
  }

  static inline std::atomic<int> next_id_{0};
  const int id_ = ++next_id_;  // distinct streaming_list_server() per instance
  mutable Mutex mu_;
  Streaming streaming_ KUBE_GUARDED_BY(mu_) = Streaming::kOff;
  std::vector<std::string> streaming_rvs_ KUBE_GUARDED_BY(mu_);
  std::uint64_t rv_ KUBE_GUARDED_BY(mu_) = 100;
  std::uint64_t compacted_ KUBE_GUARDED_BY(mu_) = 0;
  std::map<std::string, ObjectPtr> items_ KUBE_GUARDED_BY(mu_);
  std::vector<std::pair<std::uint64_t, WatchEvent>> history_ KUBE_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<FakeWatch>> watches_ KUBE_GUARDED_BY(mu_);
  int list_failures_ KUBE_GUARDED_BY(mu_) = 0;
  Error list_error_ KUBE_GUARDED_BY(mu_);
  int watch_failures_ KUBE_GUARDED_BY(mu_) = 0;
  Error watch_error_ KUBE_GUARDED_BY(mu_);
  std::vector<std::string> list_rvs_ KUBE_GUARDED_BY(mu_);
  std::vector<std::string> watch_rvs_ KUBE_GUARDED_BY(mu_);
};

// key → resourceVersion of every object the server holds: what a synced
// cache must equal (compare with the cache's own key → version map).
inline std::map<std::string, std::string> server_state(const FakeServer& server) {
  std::map<std::string, std::string> s;
  for (const auto& [k, o] : server.items()) s[k] = std::string(o->resource_version());
  return s;
}

}  // namespace kube::testing
