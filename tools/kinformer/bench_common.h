// What `kinformer bench sync` and `kinformer bench relist` share: filling the
// embedded API server with workload pods (tools/kinformer/workload.h), and the
// small pieces of their output.
//
//   if (auto f = populate(*writer.client, writer.config, "bench", 10000, 0)) return fail("bench", *f);
//   std::cout << "seconds=" << fixed(1.2345, 3);   // seconds=1.235
//
// Thread-safety: populate() uses its own threads and joins them; the rest are
// pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "tools/kinformer/errors.h"

namespace kinformer::cli {

// `v` with `digits` decimals.
std::string fixed(double v, int digits);

// This executable's path (for the "reproduce:" line), or "kinformer".
std::string self_path();

// Creates the namespace `ns` (if missing) and `count` workload pods in it with
// a few threads; `pod_bytes` > 0 pads each pod's JSON to about that size.
std::optional<Failure> populate(kube::RestClient& client, const kube::RestConfig& cfg,
                                const std::string& ns, std::size_t count, std::size_t pod_bytes);

}  // namespace kinformer::cli
