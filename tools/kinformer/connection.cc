#include "tools/kinformer/connection.h"

#include <algorithm>

#include "kube/client/transport.h"
#include "tools/kinformer/duration.h"

namespace kinformer::cli {

void add_cluster_flags(CLI::App& cmd, ClusterFlags& flags) {
  cmd.add_option(
      "--kubeconfig", flags.kubeconfig,
      "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)");
  cmd.add_option("--context", flags.context, "The kubeconfig context to use");
  cmd.add_option("--request-timeout", flags.request_timeout,
                 "Time limit of each request (30s, 1m, 500ms; a bare number is seconds; 0: none)")
      ->capture_default_str();
}

std::optional<Failure> connect(const ClusterFlags& flags, Connection& out, ClientOptions options) {
  auto timeout = parse_duration(flags.request_timeout);
  if (!timeout) return Failure{kUsage, "--request-timeout: " + timeout.error().message};
  kube::KubeconfigOptions opts;
  if (!flags.kubeconfig.empty()) opts.paths.push_back(flags.kubeconfig);
  opts.context = flags.context;
  auto cfg = kube::load_default_config(opts);
  if (!cfg) return Failure{kConfig, cfg.error().message};
  cfg->timeout = *timeout;
  if (!options.server.empty()) {
    cfg->host = options.server;
    cfg->ca_pem = options.ca_pem;
  }
  cfg->qps = std::max(cfg->qps, options.qps);
  cfg->burst = std::max(cfg->burst, options.burst);
  kube::TransportOptions transport_options;
  transport_options.max_retries = options.max_retries;
  transport_options.http2 = options.http2;
  auto transport = kube::Transport::create(*cfg, transport_options);
  if (!transport) return Failure{kConfig, transport.error().message};
  out.config = *cfg;
  out.client =
      std::make_shared<kube::RestClient>(std::shared_ptr<kube::Transport>(std::move(*transport)));
  return std::nullopt;
}

}  // namespace kinformer::cli
