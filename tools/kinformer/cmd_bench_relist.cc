// `kinformer bench relist`: what a forced relist costs a synced informer in
// memory — peak resident memory during the relist over the steady state
// before it.
//
//   kinformer bench relist --objects 100000 --list-mode paged
//   kinformer bench relist --objects 100000 --list-mode streaming --touch-all
//
// Prints one line of name=value pairs, then the command that reproduces it:
//
//   objects=100000 changed=0 list_mode=paged steady_rss_mb=352.0
//   relist_peak_rss_mb=371.5 ratio=1.06 relist_seconds=2.410
//   reproduce: /usr/local/bin/kinformer bench relist --objects 100000 --list-mode paged
//
//   changed             pods whose resourceVersion changed while the informer
//                       did not see it (--touch-all: every pod; else none, as
//                       after a server restart that lost only its watch cache)
//   list_mode           how the relist was done: paged or streaming (WatchList)
//   steady_rss_mb       resident memory of the synced informer just before the
//                       relist (current, not peak), after malloc_trim(0), so
//                       that it measures live memory, not what the allocator kept
//   relist_peak_rss_mb  peak resident memory (VmHWM, reset just before) from
//                       forcing the relist until the cache has taken all of it
//   ratio               relist_peak_rss_mb / steady_rss_mb
//   relist_seconds      from forcing the relist until the cache has taken it all
//
// The relist is forced the way a user meets it: the embedded API server (a
// child process, so its memory does not count) compacts its history and drops
// every connection; the informer's watch re-opens from its last
// resourceVersion, gets 410 Gone and lists again. Watches are stalled
// (`/_kinformer/faults` stallWatches) from before the server moves on until
// the relist is done, so the informer learns of the change only through the
// relist. Embedded server only: it writes and injects faults.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include <unistd.h>

#include "kube/informers/factory.h"
#include "tools/kinformer/bench_common.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/process_stats.h"
#include "tools/kinformer/progress.h"
#include "tools/kinformer/server_process.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;
using kube::informers::ListMode;
using kube::informers::SharedIndexInformer;

constexpr const char* kNamespace = "bench";
constexpr const char* kTouchAnnotation = "kinformer.dev/relist";
const kube::Resource kPods{{"", "v1", "pods"}, true};

struct RelistFlags {
  std::size_t objects = 10000;
  std::size_t pod_bytes = 0;  // 0: the workload's natural size (~2.5 KB)
  std::string list_mode = "auto";
  bool touch_all = false;
  bool metadata_only = false;
  std::string sync_timeout = "10m";
  std::string progress = "auto";
};

std::string reproduce(const RelistFlags& f) {
  std::string cmd = self_path() + " bench relist --objects " + std::to_string(f.objects);
  if (f.pod_bytes > 0) cmd += " --pod-bytes " + std::to_string(f.pod_bytes);
  if (f.list_mode != "auto") cmd += " --list-mode " + f.list_mode;
  if (f.touch_all) cmd += " --touch-all";
  if (f.metadata_only) cmd += " --metadata-only";
  return cmd;
}

// POSTs `body` to the embedded server's fault injection endpoint.
std::optional<Failure> inject(kube::RestClient& client, const kube::RestConfig& cfg,
                              const std::string& body) {
  kube::HttpRequest req;
  req.method = "POST";
  req.path = "/_kinformer/faults";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body;
  req.idempotent = true;  // setting the same faults twice is harmless; "restart" drops pooled connections
  auto r = client.transport().request(std::move(req));
  if (!r) return server_failure(r.error(), cfg);
  if (r->status != 200) {
    return Failure{kServer, "/_kinformer/faults " + body + ": HTTP " + std::to_string(r->status) +
                                ": " + r->body};
  }
  return std::nullopt;
}

