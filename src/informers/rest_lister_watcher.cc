#include "kube/informers/rest_lister_watcher.h"

#include <deque>

#include "kube/core/mutex.h"

namespace kube::informers {
namespace {

// What the I/O thread hands to the reflector's thread.
struct WatchQueue {
  Mutex mu;  // guards everything below
  CondVar cv;
  std::deque<WatchEvent> events KUBE_GUARDED_BY(mu);
  bool ended KUBE_GUARDED_BY(mu) = false;
  Result<void> end KUBE_GUARDED_BY(mu);
};

class RestWatch final : public Watch {
 public:
  RestWatch(std::shared_ptr<WatchQueue> q, std::shared_ptr<CallHandle> call)
      : q_(std::move(q)), call_(std::move(call)) {}
  ~RestWatch() override { stop(); }

  Result<std::optional<WatchEvent>> next(std::chrono::steady_clock::time_point deadline) override {
    MutexLock l(q_->mu);
    while (q_->events.empty() && !q_->ended) {
      if (!q_->cv.wait_until(q_->mu, deadline) && q_->events.empty() && !q_->ended) {
        return Error{0, "Timeout", "no watch event before the deadline", std::nullopt};
      }
    }
    if (!q_->events.empty()) {
      WatchEvent ev = std::move(q_->events.front());
      q_->events.pop_front();
      return std::optional<WatchEvent>(std::move(ev));
    }
    if (!q_->end.ok()) return q_->end.error();
    return std::optional<WatchEvent>();
  }

  void stop() override {
    if (call_) call_->cancel();
  }

 private:
  const std::shared_ptr<WatchQueue> q_;
  const std::shared_ptr<CallHandle> call_;
};

}  // namespace

Result<ListResult> RestListerWatcher::list(const ListOptions& options, std::stop_token) {
  ListOptions o = options;
  o.metadata_only = metadata_only_;
  return client_->list(resource_, namespace_, o);
}

std::string RestListerWatcher::streaming_list_server() const {
  std::string host = client_->transport().config().host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  const GroupVersionResource& gvr = resource_.gvr;
  return host +
         (gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version);
}

Result<std::unique_ptr<Watch>> RestListerWatcher::watch(const ListOptions& options, std::stop_token) {
  ListOptions o = options;
  o.metadata_only = metadata_only_;
  auto q = std::make_shared<WatchQueue>();
  // The callbacks hold the queue, not the RestWatch: they may outlive it.
  auto call = client_->watch(
      resource_, namespace_, o,
      [q](WatchEvent ev) {
        MutexLock l(q->mu);
        q->events.push_back(std::move(ev));
        q->cv.notify_all();
      },
      [q](Result<void> end) {
        MutexLock l(q->mu);
        q->ended = true;
        q->end = std::move(end);
        q->cv.notify_all();
      });
  return std::unique_ptr<Watch>(new RestWatch(q, std::move(call)));
}

}  // namespace kube::informers
