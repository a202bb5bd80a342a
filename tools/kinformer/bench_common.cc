#include "tools/kinformer/bench_common.h"

#include <atomic>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "tools/kinformer/workload.h"

namespace kinformer::cli {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string self_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "kinformer" : p.string();
}

std::optional<Failure> populate(kube::RestClient& client, const kube::RestConfig& cfg,
                                const std::string& ns, std::size_t count, std::size_t pod_bytes) {
  auto created = client.create(
      {{"", "v1", "namespaces"}, false}, "",
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + R"("}})");
  if (!created && created.error().reason != "AlreadyExists")
    return server_failure(created.error(), cfg);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  kube::Error first_error;
  std::mutex error_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count && !failed; i = next++) {
        auto shape = workload::nth_pod(i, ns);
        if (pod_bytes > 0) {
          std::size_t natural = workload::pod_json(shape).size();
          shape.padding = pod_bytes > natural + 40 ? pod_bytes - natural - 40 : 0;
        }
        auto r = client.create({{"", "v1", "pods"}, true}, ns, workload::pod_json(shape));
        if (!r && !failed.exchange(true)) {
          std::lock_guard l(error_mu);
          first_error = r.error();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) return server_failure(first_error, cfg);
  return std::nullopt;
}

}  // namespace kinformer::cli