// Changes every pod (a new resourceVersion each) with a few threads.
std::optional<Failure> touch_all(kube::RestClient& client, const kube::RestConfig& cfg,
                                 const SharedIndexInformer& informer) {
  std::vector<std::string> names;
  for (const std::string& key : informer.indexer().list_keys())
    names.push_back(key.substr(key.find('/') + 1));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::optional<kube::Error> first_error;
  std::mutex error_mu;
  const std::string patch =
      std::string(R"({"metadata":{"annotations":{")") + kTouchAnnotation + R"(":"1"}}})";
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < names.size() && !failed; i = next++) {
        auto r = client.patch(kPods, kNamespace, names[i], kube::PatchType::Merge, patch);
        if (!r && !failed.exchange(true)) {
          std::lock_guard l(error_mu);
          first_error = r.error();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) return server_failure(*first_error, cfg);
  return std::nullopt;
}

// Moves the server's resourceVersion on without changing any pod, so that
// the informer's last resourceVersion falls behind the compaction.
std::optional<Failure> touch_nothing(kube::RestClient& client, const kube::RestConfig& cfg) {
  auto r = client.create({{"", "v1", "configmaps"}, true}, kNamespace,
                         R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"relist-"}})");
  if (!r) return server_failure(r.error(), cfg);
  return std::nullopt;
}

bool wait_until(const std::function<bool()>& done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

int run_bench_relist(const RelistFlags& flags) {
  auto mode = parse_progress_mode(flags.progress);
  if (!mode) return fail("bench", {kUsage, mode.error().message});
  auto sync_timeout = parse_duration(flags.sync_timeout);
  if (!sync_timeout)
    return fail("bench", {kUsage, "--sync-timeout: " + sync_timeout.error().message});
  auto started = ServerProcess::start();  // before any thread starts: it forks
  if (!started) return fail("bench", {kFailure, started.error().message});
  std::unique_ptr<ServerProcess> server = std::move(*started);
  ClusterFlags cluster;
  cluster.kubeconfig = server->kubeconfig().string();

  Connection conn;
  if (auto f = connect(cluster, conn)) return fail("bench", *f);
  Connection writer;  // its own transport, not rate-limited like the informer's
  if (auto f = connect(cluster, writer, {.qps = 5000, .burst = 5000})) return fail("bench", *f);
  if (auto f = populate(*writer.client, writer.config, kNamespace, flags.objects, flags.pod_bytes))
    return fail("bench", *f);

  kube::informers::InformerFactoryOptions options;
  options.namespace_ = kNamespace;
  options.metadata_only = flags.metadata_only;
  options.reflector.list_mode = flags.list_mode == "paged"       ? ListMode::kPaged
                                : flags.list_mode == "streaming" ? ListMode::kStreaming
                                                                 : ListMode::kAuto;
  kube::informers::SharedInformerFactory factory(conn.client, options);
  auto informer = factory.for_resource(kPods).informer;
  factory.start();
  auto sample = [&] {
    return ProgressSample{informer->reflector_stats().list_items,
                          conn.client->transport().stats().bytes_received};
  };
  auto sync_deadline = Clock::now() + *sync_timeout;
  auto timed_out = [&](const std::string& what) {
    auto err = informer->last_error();
    return fail("bench", {kSyncTimeout, what + " within " + human_duration(*sync_timeout) +
                                            (err ? ": last error: " + err->message : "")});
  };
  {
    Progress progress(*mode, "syncing pods", sample);
    if (!informer->wait_for_cache_sync(*sync_timeout) ||
        !wait_until([&] { return informer->pending_deltas() == 0; }, sync_deadline))
      return timed_out("pods did not sync");
  }

  // The informer stops hearing about changes; the server moves on.
  if (auto f = inject(*writer.client, writer.config, R"({"stallWatches":true})"))
    return fail("bench", *f);
  if (auto f = flags.touch_all ? touch_all(*writer.client, writer.config, *informer)
                               : touch_nothing(*writer.client, writer.config))
    return fail("bench", *f);

  const std::uint64_t lists_before = informer->reflector_stats().lists;
  release_free_memory();
  const std::uint64_t steady_rss = rss_bytes();
  reset_peak_rss();
  const auto t0 = Clock::now();
  // History gone and every connection dropped: the re-opened watch gets 410.
  if (auto f = inject(*writer.client, writer.config, R"({"compact":true,"restart":true})"))
    return fail("bench", *f);
  auto relist_deadline = Clock::now() + *sync_timeout;
  {
    Progress progress(*mode, "relisting pods", sample);
    if (!wait_until([&] { return informer->reflector_stats().lists > lists_before; },
                    relist_deadline) ||
        !wait_until([&] { return informer->pending_deltas() == 0; }, relist_deadline))
      return timed_out("pods were not relisted");
  }
  const double relist_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::uint64_t peak = peak_rss_bytes();
  const auto stats = informer->reflector_stats();
  if (auto f = inject(*writer.client, writer.config, R"({"stallWatches":false})"))
    return fail("bench", *f);

  // What the figure stands for: the cache holds every pod, each as relisted.
  std::size_t cached = informer->indexer().size();
  std::size_t changed = 0;
  for (const kube::ObjectPtr& pod : informer->indexer().list())
    if (pod->annotation(kTouchAnnotation) == "1") ++changed;
  if (cached != flags.objects || changed != (flags.touch_all ? flags.objects : 0)) {
    return fail("bench", {kFailure, "after the relist the cache holds " + std::to_string(cached) +
                                        " pods, " + std::to_string(changed) +
                                        " of them changed; expected " +
                                        std::to_string(flags.objects) + " and " +
                                        std::to_string(flags.touch_all ? flags.objects : 0)});
  }
  const double steady_mb = static_cast<double>(steady_rss) / 1e6;
  const double peak_mb = static_cast<double>(peak) / 1e6;
  std::cout << "objects=" << cached << " changed=" << changed << " list_mode="
            << (stats.list_mode == ListMode::kStreaming ? "streaming" : "paged")
            << " steady_rss_mb=" << fixed(steady_mb, 1) << " relist_peak_rss_mb=" << fixed(peak_mb, 1)
            << " ratio=" << fixed(steady_mb > 0 ? peak_mb / steady_mb : 0, 2)
            << " relist_seconds=" << fixed(relist_seconds, 3) << "\nreproduce: " << reproduce(flags)
            << std::endl;
  factory.shutdown();
  return kOk;
}

}  // namespace

