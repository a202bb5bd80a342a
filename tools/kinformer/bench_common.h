// What `kinformer bench sync` and `kinformer bench relist` share: filling the
// embedded API server with workload pods (tools/kinformer/workload.h), and the
// small pieces of their output.
//
//   if (auto f = populate(*writer.client, writer.config, "bench", 10000, 0)) return fail("bench",
//   *f); std::cout << "seconds=" << fixed(1.2345, 3);   // seconds=1.235
//
// Thread-safety: populate() uses its own threads and joins them; the rest are
// pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "tools/kinformer/errors.h"

namespace kinformer::cli {

// `v` with `digits` decimals.
std::string fixed(double v, int digits);

// This executable's path (for the "reproduce:" line), or "kinformer".
std::string self_path();

// A configmap of about 1 KB with labels app=kinformer-bench and
// shard=<i % shards>, named `bench-cm-<i>`: what `bench polling` and `bench
// informers` create.
std::string bench_configmap_json(std::size_t i, const std::string& ns, std::size_t shards);
std::string bench_configmap_name(std::size_t i);

// Creates namespace `ns` if missing (kConfig/kServer failures as populate()).
std::optional<Failure> ensure_namespace(kube::RestClient& client, const kube::RestConfig& cfg,
                                        const std::string& ns);

// Creates `count` bench configmaps in `ns` with a few threads (an existing one
// is left as it is).
std::optional<Failure> populate_configmaps(kube::RestClient& client, const kube::RestConfig& cfg,
                                           const std::string& ns, std::size_t count,
                                           std::size_t shards);

// Deletes the configmaps populate_configmaps() created (errors ignored: a
// clean-up after a benchmark on a real cluster).
void delete_configmaps(kube::RestClient& client, const std::string& ns, std::size_t count);

// The q-quantile (0..1) of `values` (sorted in place); 0 when empty.
double quantile(std::vector<double>& values, double q);

// TCP connections of THIS process in state ESTABLISHED whose remote port is
// `port` (its sockets in /proc/self/fd matched against /proc/self/net/tcp and
// tcp6). The server's own ends, in another process, are not counted.
std::size_t established_connections_to(int port);

// The port of a URL such as https://127.0.0.1:6443 (443 / 80 by default for
// https / http).
int url_port(const std::string& url);

// Creates the namespace `ns` (if missing) and `count` workload pods in it with
// a few threads; `pod_bytes` > 0 pads each pod's JSON to about that size;
// `live` gives them what a ReplicaSet's pods carry on a live cluster
// (workload::PodShape::live: managedFields, containerStatuses, ...).
std::optional<Failure> populate(kube::RestClient& client, const kube::RestConfig& cfg,
                                const std::string& ns, std::size_t count, std::size_t pod_bytes,
                                bool live = false);

}  // namespace kinformer::cli
