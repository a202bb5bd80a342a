// `kinformer bench polling`: an informer against a poller that lists every
// --poll-interval, for the same stream of changes.
//
//   kinformer bench polling --objects 1000 --changes-per-s 50 --seconds 30 --poll-interval 2s
//   kinformer bench polling --kubeconfig ~/.kube/config -n scratch --seconds 10
//
// Prints one line of name=value pairs per mode (informer, then polling), then
// the command that reproduces them:
//
//   mode=informer objects=1000 seconds=30.2 writes=1500 detected=1500 missed=0 requests=2
//   received_bytes=1260412 latency_p50_ms=0.9 latency_p99_ms=2.7 cpu_seconds=0.110
//   mode=polling poll_interval_s=2.000 ... requests=17 received_bytes=17954112 ...
//
//   writes          changes the writer made while this mode observed (each a merge patch of one
//                   random configmap, stamping the write time into an annotation)
//   detected        distinct writes the observer saw (its stamp differs from the one before)
//   missed          writes - detected: a poller sees only the last of several writes to one
//                   object between two lists
//   requests        HTTP requests the observer's client started (Transport::Stats, counted
//                   where the transfer is handed to curl: the informer's list and watch(es),
//                   every poll's list, any retry)
//   received_bytes  response body bytes the observer's client received (Transport::Stats)
//   latency_*_ms    detection latency: when the observer saw a write - its stamped write time
//                   (steady clock: writer and observer on one machine). Polling: one sample per
//                   detected write
//   cpu_seconds     CPU time of this process over the mode: the observer alone. The writer is a
//                   child process (forked before any thread starts) and the embedded server
//                   another one, so neither counts.
//   seconds         the mode's span: from before the observer's first request until it stopped
//
// Both modes include their first list (the informer's sync, the poller's
// baseline). Without --kubeconfig the embedded API server runs as a child
// process and is filled with --objects configmaps in namespace "bench"; with
// it, the configmaps (bench-cm-0...) are created in -n NAMESPACE and deleted
// afterwards.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube/informers/factory.h"
#include "tools/kinformer/bench_common.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/process_stats.h"
#include "tools/kinformer/server_process.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kStamp = "kinformer.dev/written-at";
constexpr const char* kSelector = "app=kinformer-bench";
const kube::Resource kPollingConfigMaps{{"", "v1", "configmaps"}, true};

struct PollingFlags {
  ClusterFlags cluster;
  std::string namespace_;
  std::size_t objects = 1000;
  double changes_per_s = 50;
  double seconds = 30;
  std::string poll_interval = "2s";
};

std::string reproduce(const PollingFlags& f) {
  std::string cmd = self_path() + " bench polling";
  if (!f.cluster.kubeconfig.empty()) cmd += " --kubeconfig " + f.cluster.kubeconfig;
  if (!f.cluster.context.empty()) cmd += " --context " + f.cluster.context;
  if (!f.namespace_.empty()) cmd += " -n " + f.namespace_;
  cmd += " --objects " + std::to_string(f.objects) + " --changes-per-s " +
         fixed(f.changes_per_s, 1) + " --seconds " + fixed(f.seconds, 1) + " --poll-interval " +
         f.poll_interval;
  return cmd;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// The stamp of `obj` ("" when it has none).
std::string stamp_of(const kube::Object& obj) { return obj.annotation(kStamp).value_or(""); }

double latency_ms(const std::string& stamp) {
  try {
    return static_cast<double>(now_ns() - std::stoll(stamp)) / 1e6;
  } catch (...) {
    return -1;
  }
}

// ---- the writer: a child process, so that its CPU is not the observer's ----

struct WriterReport {
  std::uint64_t writes = 0;
  std::uint64_t failures = 0;
};

// Runs in the forked child: on each 'g' read from `cmd_fd`, patches random
// configmaps at flags.changes_per_s for flags.seconds and writes a
// WriterReport to `report_fd`. Exits when `cmd_fd` closes.
[[noreturn]] void writer_main(int cmd_fd, int report_fd, const PollingFlags& flags,
                              const std::string& kubeconfig, const std::string& ns) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ClusterFlags cluster = flags.cluster;
  cluster.kubeconfig = kubeconfig;
  Connection conn;
  bool connected = false;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, flags.objects > 0 ? flags.objects - 1 : 0);
  char c;
  while (::read(cmd_fd, &c, 1) == 1) {
    WriterReport report;
    if (!connected) connected = !connect(cluster, conn, {.qps = 5000, .burst = 5000});
    const auto t0 = Clock::now();
    const auto span = std::chrono::duration<double>(flags.seconds);
    for (std::uint64_t i = 0; connected && flags.objects > 0; ++i) {
      auto when = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                           static_cast<double>(i) / flags.changes_per_s));
      if (when >= t0 + span) break;
      std::this_thread::sleep_until(when);
      std::string patch = std::string(R"({"metadata":{"annotations":{")") + kStamp + R"(":")" +
                          std::to_string(now_ns()) + R"("}}})";
      auto r = conn.client->patch(kPollingConfigMaps, ns, bench_configmap_name(pick(rng)),
                                  kube::PatchType::Merge, patch);
      ++(r ? report.writes : report.failures);
    }
    std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(span));
    if (::write(report_fd, &report, sizeof report) != sizeof report) break;
  }
  ::_exit(0);
}