void add_bench_relist_command(CLI::App& bench, int& exit_code) {
  auto flags = std::make_shared<RelistFlags>();
  auto* cmd = bench.add_subcommand(
      "relist",
      "Measure a forced relist's memory: objects= changed= list_mode= steady_rss_mb= "
      "relist_peak_rss_mb= ratio= relist_seconds=. Starts the embedded API server (a child "
      "process), fills it with --objects pods, syncs an informer, then makes the server compact "
      "and drop its connections so that the informer's watch gets 410 Gone and it lists again.");
  cmd->add_option("--objects", flags->objects, "Pods to create first")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--pod-bytes", flags->pod_bytes,
                  "Pad each pod's JSON to about this size (0: ~2.5 KB)")
      ->capture_default_str();
  cmd->add_option("--list-mode", flags->list_mode,
                  "auto (stream, else paged), paged, or streaming (WatchList)")
      ->check(CLI::IsMember({"auto", "paged", "streaming"}))
      ->capture_default_str();
  cmd->add_flag("--touch-all", flags->touch_all,
                "Change every pod while the informer is not watching, so that the relist brings "
                "new objects (default: all unchanged, as after a server restart)");
  cmd->add_flag("--metadata-only", flags->metadata_only,
                "List and watch PartialObjectMetadata only");
  cmd->add_option("--sync-timeout", flags->sync_timeout,
                  "Give up on the sync, and then on the relist, after this long (exit 6)")
      ->capture_default_str();
  cmd->add_option("--progress", flags->progress,
                  "Progress on stderr: auto (on a terminal), always, never")
      ->capture_default_str();
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_bench_relist(*flags); });
}

}  // namespace kinformer::cli
