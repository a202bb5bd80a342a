// `kinformer bench sync`: how long a shared informer takes to sync a
// resource, and what its cache costs.
//
//   kinformer bench sync --objects 10000              # embedded API server, 10,000 pods
//   kinformer bench sync --kubeconfig ~/.kube/config --resource pods -A --metadata-only
//
// Prints one line of name=value pairs, then the command that reproduces it:
//
//   objects=10000 seconds=0.91 cpu_seconds=1.12 peak_rss_mb=88.4 bytes_per_object=3175
//   events_per_s=2900 reproduce: /usr/local/bin/kinformer bench sync --resource pods --objects
//   10000 --events 1000
//
//   list_mb           size of the whole list's JSON as the server sends it
//   server_list_seconds  one plain GET of that list (the server's own hand-over time, what
//                     `kubectl get --raw` measures), before the informer starts
//   seconds           factory.start() to wait_for_cache_sync() returning (list + FIFO + store)
//   cpu_seconds       this process's CPU time over the same span (every thread)
//   peak_rss_mb       this process's peak resident memory (VmHWM) during the sync (reset
//                     before it, so filling the embedded server does not count)
//   bytes_per_object  resident memory growth over the sync ÷ objects, both ends measured after
//                     malloc_trim, i.e. what the cache keeps, not what the allocator holds
//   events_per_s      (embedded server, --events N) N changes made after sync ÷ the time until
//                     the handler saw all N: the server's and the client's rate together
//   rss_before_mb, thread_cpu  (--threads) resident memory when the sync starts, and the sync's
//                     CPU seconds by thread (name/tid:seconds, from /proc/self/task/*/schedstat)
//
// Without --kubeconfig the embedded API server runs as a child process
// (`kinformer apiserver`), so the figures are the informer's alone; the pods
// come from tools/kinformer/workload.h (about 2.5 KB of JSON each). With
// --kubeconfig the cluster is only read, never written.
#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "kube/client/discovery.h"
#include "kube/informers/factory.h"
#include "tools/kinformer/bench_common.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/process_stats.h"
#include "tools/kinformer/progress.h"
#include "tools/kinformer/resource_arg.h"
#include "tools/kinformer/server_process.h"
#include "tools/kinformer/workload.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchFlags {
  ClusterFlags cluster;
  std::string resource = "pods";
  std::string namespace_;
  bool all_namespaces = false;
  bool metadata_only = false;
  std::size_t objects = 10000;
  std::size_t events = 0;
  std::size_t pod_bytes = 0;  // 0: the workload's natural size (~2.5 KB)
  std::string pod_shape = "lean";
  bool strip_managed_fields = false;
  std::string list_mode = "auto";
  std::string sync_timeout = "10m";
  std::string progress = "auto";
  bool threads = false;
};

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The flags that reproduce this run, in a canonical order.
std::string reproduce(const BenchFlags& f, bool embedded) {
  std::string cmd = self_path() + " bench sync";
  if (!f.cluster.kubeconfig.empty()) cmd += " --kubeconfig " + f.cluster.kubeconfig;
  if (!f.cluster.context.empty()) cmd += " --context " + f.cluster.context;
  cmd += " --resource " + f.resource;
  if (!f.namespace_.empty()) cmd += " -n " + f.namespace_;
  if (f.all_namespaces) cmd += " -A";
  if (f.metadata_only) cmd += " --metadata-only";
  if (embedded) cmd += " --objects " + std::to_string(f.objects);
  if (embedded && f.events > 0) cmd += " --events " + std::to_string(f.events);
  if (embedded && f.pod_bytes > 0) cmd += " --pod-bytes " + std::to_string(f.pod_bytes);
  if (embedded && f.pod_shape != "lean") cmd += " --pod-shape " + f.pod_shape;
  if (f.strip_managed_fields) cmd += " --strip-managed-fields";
  if (f.list_mode != "auto") cmd += " --list-mode " + f.list_mode;
  return cmd;
}

// Makes `count` changes to the workload's pods and returns the rate at which
// the informer's handler saw them.
std::optional<double> measure_events(kube::RestClient& client,
                                     kube::informers::SharedIndexInformer& informer,
                                     const std::string& ns, std::size_t pods, std::size_t count) {
  auto seen = std::make_shared<std::atomic<std::size_t>>(0);
  auto handler = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
  handler->update = [seen](const kube::ObjectPtr& o, const kube::ObjectPtr& n) {
    if (o->resource_version() != n->resource_version()) ++*seen;
  };
  auto reg = informer.add_event_handler(handler);
  while (!reg->has_synced()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t0 = Clock::now();
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) {
        std::string patch = R"({"metadata":{"annotations":{"kinformer.dev/bench":")" +
                            std::to_string(i) + R"("}}})";
        (void)client.patch({{"", "v1", "pods"}, true}, ns, workload::nth_pod(i % pods, ns).name,
                           kube::PatchType::Merge, patch);
      }
    });
  }
  for (auto& w : workers) w.join();
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (*seen < count && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double seconds = since(t0);
  (void)informer.remove_event_handler(reg);
  if (*seen < count) return std::nullopt;
  return static_cast<double>(count) / seconds;
}

