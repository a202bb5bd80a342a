// The flags every command that talks to a cluster takes, and the client they
// give: --kubeconfig, --context, --request-timeout.
//
//   ClusterFlags flags;
//   add_cluster_flags(*cmd, flags);
//   ...
//   Connection conn;
//   if (auto f = connect(flags, conn)) return fail("get", *f);
//   conn.client->list(...);
//
// The configuration comes from --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else the in-cluster service account (kube::load_default_config).
// Client-side rate limits are kubectl's (50 QPS, burst 300), not client-go's
// 5/10; failed GETs are retried 3 times, not 10.
//
// Thread-safety: plain values; the RestClient is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "tools/kinformer/errors.h"

namespace kinformer::cli {

struct ClusterFlags {
  std::string kubeconfig;
  std::string context;
  std::string request_timeout = "0";  // "0": none
};

void add_cluster_flags(CLI::App& cmd, ClusterFlags& flags);

struct Connection {
  kube::RestConfig config;
  std::shared_ptr<kube::RestClient> client;
};

struct ClientOptions {
  // Client-side rate limits (raised to these when the kubeconfig asks for less).
  double qps = 50;  // kubectl's
  int burst = 300;
  // Retries of a GET after a refused connection, a 429 or a 5xx: a command
  // answers within seconds (client-go's 10, backing off to 5 s, take half a
  // minute to report a server that is down). Informers retry on their own.
  int max_retries = 3;
  // Offer HTTP/2 over ALPN (false: HTTP/1.1 only, one connection per
  // concurrent request or watch).
  bool http2 = true;
  // When not empty: talk to this server URL, trusting this CA, instead of the
  // kubeconfig's (credentials still come from the kubeconfig): `bench
  // informers --http2-proxy` puts an HTTP/2 proxy before the embedded server.
  std::string server = {};
  std::string ca_pem = {};
};

// Loads the configuration and creates the transport. Failures: kUsage for a
// bad --request-timeout, kConfig for the rest.
std::optional<Failure> connect(const ClusterFlags& flags, Connection& out,
                               ClientOptions options = {});

}  // namespace kinformer::cli