class Writer {
 public:
  // Forks the writer; call before this process starts any thread.
  bool start(const PollingFlags& flags, const std::string& kubeconfig, const std::string& ns) {
    int cmd[2], report[2];
    if (::pipe(cmd) != 0 || ::pipe(report) != 0) return false;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::close(cmd[1]);
      ::close(report[0]);
      writer_main(cmd[0], report[1], flags, kubeconfig, ns);
    }
    ::close(cmd[0]);
    ::close(report[1]);
    cmd_fd_ = cmd[1];
    report_fd_ = report[0];
    return true;
  }
  ~Writer() {
    if (cmd_fd_ >= 0) ::close(cmd_fd_);  // the child exits
    if (report_fd_ >= 0) ::close(report_fd_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  void go() { (void)!::write(cmd_fd_, "g", 1); }
  // Blocks until the writer finished the run go() started.
  WriterReport wait() {
    WriterReport r;
    if (::read(report_fd_, &r, sizeof r) != sizeof r) r.failures = 1;
    return r;
  }

 private:
  pid_t pid_ = -1;
  int cmd_fd_ = -1;
  int report_fd_ = -1;
};

// ---- the two observers ----

struct ModeResult {
  WriterReport writer;
  std::uint64_t detected = 0;
  std::vector<double> latencies_ms;
  kube::Transport::Stats before, after;
  double cpu = 0;
  double seconds = 0;
};

void print(const char* mode, const std::string& extra, const PollingFlags& flags, ModeResult& r) {
  std::cout << "mode=" << mode << extra << " objects=" << flags.objects
            << " changes_per_s=" << fixed(flags.changes_per_s, 1)
            << " seconds=" << fixed(r.seconds, 1) << " writes=" << r.writer.writes
            << " write_failures=" << r.writer.failures << " detected=" << r.detected
            << " missed=" << (r.writer.writes > r.detected ? r.writer.writes - r.detected : 0)
            << " requests=" << r.after.requests_started - r.before.requests_started
            << " received_bytes=" << r.after.bytes_received - r.before.bytes_received
            << " latency_p50_ms=" << fixed(quantile(r.latencies_ms, 0.5), 1)
            << " latency_p99_ms=" << fixed(quantile(r.latencies_ms, 0.99), 1)
            << " cpu_seconds=" << fixed(r.cpu, 3) << "\n";
}

std::optional<Failure> observe_with_informer(const ClusterFlags& cluster, const std::string& ns,
                                             Writer& writer, ModeResult& out) {
  Connection conn;
  if (auto f = connect(cluster, conn)) return f;
  std::mutex mu;  // guards detected and latencies (the handler's thread and this one)
  std::uint64_t detected = 0;
  std::vector<double> latencies;
  auto handler = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
  handler->update = [&](const kube::ObjectPtr& o, const kube::ObjectPtr& n) {
    std::string stamp = stamp_of(*n);
    if (stamp.empty() || stamp == stamp_of(*o)) return;
    double ms = latency_ms(stamp);
    std::lock_guard l(mu);
    ++detected;
    latencies.push_back(ms);
  };
  out.before = conn.client->transport().stats();
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  {
    kube::informers::SharedInformerFactory factory(conn.client,
                                                   {.namespace_ = ns, .label_selector = kSelector});
    auto informer = factory.for_resource(kPollingConfigMaps).informer;
    auto reg = informer->add_event_handler(handler);
    factory.start();
    if (!informer->wait_for_cache_sync(std::chrono::minutes(5))) {
      auto err = informer->last_error();
      return Failure{kSyncTimeout, "configmaps did not sync" + (err ? ": " + err->message : "")};
    }
    while (!reg->has_synced()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    writer.go();
    out.writer = writer.wait();
    // Every write is delivered; give the last ones time to arrive.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      {
        std::lock_guard l(mu);
        if (detected >= out.writer.writes) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    factory.shutdown();
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out.cpu = cpu_seconds() - cpu0;
  out.after = conn.client->transport().stats();
  std::lock_guard l(mu);
  out.detected = detected;
  out.latencies_ms = std::move(latencies);
  return std::nullopt;
}

std::optional<Failure> observe_by_polling(const ClusterFlags& cluster, const std::string& ns,
                                          std::chrono::milliseconds interval, double seconds,
                                          Writer& writer, ModeResult& out) {
  Connection conn;
  if (auto f = connect(cluster, conn)) return f;
  // name -> (resourceVersion, stamp) as of the last list.
  std::map<std::string, std::pair<std::string, std::string>> last;
  std::optional<Failure> failure;
  auto poll = [&](bool baseline) {
    auto list = conn.client->list(kPollingConfigMaps, ns, {.label_selector = kSelector});
    if (!list) {
      failure = server_failure(list.error(), conn.config);
      return;
    }
    for (const auto& item : list->items) {
      auto& [rv, stamp] = last[std::string(item->name())];
      if (item->resource_version() == rv) continue;  // unchanged since the last list
      rv = std::string(item->resource_version());
      std::string now_stamp = stamp_of(*item);
      if (!baseline && !now_stamp.empty() && now_stamp != stamp) {
        ++out.detected;
        out.latencies_ms.push_back(latency_ms(now_stamp));
      }
      stamp = std::move(now_stamp);
    }
  };
  out.before = conn.client->transport().stats();
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  poll(true);
  if (failure) return failure;
  writer.go();
  const auto writer_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(seconds));
  auto next = Clock::now() + interval;
  for (; next < writer_end && !failure; next += interval) {
    std::this_thread::sleep_until(next);
    poll(false);
  }
  out.writer = writer.wait();
  if (!failure) {  // the poll that sees the writer's last changes
    std::this_thread::sleep_until(next);
    poll(false);
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out.cpu = cpu_seconds() - cpu0;
  out.after = conn.client->transport().stats();
  return failure;
}

int run_bench_polling(const PollingFlags& flags) {
  auto interval = parse_duration(flags.poll_interval);
  if (!interval || interval->count() <= 0)
    return fail("bench", {kUsage, "--poll-interval \"" + flags.poll_interval +
                                      "\": want a positive duration"});
  const bool embedded = flags.cluster.kubeconfig.empty();
  if (!embedded && flags.namespace_.empty())
    return fail(
        "bench",
        {kUsage, "--kubeconfig: bench polling writes configmaps; name their namespace with -n"});
  const std::string ns = embedded ? "bench" : flags.namespace_;
  ClusterFlags cluster = flags.cluster;
  std::unique_ptr<ServerProcess> server;
  if (embedded) {
    auto started = ServerProcess::start();  // before any thread starts: it forks
    if (!started) return fail("bench", {kFailure, started.error().message});
    server = std::move(*started);
    cluster.kubeconfig = server->kubeconfig().string();
  }
  Writer writer;  // forks too, still before any thread
  if (!writer.start(flags, cluster.kubeconfig, ns))
    return fail("bench",
                {kFailure, std::string("starting the writer process: ") + std::strerror(errno)});
  {
    Connection setup;
    if (auto f = connect(cluster, setup, {.qps = 5000, .burst = 5000})) return fail("bench", *f);
    if (auto f = populate_configmaps(*setup.client, setup.config, ns, flags.objects, 100))
      return fail("bench", *f);
  }
  ModeResult informer, polling;
  auto failure = observe_with_informer(cluster, ns, writer, informer);
  if (!failure)
    failure = observe_by_polling(cluster, ns, *interval, flags.seconds, writer, polling);
  if (!embedded) {
    Connection cleanup_conn;
    if (!connect(cluster, cleanup_conn, {.qps = 5000, .burst = 5000}))
      delete_configmaps(*cleanup_conn.client, ns, flags.objects);
  }
  if (failure) return fail("bench", *failure);
  print("informer", "", flags, informer);
  print("polling", " poll_interval_s=" + fixed(std::chrono::duration<double>(*interval).count(), 3),
        flags, polling);
  std::cout << "reproduce: " << reproduce(flags) << std::endl;
  return kOk;
}

}  // namespace

void add_bench_polling_command(CLI::App& bench, int& exit_code) {
  auto flags = std::make_shared<PollingFlags>();
  auto* cmd = bench.add_subcommand(
      "polling",
      "An informer vs a poller listing every --poll-interval, for the same changes (a writer "
      "process patches random configmaps): requests=, received_bytes=, latency_p50_ms=, "
      "latency_p99_ms=, cpu_seconds=, missed= for each. Without --kubeconfig, on the embedded API "
      "server (a child process); with it, creates and then deletes configmaps in -n NAMESPACE.");
  cmd->add_option("--kubeconfig", flags->cluster.kubeconfig,
                  "Run against this cluster (writes configmaps)");
  cmd->add_option("--context", flags->cluster.context, "The kubeconfig context to use");
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Namespace for the configmaps (required with --kubeconfig)");
  cmd->add_option("--objects", flags->objects, "Configmaps to create and change")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  cmd->add_option("--changes-per-s", flags->changes_per_s, "The writer's rate of changes")
      ->check(CLI::Range(0.1, 100000.0))
      ->capture_default_str();
  cmd->add_option("--seconds", flags->seconds, "How long the writer writes, in each mode")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  cmd->add_option("--poll-interval", flags->poll_interval, "The poller lists this often")
      ->capture_default_str();
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_bench_polling(*flags); });
}

}  // namespace kinformer::cli
