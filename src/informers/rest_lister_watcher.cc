#include "kube/informers/rest_lister_watcher.h"

#include <vector>

#include "kube/core/mutex.h"

namespace kube::informers {
namespace {

// What the I/O thread hands to the reflector's thread: the events of each
// read go in under one lock, with one notification when the reflector may be
// waiting (the queue was empty), so that a list streamed as 10,000 events does
// not cost 10,000 wake-ups.
struct WatchQueue {
  Mutex mu;  // guards everything below
  CondVar cv;
  std::vector<WatchEvent> events KUBE_GUARDED_BY(mu);
  bool ended KUBE_GUARDED_BY(mu) = false;
  Result<void> end KUBE_GUARDED_BY(mu);
};

class RestWatch final : public Watch {
 public:
  RestWatch(std::shared_ptr<WatchQueue> q, std::shared_ptr<CallHandle> call)
      : q_(std::move(q)), call_(std::move(call)) {}
  ~RestWatch() override { stop(); }

  // The reflector's thread takes everything queued at once and hands it out
  // from taken_, which only next() touches (one caller at a time).
  Result<std::optional<WatchEvent>> next(std::chrono::steady_clock::time_point deadline) override {
    if (next_taken_ < taken_.size()) return take_one();
    taken_.clear();
    next_taken_ = 0;
    MutexLock l(q_->mu);
    while (q_->events.empty() && !q_->ended) {
      if (!q_->cv.wait_until(q_->mu, deadline) && q_->events.empty() && !q_->ended) {
        return Error{0, "Timeout", "no watch event before the deadline", std::nullopt};
      }
    }
    if (!q_->events.empty()) {
      taken_.swap(q_->events);
      return take_one();
    }
    if (!q_->end.ok()) return q_->end.error();
    return std::optional<WatchEvent>();
  }

  void stop() override {
    if (call_) call_->cancel();
  }

 private:
  std::optional<WatchEvent> take_one() { return std::move(taken_[next_taken_++]); }

  const std::shared_ptr<WatchQueue> q_;
  const std::shared_ptr<CallHandle> call_;
  std::vector<WatchEvent> taken_;  // next()'s alone
  std::size_t next_taken_ = 0;
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
  auto call = client_->watch_batched(
      resource_, namespace_, o,
      [q](std::vector<WatchEvent>& events) {
        MutexLock l(q->mu);
        if (q->events.empty()) {
          q->events.swap(events);
          q->cv.notify_all();  // the reflector may be waiting only when there was nothing
        } else {
          for (auto& ev : events) q->events.push_back(std::move(ev));
        }
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
