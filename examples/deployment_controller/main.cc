// deployment_controller — a controller in the shape of client-go's
// sample-controller, with no framework: an informer feeds keys into a
// rate-limited work queue; N workers reconcile one key at a time.
//
// What it does: makes sure every deployment carries the label
// kinformer.io/managed=true (--label changes it).
//
//   informer (list + watch deployments)
//     └─ handler: add / update / delete → queue.add("namespace/name")
//   RateLimitingQueue<std::string>   (dedup: a burst of events is one reconcile;
//     │                               one key is never given to two workers)
//     └─ worker × N: key → reconcile → forget(key) on success,
//                                      add_rate_limited(key) on failure
//
// reconcile reads the deployment from the lister (the cache; no request),
// and when the label is missing, PUTs the object with the label added. The
// PUT carries the resourceVersion it read, so if someone else changed the
// deployment meanwhile (or the cache was behind), the server answers 409
// Conflict: the key goes back through the rate-limited queue (5 ms, 10 ms,
// 20 ms, ... per key) and the retry reads the deployment fresh from the
// server. (A merge patch of the label would never conflict; the PUT shows
// the optimistic-concurrency loop most controllers need.)
//
// Each reconcile is logged:
//   reconcile demo/web: labeled kinformer.io/managed=true (resourceVersion 12 -> 15) [worker 1]
//   reconcile demo/web: conflict (Operation cannot be fulfilled ...); retry 1 [worker 0]
//   reconcile demo/api: up to date [worker 0]
#include <atomic>
#include <thread>

#include <boost/json.hpp>

#include "examples/common/example.h"
#include "kube/core/key.h"
#include "kube/informers/factory.h"
#include "kube/workqueue/rate_limiting_queue.h"

namespace {

namespace ex = kinformer::examples;
namespace json = boost::json;
using Queue = kube::workqueue::RateLimitingQueue<std::string>;

const kube::Resource kDeployments{{"apps", "v1", "deployments"}, true};

struct Counters {
  std::atomic<std::uint64_t> reconciles{0}, labeled{0}, conflicts{0}, errors{0}, dropped{0};
};

class Controller {
 public:
  Controller(std::shared_ptr<kube::RestClient> client,
             kube::informers::ResourceInformer deployments, std::string label_key,
             std::string label_value, int max_retries)
      : client_(std::move(client)),
        deployments_(std::move(deployments)),
        label_key_(std::move(label_key)),
        label_value_(std::move(label_value)),
        max_retries_(max_retries) {
    // Every event is just "look at this key again"; the reconcile reads the
    // current state itself. Updates include periodic resyncs (old == new).
    auto h = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
    h->add = [this](const kube::ObjectPtr& d, bool) { queue_.add(kube::object_key(*d)); };
    h->update = [this](const kube::ObjectPtr&, const kube::ObjectPtr& d) {
      queue_.add(kube::object_key(*d));
    };
    h->del = [this](const kube::informers::DeletedObject& d) {
      if (const auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) {
        queue_.add(t->key);
      } else {
        queue_.add(kube::object_key(*std::get<kube::ObjectPtr>(d)));
      }
    };
    deployments_.informer->add_event_handler(h);
  }

