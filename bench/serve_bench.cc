// The cache service's list path (`kinformer serve`): a list of 1% of 100,000
// pods by a label selector and by a field selector, answered from the served
// view's indexes (ResourceCache::list with selectors, what the server does
// now) vs the previous scan (the namespace range, then LabelSelector::matches
// and FieldSelector::matches on each object). Both return the same 1,000
// objects at the same resourceVersion; the JSON rendering of the reply, the
// same for both, is measured separately.
//
// Pods are the captured pod (../shared/fixtures/objects/pod.json, without
// managedFields, ~4 KB) when present, else a small inline pod; pod i has
// label app=app-(i % 100) and spec.nodeName node-(i % 100).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "kube/core/object.h"
#include "kube/core/selector.h"
#include "src/serve/api.h"
#include "src/serve/resource_cache.h"

namespace {

using kube::serve::ServedResource;
using kube::serve::internal::ResourceCache;

constexpr int kObjects = 100000;
constexpr int kGroups = 100;  // app and spec.nodeName values: 1% each
constexpr int kNamespaces = 50;

constexpr const char* kSmallPod =
    R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"x","namespace":"demo",)"
    R"("labels":{"tier":"frontend"}},"spec":{"containers":[{"name":"nginx","image":"nginx"}],)"
    R"("nodeName":"node-a"},"status":{"phase":"Running"}})";

boost::json::value template_pod() {
  std::ifstream in(std::string(KINFORMER_SHARED_DIR) + "/fixtures/objects/pod.json");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = boost::json::parse(ss.str(), ec);
    if (!ec && v.is_object()) {
      if (auto* meta = v.as_object().if_contains("metadata")) meta->as_object().erase("managedFields");
      return v;
    }
  }
  return boost::json::parse(kSmallPod);
}

const ServedResource& pods_resource() {
  static const ServedResource r{.informer = {{{"", "v1", "pods"}, true}, nullptr}, .kind = "Pod"};
  return r;
}

// The served view of 100,000 pods, as the informer's initial list leaves it.
const ResourceCache& cache() {
  static const ResourceCache* c = [] {
    auto* c = new ResourceCache(pods_resource(), 1000);
    boost::json::value tmpl = template_pod();
    for (int i = 0; i < kObjects; ++i) {
      boost::json::value v = tmpl;
      auto& meta = v.at("metadata").as_object();
      meta["name"] = "pod-" + std::to_string(i);
      meta["namespace"] = "ns-" + std::to_string(i % kNamespaces);
      meta["resourceVersion"] = std::to_string(1000 + i);
      auto labels = meta.if_contains("labels") ? meta["labels"].as_object() : boost::json::object{};
      labels["app"] = "app-" + std::to_string(i % kGroups);
      meta["labels"] = labels;
      v.at("spec").as_object()["nodeName"] = "node-" + std::to_string(i % kGroups);
      auto obj = kube::Object::from_value(v);
      if (!obj) std::abort();
      c->on_add(*obj, true);
    }
    return c;
  }();
  return *c;
}

struct Query {
  const char* labels;
  const char* fields;
};

void BM_ServeListOnePercentIndexed(benchmark::State& state, Query q) {
  const auto& c = cache();
  auto labels = *kube::LabelSelector::parse(q.labels);
  auto fields = *kube::FieldSelector::parse(q.fields);
  std::size_t n = 0;
  for (auto _ : state) {
    auto snap = c.list("", fields, labels);
    n = snap.items.size();
    benchmark::DoNotOptimize(snap);
  }
  if (n != kObjects / kGroups) state.SkipWithError("wrong number of objects");
  state.counters["objects"] = static_cast<double>(n);
}

// What cache_server.cc did before the indexes.
void BM_ServeListOnePercentScan(benchmark::State& state, Query q) {
  const auto& c = cache();
  auto labels = *kube::LabelSelector::parse(q.labels);
  auto fields = *kube::FieldSelector::parse(q.fields);
  std::size_t n = 0;
  for (auto _ : state) {
    auto snap = c.list("");
    std::vector<kube::ObjectPtr> items;
    items.reserve(snap.items.size());
    for (auto& o : snap.items) {
      if (labels.matches(*o) && fields.matches(*o)) items.push_back(std::move(o));
    }
    n = items.size();
    benchmark::DoNotOptimize(items);
  }
  if (n != kObjects / kGroups) state.SkipWithError("wrong number of objects");
  state.counters["objects"] = static_cast<double>(n);
}

// The reply body for those 1,000 objects (the same for both ways).
void BM_ServeListOnePercentJson(benchmark::State& state) {
  const auto& c = cache();
  auto snap = c.list("", kube::FieldSelector{}, *kube::LabelSelector::parse("app=app-7"));
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto body = kube::serve::internal::list_json(pods_resource(), snap.rv, snap.items);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

BENCHMARK_CAPTURE(BM_ServeListOnePercentIndexed, label_app, Query{"app=app-7", ""})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ServeListOnePercentScan, label_app, Query{"app=app-7", ""})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ServeListOnePercentIndexed, field_nodeName, Query{"", "spec.nodeName=node-7"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ServeListOnePercentScan, field_nodeName, Query{"", "spec.nodeName=node-7"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ServeListOnePercentJson)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
