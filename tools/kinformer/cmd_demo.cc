// `kinformer demo`: informers at work. With no cluster configured (or with
// --embedded) it starts the embedded API server, creates a workload of pods,
// syncs an informer, answers selector queries from the cache, then makes a
// few changes and prints the events as the handler receives them. With a
// kubeconfig it only reads: it syncs pods in all namespaces and follows
// changes for --follow seconds. It never writes to a real cluster.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "kube/client/config.h"
#include "kube/informers/factory.h"
#include "kube/testing/api_server.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/workload.h"

namespace kinformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct DemoFlags {
  std::size_t pods = 2000;
  int follow_seconds = 3;
  bool embedded = false;
  std::string kubeconfig;
  std::string context;
};

// Prints each notification as `kubectl get -w` would mark it.
class PrintingHandler : public kube::informers::ResourceEventHandler {
 public:
  explicit PrintingHandler(bool quiet_initial) : quiet_initial_(quiet_initial) {}
  void on_add(const kube::ObjectPtr& o, bool initial) override {
    if (initial && quiet_initial_) return;
    print("ADDED", *o);
  }
  void on_update(const kube::ObjectPtr& old_obj, const kube::ObjectPtr& o) override {
    if (old_obj->resource_version() == o->resource_version()) return;  // resync
    print("MODIFIED", *o);
  }
  void on_delete(const kube::informers::DeletedObject& d) override {
    if (const auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) {
      std::lock_guard l(mu_);
      std::cout << "  DELETED  " << t->key << " (final state unknown)\n";
      return;
    }
    print("DELETED", *std::get<kube::ObjectPtr>(d));
  }

 private:
  void print(const char* what, const kube::Object& o) {
    std::lock_guard l(mu_);
    std::cout << "  " << std::left << std::setw(9) << what << o.namespace_() << "/" << o.name()
              << "  phase=" << o.field_string("status.phase").value_or("?") << "  rv=" << o.resource_version()
              << "\n";
  }
  const bool quiet_initial_;
  std::mutex mu_;
};

int follow(kube::RestConfig config, const DemoFlags& flags, bool embedded) {
  config.qps = std::max(config.qps, 50.0);
  config.burst = std::max(config.burst, 100);
  auto transport = kube::Transport::create(config);
  if (!transport) {
    std::cerr << "kinformer demo: " << transport.error().message << "\n";
    return kConfig;
  }
  auto client = std::make_shared<kube::RestClient>(std::shared_ptr<kube::Transport>(std::move(*transport)));
  kube::informers::SharedInformerFactory factory(client);
  auto pods = factory.pods();
  auto handler = std::make_shared<PrintingHandler>(true);
  auto reg = pods.informer->add_event_handler(handler);
  auto t0 = Clock::now();
  factory.start();
  for (const auto& r : factory.wait_for_cache_sync(std::chrono::seconds(60))) {
    if (!r.synced) {
      std::cerr << "kinformer demo: " << r.resource.to_string() << " did not sync: "
                << (r.last_error ? r.last_error->message : "timed out after 60s") << "\n";
      return r.last_error && r.last_error->code == 0 ? kUnreachable : kSyncTimeout;
    }
  }
  double sync_ms = ms_since(t0);
  auto lister = pods.objects();
  auto all = lister.list();
  std::size_t bytes = 0;
  std::map<std::string, int> by_phase;
  for (const auto& p : all) {
    bytes += p->json().size();
    by_phase[p->field_string("status.phase").value_or("?")]++;
  }
  std::cout << "synced " << all.size() << " pods (" << std::fixed << std::setprecision(1)
            << bytes / 1048576.0 << " MB of JSON) in " << sync_ms << " ms with 1 list request; by phase:";
  for (const auto& [phase, n] : by_phase) std::cout << " " << phase << "=" << n;
  std::cout << "\n";

  if (embedded) {
    const char* query = "app=app-3,tier in (batch,cache)";
    auto t1 = Clock::now();
    auto matched = lister.namespace_("demo").list(*kube::LabelSelector::parse(query));
    std::cout << "from the cache, no request: pods in demo with " << query << ": " << matched.size()
              << " (" << std::setprecision(3) << ms_since(t1) << " ms)\n";
    std::cout << "changing the workload; events as the handler receives them:\n";
    kube::Resource pod_res{{"", "v1", "pods"}, true};
    for (int i = 0; i < 3; ++i) {
      auto s = workload::nth_pod(i, "demo");
      (void)client->patch(pod_res, "demo", s.name, kube::PatchType::Merge, R"({"status":{"phase":"Succeeded"}})",
                          {.subresource = "status"});
    }
    for (int i = 3; i < 5; ++i) (void)client->remove(pod_res, "demo", workload::nth_pod(i, "demo").name);
    for (std::size_t i = flags.pods; i < flags.pods + 2; ++i) {
      (void)client->create(pod_res, "demo", workload::pod_json(workload::nth_pod(i, "demo")));
    }
  } else {
    std::cout << "following changes for " << flags.follow_seconds << " s:\n";
  }
  auto deadline = Clock::now() + std::chrono::seconds(flags.follow_seconds);
  while (Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto st = pods.informer->reflector_stats();
  std::cout << "informer: " << st.lists << " list, " << st.watches << " watch, " << st.events
            << " events, " << st.bookmarks << " bookmarks; cache holds " << lister.list().size() << " pods\n";
  factory.shutdown();
  return kOk;
}

// A kubeconfig (flag, $KUBECONFIG, ~/.kube/config) or an in-cluster service.
bool cluster_configured(const DemoFlags& flags) {
  if (!flags.kubeconfig.empty()) return true;
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') return true;
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) return true;
  const char* home = std::getenv("HOME");
  return home != nullptr && std::filesystem::exists(std::filesystem::path(home) / ".kube" / "config");
}

