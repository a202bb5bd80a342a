// `kinformer bench informers`: many informers on ONE client (one Transport:
// one curl multi handle, one I/O thread), and how many TCP connections they
// hold.
//
//   kinformer bench informers --count 100 --objects 1000
//   kinformer bench informers --count 100 --http1.1     # HTTP/2 not even offered
//   kinformer bench informers --count 100 --http2-proxy # HTTP/2 over TLS, through nghttpx
//   kinformer bench informers --kubeconfig ~/.kube/config -n scratch --count 100
//
// The informers are label-scoped: informer i watches the configmaps labelled
// shard=i in one namespace (the objects spread evenly over the shards). That
// is what a sharded controller, or one informer per tenant selector, does, and
// it needs nothing but a namespace on a real cluster (100 CRDs would need
// cluster-admin). Each informer has its own factory; all share one RestClient.
//
// Prints one line of name=value pairs, then the command that reproduces it:
//
//   informers=100 objects=1000 seconds=0.41 cpu_seconds=0.35 peak_rss_mb=21.3
//   connections=100 requests=100 http_version=1 relists=0 watch_restarts=0
//
//   seconds          first factory start() to every informer synced
//   cpu_seconds      this process's CPU time over the same span
//   peak_rss_mb      this process's peak resident memory (VmHWM, reset before the informers start)
//   connections      TCP connections of this process ESTABLISHED to the server's port once all
//                    are synced and idle (/proc/self/net/tcp{,6} matched against /proc/self/fd)
//                    (not Transport::Stats::connections_opened, which also counts connections
//                    opened and closed again, such as a list's before the watch)
//   requests         requests started (lists, watches, retries)
//   http_version     the protocol the server answered with (2: one multiplexed connection is
//                    possible; 1: every open watch holds a connection of its own)
//   relists          lists beyond each informer's first, until the end of --hold
//   watch_restarts   watches beyond each informer's first (a watch cut by a timeout on the way
//                    is resumed with a new one)
//
// Without --kubeconfig the embedded API server (HTTP/1.1 only) runs as a child
// process; with it, the configmaps (bench-cm-0...) are created in -n NAMESPACE
// and deleted afterwards. --http2-proxy (embedded server only) puts nghttpx
// (Debian package nghttp2-proxy; kube/testing/http2_proxy.h) before the embedded
// server, which then serves plain HTTP: the informers talk HTTP/2 over TLS to
// the proxy, as they would to a kube-apiserver, and connections= counts the
// connections to the proxy. --hold keeps the watches open that long after the
// sync before counting (a proxy's idle timeout would show as watch_restarts).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <unistd.h>

#include "kube/informers/factory.h"
#include "kube/testing/http2_proxy.h"
#include "tools/kinformer/bench_common.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/process_stats.h"
#include "tools/kinformer/server_process.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

const kube::Resource kConfigMaps{{"", "v1", "configmaps"}, true};

struct InformersFlags {
  ClusterFlags cluster;
  std::string namespace_;
  std::size_t count = 100;
  std::size_t objects = 1000;
  bool http1 = false;
  bool http2_proxy = false;
  std::string sync_timeout = "5m";
  std::string hold = "500ms";
};

std::string reproduce(const InformersFlags& f) {
  std::string cmd = self_path() + " bench informers";
  if (!f.cluster.kubeconfig.empty()) cmd += " --kubeconfig " + f.cluster.kubeconfig;
  if (!f.cluster.context.empty()) cmd += " --context " + f.cluster.context;
  if (!f.namespace_.empty()) cmd += " -n " + f.namespace_;
  cmd += " --count " + std::to_string(f.count) + " --objects " + std::to_string(f.objects);
  if (f.http1) cmd += " --http1.1";
  if (f.http2_proxy) cmd += " --http2-proxy";
  if (f.hold != "500ms") cmd += " --hold " + f.hold;
  return cmd;
}