  // Starts the workers; call after the cache has synced (as sample-controller
  // does), so the first reconciles see the whole cluster.
  void run(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this, i] { worker(i); });
  }

  // Workers finish the key in hand and stop; keys still queued are dropped
  // (the next run finds them again from its initial list).
  void stop() {
    stopping_ = true;
    queue_.shut_down();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  const Counters& counters() const { return counters_; }

 private:
  void worker(int id) {
    while (auto key = queue_.get()) {
      if (!stopping_) process(*key, id);
      queue_.done(*key);
    }
  }

  void process(const std::string& key, int worker) {
    ++counters_.reconciles;
    kube::Result<void> r = reconcile(key, worker);
    if (r) {
      queue_.forget(key);
      return;
    }
    const kube::Error& e = r.error();
    int failures = queue_.num_requeues(key);
    if (failures >= max_retries_) {
      ++counters_.dropped;
      queue_.forget(key);
      ex::out() << "reconcile " << key << ": giving up after " << failures
                << " retries: " << e.message << " [worker " << worker << "]";
      return;
    }
    if (e.is_conflict()) {
      ++counters_.conflicts;
    } else {
      ++counters_.errors;
    }
    queue_.add_rate_limited(key);
    ex::out() << "reconcile " << key << ": " << (e.is_conflict() ? "conflict" : "error") << " ("
              << e.message << "); retry " << failures + 1 << " [worker " << worker << "]";
  }

  // One pass for one key; an error means "try again later".
  kube::Result<void> reconcile(const std::string& key, int worker) {
    auto k = kube::split_key(key);
    if (!k) {  // cannot happen for keys from the informer; never retried
      ex::out() << "reconcile " << key << ": bad key: " << k.error().message;
      return {};
    }
    // A retry reads from the server: after a conflict the cache may still be
    // behind, and the same stale object would conflict again.
    const bool retry = queue_.num_requeues(key) > 0;
    kube::Result<kube::ObjectPtr> current =
        retry ? client_->get(kDeployments, k->namespace_, k->name)
              : deployments_.lister().namespace_(k->namespace_).get(k->name);
    if (!current) {
      if (!current.error().is_not_found()) return current.error();
      ex::out() << "reconcile " << key << ": deleted, nothing to do [worker " << worker << "]";
      return {};
    }
    const kube::Object& d = **current;
    if (d.label(label_key_) == label_value_) {
      ex::out() << "reconcile " << key << ": up to date" << (retry ? " (read from the server)" : "")
                << " [worker " << worker << "]";
      return {};
    }
    // Objects are immutable: edit a DOM copy and build a new one.
    json::value v = d.to_value();
    json::object& meta = v.as_object()["metadata"].as_object();
    if (!meta["labels"].is_object()) meta["labels"] = json::object{};
    meta["labels"].as_object()[label_key_] = label_value_;
    auto updated_obj = kube::Object::from_value(v);
    if (!updated_obj) return updated_obj.error();
    auto updated = client_->update(kDeployments, **updated_obj);  // PUT, resourceVersion from `d`
    if (!updated) return updated.error();
    ++counters_.labeled;
    ex::out() << "reconcile " << key << ": labeled " << label_key_ << "=" << label_value_
              << " (resourceVersion " << d.resource_version() << " -> "
              << (*updated)->resource_version() << ")"
              << (retry ? " after re-reading it from the server" : "") << " [worker " << worker
              << "]";
    return {};
  }

  const std::shared_ptr<kube::RestClient> client_;
  const kube::informers::ResourceInformer deployments_;
  const std::string label_key_, label_value_;
  const int max_retries_;
  Queue queue_;  // thread-safe itself; default limiter: max(5ms·2^n up to 1000s, 10 qps burst 100)
  std::atomic<bool> stopping_{false};
  Counters counters_;
  std::vector<std::thread> threads_;  // started by run(), joined by stop()
};

}  // namespace

int main(int argc, char** argv) {
  ex::StopSignals stop;
  ex::CommonFlags flags;
  std::string ns;
  std::string label = "kinformer.io/managed=true";
  int workers = 2;
  int max_retries = 15;
  double resync_seconds = 30;
  CLI::App app{
      "deployment_controller: keep a label on every deployment (informer + lister + work queue + "
      "workers)"};
  ex::add_common_flags(app, flags);
  app.add_option("-n,--namespace", ns, "Only this namespace (default: all namespaces)");
  app.add_option("--label", label, "The label to keep on every deployment, KEY=VALUE")
      ->capture_default_str();
  app.add_option("--workers", workers, "Reconcile workers")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-retries", max_retries,
                 "Failures of one key before it is dropped until its next event")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--resync", resync_seconds,
                 "Seconds between resyncs (every deployment reconciled again; 0: never)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  if (auto rc = ex::parse_flags(app, argc, argv)) return *rc;
  auto eq = label.find('=');
  auto parsed =
      kube::LabelSelector::parse(label);  // checks the key and value with the Kubernetes rules
  if (eq == std::string::npos || !parsed || parsed->requirements().size() != 1 ||
      parsed->requirements()[0].op != kube::SelectorOp::kEquals) {
    ex::err() << "deployment_controller: --label \"" << label << "\": expected KEY=VALUE"
              << (parsed ? "" : ": " + parsed.error().message);
    return ex::kUsage;
  }

  auto client = ex::connect(flags);
  if (!client) return ex::kConfig;
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = ns;
  options.default_resync =
      std::chrono::milliseconds(static_cast<std::int64_t>(resync_seconds * 1000));
  kube::informers::SharedInformerFactory factory(client, options);
  Controller controller(client, factory.deployments(), label.substr(0, eq), label.substr(eq + 1),
                        max_retries);

  stop.start_clock(flags);
  factory.start();
  std::optional<std::string> why;
  std::string last_error;
  while (!factory.deployments().informer->wait_for_cache_sync(std::chrono::milliseconds(100))) {
    if ((why = stop.poll(std::chrono::milliseconds(0)))) break;
    if (auto e = factory.deployments().informer->last_error(); e && e->message != last_error) {
      last_error = e->message;
      ex::err() << "deployment_controller: not synced yet: " << last_error;
    }
  }
  if (!why) {
    ex::out() << "cache synced; starting " << workers << " workers";
    controller.run(workers);
    why = stop.wait();
  }
  ex::out() << "stopping (" << *why << ")";
  controller.stop();
  factory.shutdown();
  const Counters& c = controller.counters();
  ex::out() << "reconciles=" << c.reconciles << " labeled=" << c.labeled
            << " conflicts=" << c.conflicts << " errors=" << c.errors << " dropped=" << c.dropped;
  return ex::kOk;
}