int run_demo(const DemoFlags& flags) {
  if (!flags.embedded && cluster_configured(flags)) {
    kube::KubeconfigOptions opts;
    if (!flags.kubeconfig.empty()) opts.paths.push_back(flags.kubeconfig);
    opts.context = flags.context;
    auto cfg = kube::load_default_config(opts);
    if (!cfg) {  // a configured but broken cluster is an error, never a silent fallback
      std::cerr << "kinformer demo: " << cfg.error().message << "\n";
      return kConfig;
    }
    std::cout << "using " << cfg->source << " (read-only)\n";
    return follow(*cfg, flags, false);
  }
  if (!flags.embedded) std::cout << "no cluster configured: using the embedded API server\n";
  kube::testing::ApiServer server(kube::testing::ApiServerOptions{});
  if (auto r = server.start(); !r) {
    std::cerr << "kinformer demo: embedded API server: " << r.error().message << "\n";
    return kFailure;
  }
  kube::RestConfig cfg;
  cfg.host = server.url();
  cfg.ca_pem = server.ca_pem();
  cfg.bearer_token = server.token();
  cfg.qps = 5000;
  cfg.burst = 5000;
  std::cout << "embedded API server at " << server.url() << "; creating " << flags.pods << " pods...\n";
  {
    auto transport = kube::Transport::create(cfg);
    if (!transport) {
      std::cerr << "kinformer demo: " << transport.error().message << "\n";
      return kFailure;
    }
    kube::RestClient client(std::shared_ptr<kube::Transport>(std::move(*transport)));
    auto ns = client.create({{"", "v1", "namespaces"}, false}, "",
                            R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}})");
    if (!ns) {
      std::cerr << "kinformer demo: " << ns.error().message << "\n";
      return kFailure;
    }
    for (std::size_t i = 0; i < flags.pods; ++i) {
      auto r = client.create({{"", "v1", "pods"}, true}, "demo", workload::pod_json(workload::nth_pod(i, "demo")));
      if (!r) {
        std::cerr << "kinformer demo: creating pod " << i << ": " << r.error().message << "\n";
        return kFailure;
      }
    }
  }
  return follow(cfg, flags, true);
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DemoFlags>();
  auto* cmd = app.add_subcommand("demo", "Show informers at work (embedded API server when no cluster is configured)");
  cmd->add_option("--pods", flags->pods, "Pods to create on the embedded server")->check(CLI::Range(1, 1000000));
  cmd->add_option("--follow", flags->follow_seconds, "Seconds to follow changes")->check(CLI::Range(0, 86400));
  cmd->add_flag("--embedded", flags->embedded, "Use the embedded API server even if a kubeconfig exists");
  cmd->add_option("--kubeconfig", flags->kubeconfig, "Path to a kubeconfig file");
  cmd->add_option("--context", flags->context, "The kubeconfig context to use");
  cmd->callback([flags, &exit_code] { exit_code = run_demo(*flags); });
}

}  // namespace kinformer::cli