int run_bench_informers(const InformersFlags& flags) {
  auto sync_timeout = parse_duration(flags.sync_timeout);
  if (!sync_timeout)
    return fail("bench", {kUsage, "--sync-timeout: " + sync_timeout.error().message});
  auto hold = parse_duration(flags.hold);
  if (!hold) return fail("bench", {kUsage, "--hold: " + hold.error().message});
  const bool embedded = flags.cluster.kubeconfig.empty();
  if (flags.http2_proxy && !embedded)
    return fail("bench",
                {kUsage, "--http2-proxy: only with the embedded server (no --kubeconfig)"});
  if (flags.http2_proxy && !kube::testing::Http2Proxy::available())
    return fail("bench", {kFailure,
                          "--http2-proxy: /usr/sbin/nghttpx not found: install the Debian "
                          "package nghttp2-proxy (apt-get install nghttp2-proxy)"});
  if (!embedded && flags.namespace_.empty())
    return fail(
        "bench",
        {kUsage, "--kubeconfig: bench informers creates configmaps; name their namespace with -n"});
  const std::string ns = embedded ? "bench" : flags.namespace_;
  ClusterFlags cluster = flags.cluster;
  std::unique_ptr<ServerProcess> server;
  if (embedded) {
    // Before any thread starts: it forks. Plain HTTP when nghttpx does the TLS.
    auto started = ServerProcess::start({.plain_http = flags.http2_proxy});
    if (!started) return fail("bench", {kFailure, started.error().message});
    server = std::move(*started);
    cluster.kubeconfig = server->kubeconfig().string();
  }
  std::unique_ptr<kube::testing::Http2Proxy> proxy;
  {
    Connection setup;  // its own transport, closed (with its pooled connections) before counting
    if (auto f = connect(cluster, setup, {.qps = 5000, .burst = 5000})) return fail("bench", *f);
    if (auto f = populate_configmaps(*setup.client, setup.config, ns, flags.objects, flags.count))
      return fail("bench", *f);
    if (flags.http2_proxy) {
      proxy = std::make_unique<kube::testing::Http2Proxy>(kube::testing::Http2ProxyOptions{
          .backend_port = static_cast<std::uint16_t>(url_port(setup.config.host))});
      if (auto r = proxy->start(); !r) return fail("bench", {kFailure, r.error().message});
    }
  }

  Connection conn;
  ClientOptions client_options{.qps = 5000, .burst = 5000, .http2 = !flags.http1};
  if (proxy) {
    client_options.server = proxy->url();
    client_options.ca_pem = proxy->ca_pem();
  }
  if (auto f = connect(cluster, conn, client_options)) return fail("bench", *f);
  const int port = url_port(conn.config.host);
  std::optional<Failure> failure;
  std::size_t objects = 0, connections = 0, relists = 0, watch_restarts = 0;
  double seconds = 0, cpu = 0;
  const auto before = conn.client->transport().stats();
  {
    release_free_memory();
    reset_peak_rss();
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<kube::informers::SharedInformerFactory>> factories;
    std::vector<std::shared_ptr<kube::informers::SharedIndexInformer>> informers;
    for (std::size_t i = 0; i < flags.count; ++i) {
      factories.push_back(std::make_unique<kube::informers::SharedInformerFactory>(
          conn.client, kube::informers::InformerFactoryOptions{
                           .namespace_ = ns,
                           .label_selector = "app=kinformer-bench,shard=" + std::to_string(i)}));
      informers.push_back(factories.back()->for_resource(kConfigMaps).informer);
      factories.back()->start();
    }
    const auto deadline = Clock::now() + *sync_timeout;
    for (std::size_t i = 0; i < informers.size() && !failure; ++i) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!informers[i]->wait_for_cache_sync(std::max(left, std::chrono::milliseconds(1)))) {
        auto err = informers[i]->last_error();
        failure = Failure{kSyncTimeout, "informer " + std::to_string(i) + " (configmaps shard=" +
                                            std::to_string(i) + ") did not sync within " +
                                            human_duration(*sync_timeout) +
                                            (err ? ": last error: " + err->message : "")};
      }
    }
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    cpu = cpu_seconds() - cpu0;
    for (const auto& informer : informers) objects += informer->indexer().size();
    // Each informer has one request open (a streaming list turns into the
    // watch; a paged list is followed by a watch): let them all open.
    const std::size_t expected = before.requests_started + flags.count;
    for (int i = 0; i < 500 && conn.client->transport().stats().requests_started < expected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(*hold);
    connections = established_connections_to(port);
    for (const auto& informer : informers) {
      auto s = informer->reflector_stats();
      relists += s.lists > 1 ? s.lists - 1 : 0;
      watch_restarts += s.watches > 1 ? s.watches - 1 : 0;
    }
    for (auto& f : factories) f->shutdown();
  }
  if (failure) return fail("bench", *failure);
  const auto after = conn.client->transport().stats();
  long http_version = 0;
  if (auto r = conn.client->get_raw("/api")) http_version = r->http_version;
  if (!embedded) {
    Connection cleanup_conn;
    if (!connect(cluster, cleanup_conn, {.qps = 5000, .burst = 5000}))
      delete_configmaps(*cleanup_conn.client, ns, flags.objects);
  }
  std::cout << "informers=" << flags.count << " objects=" << objects
            << " seconds=" << fixed(seconds, 3) << " cpu_seconds=" << fixed(cpu, 3)
            << " peak_rss_mb=" << fixed(static_cast<double>(peak_rss_bytes()) / 1e6, 1)
            << " connections=" << connections
            << " requests=" << after.requests_started - before.requests_started
            << " http_version=" << http_version << " relists=" << relists
            << " watch_restarts=" << watch_restarts << "\nreproduce: " << reproduce(flags)
            << std::endl;
  return kOk;
}

}  // namespace

void add_bench_informers_command(CLI::App& bench, int& exit_code) {
  auto flags = std::make_shared<InformersFlags>();
  auto* cmd = bench.add_subcommand(
      "informers",
      "--count label-scoped configmap informers on one client: seconds=, cpu_seconds=, "
      "peak_rss_mb=, connections= (TCP connections open to the server), http_version=, "
      "relists=, watch_restarts=. Without --kubeconfig, on the embedded API server (HTTP/1.1; "
      "HTTP/2 through nghttpx with --http2-proxy); with it, creates and then deletes "
      "configmaps in -n NAMESPACE.");
  cmd->add_option("--kubeconfig", flags->cluster.kubeconfig,
                  "Run against this cluster (writes configmaps)");
  cmd->add_option("--context", flags->cluster.context, "The kubeconfig context to use");
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Namespace for the configmaps (required with --kubeconfig)");
  cmd->add_option("--count", flags->count, "Informers (informer i watches shard=i)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->capture_default_str();
  cmd->add_option("--objects", flags->objects, "Configmaps, spread evenly over the shards")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000000}))
      ->capture_default_str();
  cmd->add_flag("--http1.1", flags->http1, "Do not offer HTTP/2 (one connection per open watch)");
  cmd->add_flag("--http2-proxy", flags->http2_proxy,
                "Put nghttpx (package nghttp2-proxy) before the embedded server: HTTP/2 over TLS "
                "to the proxy, the server behind it plain HTTP/1.1");
  cmd->add_option("--sync-timeout", flags->sync_timeout, "Give up after this long (exit 6)")
      ->capture_default_str();
  cmd->add_option("--hold", flags->hold,
                  "Keep the watches open this long after the sync before counting connections")
      ->capture_default_str();
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_bench_informers(*flags); });
}

}  // namespace kinformer::cli