int run_bench_sync(BenchFlags flags) {
  auto mode = parse_progress_mode(flags.progress);
  if (!mode) return fail("bench", {kUsage, mode.error().message});
  auto sync_timeout = parse_duration(flags.sync_timeout);
  if (!sync_timeout)
    return fail("bench", {kUsage, "--sync-timeout: " + sync_timeout.error().message});
  const bool embedded = flags.cluster.kubeconfig.empty();
  const std::string pod_ns =
      flags.namespace_.empty() ? "bench" : flags.namespace_;  // embedded only
  ClusterFlags cluster = flags.cluster;
  std::unique_ptr<ServerProcess> server;
  if (embedded) {
    if (flags.resource != "pods" && flags.resource != "pod" && flags.resource != "po") {
      return fail(
          "bench",
          {kUsage, "--resource \"" + flags.resource +
                       "\": the embedded server is filled with pods only; use --kubeconfig"});
    }
    auto started = ServerProcess::start();  // before any thread starts: it forks
    if (!started) return fail("bench", {kFailure, started.error().message});
    server = std::move(*started);
    cluster.kubeconfig = server->kubeconfig().string();
  }

  Connection conn;
  if (auto f = connect(cluster, conn)) return fail("bench", *f);
  kube::ApiResource api;
  {
    kube::Discovery discovery(*conn.client);
    if (auto f = resolve_resource(discovery, conn.config, flags.resource, "watch", api))
      return fail("bench", *f);
  }
  if (embedded) {
    Connection writer;  // its own transport, gone before the measurement starts
    if (auto f = connect(cluster, writer, {.qps = 5000, .burst = 5000})) return fail("bench", *f);
    if (auto f = populate(*writer.client, writer.config, pod_ns, flags.objects, flags.pod_bytes,
                          flags.pod_shape == "live"))
      return fail("bench", *f);
  }
  std::string ns;
  if (api.namespaced && !flags.all_namespaces) {
    ns = embedded ? pod_ns : (flags.namespace_.empty() ? conn.config.namespace_ : flags.namespace_);
  }

  // The server's own hand-over time for the same list (what `kubectl get
  // --raw` measures): one GET of the whole collection, the request the
  // informer's first list makes (resourceVersion=0: served whole).
  double server_seconds = 0;
  std::uint64_t list_bytes = 0;
  {
    const auto& gvr = api.gvr;
    std::string path = (gvr.group.empty() ? std::string("/api/") : "/apis/" + gvr.group + "/") + gvr.version +
                       (ns.empty() ? "" : "/namespaces/" + ns) + "/" + gvr.resource + "?resourceVersion=0";
    auto t = Clock::now();
    auto raw = conn.client->get_raw(path);
    server_seconds = since(t);
    if (raw) list_bytes = raw->body.size();
  }

  release_free_memory();
  reset_peak_rss();  // the figure is the sync's, not the population's
  const std::uint64_t rss_before = rss_bytes();
  const double cpu_before = cpu_seconds();
  const auto threads_before = thread_cpu_seconds();
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = ns;
  options.metadata_only = flags.metadata_only;
  options.strip_managed_fields = flags.strip_managed_fields;
  options.reflector.list_mode = flags.list_mode == "paged"       ? kube::informers::ListMode::kPaged
                                : flags.list_mode == "streaming" ? kube::informers::ListMode::kStreaming
                                                                 : kube::informers::ListMode::kAuto;
  kube::informers::SharedInformerFactory factory(conn.client, options);
  auto informer = factory.for_resource(api.resource()).informer;
  const std::uint64_t bytes_before = conn.client->transport().stats().bytes_received;
  auto t0 = Clock::now();
  factory.start();
  bool synced;
  {
    Progress progress(*mode, "syncing " + display_name(api), [&] {
      return ProgressSample{informer->reflector_stats().list_items,
                            conn.client->transport().stats().bytes_received - bytes_before};
    });
    synced = informer->wait_for_cache_sync(*sync_timeout);
  }
  const double seconds = since(t0);
  const double cpu = cpu_seconds() - cpu_before;
  const auto threads_after = thread_cpu_seconds();
  if (!synced) {
    auto err = informer->last_error();
    return fail("bench", {kSyncTimeout, display_name(api) + " did not sync within " +
                                            human_duration(*sync_timeout) +
                                            (err ? ": last error: " + err->message : "")});
  }
  release_free_memory();
  const std::size_t objects = informer->indexer().size();
  const std::uint64_t rss_after = rss_bytes();
  const double growth = rss_after > rss_before ? static_cast<double>(rss_after - rss_before) : 0.0;

  std::optional<double> events_per_s;
  if (embedded && flags.events > 0 && flags.objects > 0) {
    Connection writer;  // not rate-limited like the informer's client
    if (auto f = connect(cluster, writer, {.qps = 5000, .burst = 5000})) return fail("bench", *f);
    events_per_s = measure_events(*writer.client, *informer, pod_ns, flags.objects, flags.events);
  }
  std::cout << "objects=" << objects << " list_mb=" << fixed(static_cast<double>(list_bytes) / 1e6, 1)
            << " server_list_seconds=" << fixed(server_seconds, 3) << " seconds=" << fixed(seconds, 3)
            << " cpu_seconds=" << fixed(cpu, 3)
            << " peak_rss_mb=" << fixed(static_cast<double>(peak_rss_bytes()) / 1e6, 1)
            << " bytes_per_object="
            << (objects > 0 ? static_cast<std::uint64_t>(growth / static_cast<double>(objects))
                            : 0);
  if (events_per_s) std::cout << " events_per_s=" << static_cast<std::uint64_t>(*events_per_s);
  if (flags.threads) {
    // Where the sync's CPU went, by thread (those that ran at least 1 ms).
    std::cout << " rss_before_mb=" << fixed(static_cast<double>(rss_before) / 1e6, 1) << " thread_cpu=";
    const char* sep = "";
    for (const auto& [name, after] : threads_after) {
      auto it = threads_before.find(name);
      double used = after - (it == threads_before.end() ? 0.0 : it->second);
      if (used < 0.001) continue;
      std::cout << sep << name << ":" << fixed(used, 3);
      sep = ",";
    }
  }
  std::cout << "\nreproduce: " << reproduce(flags, embedded) << std::endl;
  factory.shutdown();
  return kOk;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* bench = app.add_subcommand("bench", "Measure informers (bench sync, relist, polling, informers)");
  bench->require_subcommand(1);
  auto flags = std::make_shared<BenchFlags>();
  auto* cmd = bench->add_subcommand(
      "sync",
      "Time a shared informer's sync and measure its memory: objects= seconds= cpu_seconds= "
      "peak_rss_mb= "
      "bytes_per_object= [events_per_s=]. Without --kubeconfig, starts the embedded API server (a "
      "child "
      "process) and fills it with --objects pods; with it, only reads the cluster.");
  cmd->add_option("--kubeconfig", flags->cluster.kubeconfig, "Sync from this cluster (read-only)");
  cmd->add_option("--context", flags->cluster.context, "The kubeconfig context to use");
  cmd->add_option("--request-timeout", flags->cluster.request_timeout,
                  "Time limit of each request (0: none)")
      ->capture_default_str();
  cmd->add_option("--resource", flags->resource, "Resource type to sync (pods, deploy, cm, ...)")
      ->capture_default_str();
  cmd->add_option("-n,--namespace", flags->namespace_, "Namespace (embedded default: bench)");
  cmd->add_flag("-A,--all-namespaces", flags->all_namespaces, "Every namespace");
  cmd->add_flag("--metadata-only", flags->metadata_only,
                "List and watch PartialObjectMetadata only");
  cmd->add_option("--objects", flags->objects, "Embedded server: pods to create first")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--events", flags->events,
                  "Embedded server: changes to make after sync to measure events_per_s")
      ->capture_default_str();
  cmd->add_option("--pod-bytes", flags->pod_bytes,
                  "Embedded server: pad each pod's JSON to about this size (0: ~2.5 KB)")
      ->capture_default_str();
  cmd->add_option("--pod-shape", flags->pod_shape,
                  "Embedded server: lean (~2.5 KB) or live (~6 KB: what a ReplicaSet's pod carries on "
                  "a live cluster, managedFields and containerStatuses included)")
      ->check(CLI::IsMember({"lean", "live"}))
      ->capture_default_str();
  cmd->add_flag("--strip-managed-fields", flags->strip_managed_fields,
                "Cache without metadata.managedFields (InformerFactoryOptions::strip_managed_fields)");
  cmd->add_option("--list-mode", flags->list_mode,
                  "auto (stream, else paged), paged, or streaming (WatchList)")
      ->check(CLI::IsMember({"auto", "paged", "streaming"}))
      ->capture_default_str();
  cmd->add_option("--sync-timeout", flags->sync_timeout, "Give up after this long (exit 6)")
      ->capture_default_str();
  cmd->add_flag("--threads", flags->threads,
                "Also print rss_before_mb= and thread_cpu= (CPU seconds of the sync by thread, "
                "name/tid:seconds)");
  cmd->add_option("--progress", flags->progress,
                  "Progress on stderr: auto (on a terminal), always, never")
      ->capture_default_str();
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, cmd, &exit_code] {
    if (!flags->cluster.kubeconfig.empty() && (flags->events > 0 || cmd->count("--objects") > 0)) {
      exit_code =
          fail("bench", {kUsage,
                         "--objects and --events write to the cluster: embedded server only "
                         "(leave out --kubeconfig)"});
      return;
    }
    exit_code = run_bench_sync(*flags);
  });
  add_bench_relist_command(*bench, exit_code);
  add_bench_polling_command(*bench, exit_code);
  add_bench_informers_command(*bench, exit_code);
}

}  // namespace kinformer::cli
