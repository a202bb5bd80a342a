#include "tools/kinformer/bench_common.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "tools/kinformer/workload.h"

namespace kinformer::cli {

namespace {

// Creates objects 0..count-1 of `resource` in `ns` from 8 threads, object i
// being body(i); stops at the first failure and returns it (AlreadyExists
// counts as done when `existing_ok`).
std::optional<Failure> create_in_parallel(kube::RestClient& client, const kube::RestConfig& cfg,
                                          const kube::Resource& resource, const std::string& ns,
                                          std::size_t count, bool existing_ok,
                                          const std::function<std::string(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  kube::Error first_error;
  std::mutex error_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count && !failed; i = next++) {
        auto r = client.create(resource, ns, body(i));
        if (!r && !(existing_ok && r.error().reason == "AlreadyExists") && !failed.exchange(true)) {
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

}  // namespace


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

std::string bench_configmap_name(std::size_t i) { return "bench-cm-" + std::to_string(i); }

std::string bench_configmap_json(std::size_t i, const std::string& ns, std::size_t shards) {
  // About the size of the captured configmap (1.0 KB minified).
  std::string config = "# bench configmap " + std::to_string(i) + " ";
  config.resize(800, 'x');
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + bench_configmap_name(i) +
         R"(","namespace":")" + ns + R"(","labels":{"app":"kinformer-bench","shard":")" +
         std::to_string(shards > 0 ? i % shards : 0) + R"("}},"data":{"config":")" + config +
         R"("}})";
}

std::optional<Failure> ensure_namespace(kube::RestClient& client, const kube::RestConfig& cfg,
                                        const std::string& ns) {
  auto created = client.create(
      {{"", "v1", "namespaces"}, false}, "",
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + R"("}})");
  // Forbidden too: a user who may only write in an existing namespace.
  if (!created && created.error().reason != "AlreadyExists" && created.error().code != 403)
    return server_failure(created.error(), cfg);
  return std::nullopt;
}

std::optional<Failure> populate_configmaps(kube::RestClient& client, const kube::RestConfig& cfg,
                                           const std::string& ns, std::size_t count,
                                           std::size_t shards) {
  if (auto f = ensure_namespace(client, cfg, ns)) return f;
  return create_in_parallel(client, cfg, {{"", "v1", "configmaps"}, true}, ns, count, true,
                            [&](std::size_t i) { return bench_configmap_json(i, ns, shards); });
}

void delete_configmaps(kube::RestClient& client, const std::string& ns, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    (void)client.remove({{"", "v1", "configmaps"}, true}, ns, bench_configmap_name(i));
}

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, i > 0 ? i - 1 : 0)];
}

int url_port(const std::string& url) {
  auto scheme_end = url.find("://");
  std::string rest = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    try {
      return std::stoi(rest.substr(colon + 1));
    } catch (...) {
    }
  }
  return url.rfind("http://", 0) == 0 ? 80 : 443;
}

std::size_t established_connections_to(int port) {
  std::set<std::string> inodes;  // this process's sockets
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (ec) continue;
    std::string t = target.string();
    if (t.rfind("socket:[", 0) == 0) inodes.insert(t.substr(8, t.size() - 9));
  }
  std::size_t n = 0;
  for (const char* table : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream cols(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      cols >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      auto colon = remote.rfind(':');
      if (colon == std::string::npos || state != "01") continue;  // 01: ESTABLISHED
      if (std::stoi(remote.substr(colon + 1), nullptr, 16) == port && inodes.count(inode)) ++n;
    }
  }
  return n;
}

std::optional<Failure> populate(kube::RestClient& client, const kube::RestConfig& cfg,
                                const std::string& ns, std::size_t count, std::size_t pod_bytes,
                                bool live) {
  if (auto f = ensure_namespace(client, cfg, ns)) return f;
  return create_in_parallel(client, cfg, {{"", "v1", "pods"}, true}, ns, count, false, [&](std::size_t i) {
    auto shape = workload::nth_pod(i, ns);
    shape.live = live;
    if (pod_bytes > 0) {
      std::size_t natural = workload::pod_json(shape).size();
      shape.padding = pod_bytes > natural + 40 ? pod_bytes - natural - 40 : 0;
    }
    return workload::pod_json(shape);
  });
}

}  // namespace kinformer::cli
