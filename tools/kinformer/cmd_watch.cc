// `kinformer watch RESOURCE [NAME]`: `kubectl get -w` from a shared informer.
// The informer lists once and watches; once its cache has synced the state is
// printed once (as ADDED lines), then every change as it happens:
//
//   EVENT      NAME                READY   STATUS    RESTARTS   AGE
//   ADDED      web-7d9f8c6b5-0     0/2     Running   0          5m
//   MODIFIED   web-7d9f8c6b5-0     0/2     Succeeded 0          5m
//   DELETED    web-7d9f8c6b5-0     0/2     Succeeded 0          5m
//
// A dropped watch is resumed by the informer (from its last resourceVersion,
// without a relist), so the output has no gaps and no repeats; errors while
// watching are reported on stderr and retried. Runs until SIGINT / SIGTERM
// (exit 0). If the cache does not sync within --sync-timeout the informer's
// last error for the resource is printed and the exit code is 6; a 401/403
// while syncing ends it at once (exit 5).
#include <algorithm>
#include <csignal>
#include <ctime>
#include <deque>
#include <iostream>
#include <thread>

#include "kube/client/status.h"
#include "kube/core/mutex.h"
#include "kube/informers/factory.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/printer.h"
#include "tools/kinformer/progress.h"
#include "tools/kinformer/query.h"
#include "tools/kinformer/resource_arg.h"
#include "tools/kinformer/signals.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct WatchFlags {
  QueryFlags query;
  std::string sync_timeout = "2m";
  std::string progress = "auto";
  std::int64_t chunk_size = 500;
  bool watch_only = false;
};

struct Event {
  const char* type;        // "ADDED", "MODIFIED", "DELETED"
  kube::ObjectPtr object;  // null only for a tombstone without a last state
  std::string key;         // namespace/name, for that case
  bool initial = false;
};

// The handler: queues notifications (on the informer's handler thread) for
// the main thread, which does all the printing.
class EventQueue : public kube::informers::ResourceEventHandler {
 public:
  void on_add(const kube::ObjectPtr& obj, bool initial) override {
    push({"ADDED", obj, {}, initial});
  }
  void on_update(const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) override {
    if (old_obj->resource_version() == obj->resource_version()) return;  // a resync, not a change
    push({"MODIFIED", obj, {}, false});
  }
  void on_delete(const kube::informers::DeletedObject& d) override {
    const kube::ObjectPtr& last = kube::informers::deleted_object(d);
    std::string key;
    if (const auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) key = t->key;
    push({"DELETED", last, std::move(key), false});
  }

  // Waits until `deadline` for at least one event; returns all queued.
  std::deque<Event> take(Clock::time_point deadline) {
    kube::MutexLock l(mu_);
    while (events_.empty() && Clock::now() < deadline) cv_.wait_until(mu_, deadline);
    return std::exchange(events_, {});
  }

