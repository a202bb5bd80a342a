// `kinformer serve RESOURCE[,RESOURCE...]`: the read-only cache service
// (kube/serve/cache_server.h). One shared informer per resource lists and
// watches the cluster; local readers (`kubectl --server http://127.0.0.1:8001
// get pods`, dashboards, scripts) list, get and watch from the caches in the
// API's own paths and shapes, plus /readyz and /metrics.
//
// Prints "serving on http://ADDRESS:PORT" on stdout once listening (before
// the caches sync: /readyz says when they have); list/watch errors of the
// informers are reported on stderr as they change and retried. Runs until
// SIGINT / SIGTERM (exit 0). No authentication: it serves whatever the
// kubeconfig's credentials can read, so it binds to loopback by default.
#include <csignal>
#include <iostream>
#include <map>
#include <thread>

#include "kube/informers/factory.h"
#include "kube/serve/cache_server.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/resource_arg.h"
#include "tools/kinformer/signals.h"

namespace kinformer::cli {
namespace {

struct ServeFlags {
  std::string resources;
  std::string listen = "127.0.0.1:8001";
  std::string namespace_;
  bool all_namespaces = false;
  std::string label_selector;
  bool strip_managed_fields = false;
  ClusterFlags cluster;
};

// "127.0.0.1:8001", "[::1]:8001", ":8001" (loopback), "8001".
kube::Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  std::string host = "127.0.0.1", port = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";
  }
  int p = -1;
  try {
    std::size_t used = 0;
    p = std::stoi(port, &used);
    if (used != port.size()) p = -1;
  } catch (const std::exception&) {
  }
  if (p < 0 || p > 65535) {
    return kube::Error::invalid_argument("--listen \"" + text +
                                         "\": expected ADDRESS:PORT, e.g. 127.0.0.1:8001");
  }
  return std::pair{host, std::uint16_t(p)};
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

int run_serve(const ServeFlags& flags) {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
  auto listen = parse_listen(flags.listen);
  if (!listen) return fail("serve", {kUsage, listen.error().message});
  if (flags.all_namespaces && !flags.namespace_.empty()) {
    return fail("serve", {kUsage, "-n \"" + flags.namespace_ + "\" and -A contradict each other"});
  }
  if (!flags.label_selector.empty()) {
    if (auto sel = kube::LabelSelector::parse(flags.label_selector); !sel) {
      return fail("serve", {kUsage, "invalid label selector \"" + flags.label_selector +
                                        "\" (-l): " + sel.error().message});
    }
  }
  std::vector<std::string> types = split_commas(flags.resources);
  for (const auto& t : types) {
    if (t.empty())
      return fail("serve",
                  {kUsage, "RESOURCE \"" + flags.resources + "\": an empty resource type"});
  }

  Connection conn;
  if (auto f = connect(flags.cluster, conn)) return fail("serve", *f);
  kube::Discovery discovery(*conn.client);
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = flags.namespace_;  // all namespaces unless -n
  options.label_selector = flags.label_selector;
  options.strip_managed_fields = flags.strip_managed_fields;
  kube::informers::SharedInformerFactory factory(conn.client, options);
  std::vector<kube::serve::ServedResource> served;
  for (const auto& t : types) {
    kube::ApiResource api;
    if (auto f = resolve_resource(discovery, conn.config, t, "watch", api))
      return fail("serve", *f);
    served.push_back({.informer = factory.for_resource(api.resource()),
                      .kind = api.kind,
                      .singular = api.singular,
                      .short_names = api.short_names});
  }
  auto server =
      kube::serve::CacheServer::start(served, {.address = listen->first, .port = listen->second});
  if (!server) {
    // A resource named twice (pods,po) is the user's; a busy port too.
    return fail("serve", {kUsage, server.error().message});
  }
  factory.start();
  std::cout << "serving on " << (*server)->url() << std::endl;

  std::map<std::string, std::string> reported;  // resource → last error printed
  timespec tick{0, 200 * 1000 * 1000};
  while (sigtimedwait(&signals, nullptr, &tick) <= 0) {
    for (const auto& s : served) {
      const auto& gvr = s.informer.resource.gvr;
      std::string name = gvr.group.empty() ? gvr.resource : gvr.resource + "." + gvr.group;
      auto err = s.informer.informer->last_error();
      std::string msg = err ? err->message : "";
      if (msg != reported[name] && !msg.empty()) {
        std::cerr << "kinformer serve: " << name << ": " << msg << " (retrying)" << std::endl;
      }
      reported[name] = msg;
    }
  }
  (*server)->stop();
  factory.shutdown();
  return kOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Read-only cache service: informers for RESOURCE[,RESOURCE...] answer list, get and watch "
      "over "
      "plain HTTP in the Kubernetes API's paths (kubectl --server http://127.0.0.1:8001 get pods), "
      "with /readyz and /metrics. No authentication: it serves what the kubeconfig can read. Runs "
      "until interrupted.");
  cmd->add_option("RESOURCE", flags->resources,
                  "Resource types, comma-separated: plural, singular, short name or kind, "
                  "optionally .group (pods,configmaps,deployments.apps)")
      ->required();
  cmd->add_option("--listen", flags->listen, "ADDRESS:PORT to serve on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("-n,--namespace", flags->namespace_,
                  "Cache only this namespace (default: every namespace)");
  cmd->add_flag("-A,--all-namespaces", flags->all_namespaces, "Every namespace (the default)");
  cmd->add_option("-l,--selector", flags->label_selector,
                  "Cache only objects matching this label selector");
  cmd->add_flag("--strip-managed-fields", flags->strip_managed_fields,
                "Cache and serve objects without metadata.managedFields (often a third of a "
                "pod's bytes; clients then never see them)");
  add_cluster_flags(*cmd, flags->cluster);
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_serve(*flags); });
}

}  // namespace kinformer::cli