 private:
  void push(Event e) {
    {
      kube::MutexLock l(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

  kube::Mutex mu_;  // guards events_
  kube::CondVar cv_;
  std::deque<Event> events_ KUBE_GUARDED_BY(mu_);
};

// A sync error the informer would retry for ever but a user must hear about now.
bool fatal_sync_error(const kube::Error& e) {
  return kube::is_unauthorized(e) || kube::is_forbidden(e) || e.code == 400 || e.code == 404;
}

enum class SyncOutcome { kSynced, kStopped, kFailed };

SyncOutcome wait_for_sync(kube::informers::SharedInformerFactory& factory,
                          const kube::informers::HandlerRegistration& reg, const Query& q,
                          std::chrono::milliseconds timeout, const sigset_t& signals,
                          int& exit_code) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto results = factory.wait_for_cache_sync(std::chrono::milliseconds(200));
    bool synced =
        std::all_of(results.begin(), results.end(), [](const auto& r) { return r.synced; });
    if (synced && reg.has_synced()) return SyncOutcome::kSynced;
    if (synced)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the handler is catching up
    if (stop_requested(signals)) return SyncOutcome::kStopped;
    for (const auto& r : results) {
      if (r.synced || !r.last_error) continue;
      if (fatal_sync_error(*r.last_error)) {
        Failure f = list_failure(*r.last_error, q);
        f.message = display_name(q.api) + " did not sync: " + f.message;
        exit_code = fail("watch", f);
        return SyncOutcome::kFailed;
      }
    }
    if (Clock::now() >= deadline) {
      std::string why = "no error reported (the list is still arriving; raise --sync-timeout)";
      for (const auto& r : results) {
        if (!r.synced && r.last_error) why = "last error: " + r.last_error->message;
      }
      exit_code = fail("watch", {kSyncTimeout, display_name(q.api) + " did not sync within " +
                                                   human_duration(timeout) + ": " + why});
      return SyncOutcome::kFailed;
    }
  }
}

void print(ObjectPrinter& printer, const Event& e) {
  auto now = std::chrono::system_clock::now();
  if (e.object) {
    std::cout << printer.watch_event(e.type, *e.object, now);
  } else {
    std::cout << e.type << " " << e.key << " (final state unknown)\n";
  }
}

kube::informers::InformerFactoryOptions factory_options(const Query& q, const WatchFlags& flags) {
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = q.namespace_;
  options.label_selector = q.label_selector;
  options.field_selector = q.field_selector;
  if (!q.name.empty()) {  // as kubectl get -w NAME does
    options.field_selector +=
        (options.field_selector.empty() ? "" : ",") + std::string("metadata.name=") + q.name;
  }
  options.reflector.page_size = flags.chunk_size;
  options.strip_managed_fields = q.strip_managed_fields;
  return options;
}

// The initial adds at the front of `pending` (all of them are there once the
// registration has synced), sorted as kubectl sorts a list.
std::vector<kube::ObjectPtr> take_initial(std::deque<Event>& pending) {
  std::vector<kube::ObjectPtr> initial;
  while (!pending.empty() && pending.front().initial) {
    initial.push_back(std::move(pending.front().object));
    pending.pop_front();
  }
  std::sort(initial.begin(), initial.end(), [](const kube::ObjectPtr& a, const kube::ObjectPtr& b) {
    return std::pair(a->namespace_(), a->name()) < std::pair(b->namespace_(), b->name());
  });
  return initial;
}

// Prints events until a stop signal; reports each new watch error once.
void follow(std::deque<Event> pending, EventQueue& queue, ObjectPrinter& printer,
            const kube::informers::SharedIndexInformer& informer, const Query& q,
            const sigset_t& signals) {
  std::optional<std::string> reported_error;
  while (!stop_requested(signals)) {
    for (const Event& e : pending) print(printer, e);
    std::cout << std::flush;
    auto err = informer.last_error();
    if (err && (!reported_error || *reported_error != err->message)) {
      std::cerr << "kinformer watch: " << display_name(q.api) << ": " << err->message
                << " (retrying)" << std::endl;
    }
    reported_error = err ? std::optional(err->message) : std::nullopt;
    pending = queue.take(Clock::now() + std::chrono::milliseconds(200));
  }
}

int run_watch(const WatchFlags& flags) {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
  auto mode = parse_progress_mode(flags.progress);
  if (!mode) return fail("watch", {kUsage, mode.error().message});
  auto sync_timeout = parse_duration(flags.sync_timeout);
  if (!sync_timeout)
    return fail("watch", {kUsage, "--sync-timeout: " + sync_timeout.error().message});
  Query q;
  if (auto f = prepare_query(flags.query, "watch", q)) return fail("watch", *f);

  kube::RestClient& client = *q.connection.client;
  kube::informers::SharedInformerFactory factory(q.connection.client, factory_options(q, flags));
  auto informer = factory.for_resource(q.api.resource()).informer;
  auto queue = std::make_shared<EventQueue>();
  auto reg = informer->add_event_handler(queue);
  const std::uint64_t bytes_before = client.transport().stats().bytes_received;  // discovery's
  factory.start();
  Progress progress(*mode, "syncing " + display_name(q.api), [&] {
    return ProgressSample{informer->reflector_stats().list_items,
                          client.transport().stats().bytes_received - bytes_before};
  });
  int exit_code = kOk;
  SyncOutcome outcome = wait_for_sync(factory, *reg, q, *sync_timeout, signals, exit_code);
  progress.stop();
  if (outcome == SyncOutcome::kSynced) {
    ObjectPrinter printer(q.api, q.format, q.namespace_column);
    std::deque<Event> pending = queue->take(Clock::now());
    std::vector<kube::ObjectPtr> initial = take_initial(pending);
    if (flags.watch_only) initial.clear();
    std::cout << printer.watch_initial(initial, std::chrono::system_clock::now()) << std::flush;
    follow(std::move(pending), *queue, printer, *informer, q, signals);
  }
  factory.shutdown();
  return exit_code;
}

}  // namespace

void add_watch_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<WatchFlags>();
  auto* cmd =
      app.add_subcommand("watch",
                         "Like kubectl get -w, from a shared informer: the state once the cache "
                         "has synced, then every change, "
                         "each line prefixed ADDED / MODIFIED / DELETED. Runs until interrupted.");
  add_query_flags(*cmd, flags->query);
  cmd->add_option("--sync-timeout", flags->sync_timeout,
                  "Give up if the cache has not synced by then (exit 6)")
      ->capture_default_str();
  cmd->add_option("--chunk-size", flags->chunk_size,
                  "Objects per page of the informer's list (0: one request)")
      ->capture_default_str();
  cmd->add_option(
         "--progress", flags->progress,
         "Progress line on stderr while the cache syncs: auto (on a terminal), always, never")
      ->capture_default_str();
  cmd->add_flag("--watch-only", flags->watch_only, "Print only changes, not the state after sync");
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_watch(*flags); });
}

}  // namespace kinformer::cli
