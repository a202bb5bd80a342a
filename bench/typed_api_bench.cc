// The typed API's costs (docs/design.md, "Typed API"; figures in docs/benchmarks.md):
// decoding a cached kube::Object into kube::api::core::v1::Pod, encoding it back, and
// the heap bytes of 10,000 decoded Pods against 10,000 cached Objects of the same pods
// (tools/kinformer/workload.h, the pods `kinformer bench sync` uses).
#include <vector>

#include <benchmark/benchmark.h>
#include <malloc.h>

#include "kube/api/core/v1.h"
#include "kube/core/object.h"
#include "tools/kinformer/workload.h"

namespace {

// Heap bytes in use (glibc), as object_bench measures them.
std::size_t heap_in_use() { return mallinfo2().uordblks; }

}  // namespace

namespace {

namespace core = kube::api::core::v1;

std::vector<kube::ObjectPtr> pods(std::size_t n) {
  std::vector<kube::ObjectPtr> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(*kube::Object::parse(
        kinformer::workload::pod_json(kinformer::workload::nth_pod(i, "demo"))));
  return out;
}

void BM_DecodePod(benchmark::State& state) {
  auto objects = pods(1000);
  std::size_t i = 0;
  for (auto _ : state) {
    auto pod = kube::from_unstructured<core::Pod>(*objects[i++ % objects.size()]);
    benchmark::DoNotOptimize(pod);
  }
}
BENCHMARK(BM_DecodePod);

void BM_EncodePod(benchmark::State& state) {
  auto objects = pods(1000);
  std::vector<core::Pod> typed;
  for (const auto& o : objects) typed.push_back(*kube::from_unstructured<core::Pod>(*o));
  std::size_t i = 0;
  for (auto _ : state) {
    auto json = kube::to_unstructured(typed[i++ % typed.size()]);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_EncodePod);

// Heap bytes per object kept (heap growth while held): Object (what the cache holds) vs decoded
// Pod.
void BM_BytesPerCachedPod(benchmark::State& state) {
  constexpr std::size_t kPods = 10000;
  std::vector<std::string> json;
  for (std::size_t i = 0; i < kPods; ++i)
    json.push_back(kinformer::workload::pod_json(kinformer::workload::nth_pod(i, "demo")));
  double object_bytes = 0, typed_bytes = 0, json_bytes = 0;
  for (auto _ : state) {
    std::size_t before = heap_in_use();
    std::vector<kube::ObjectPtr> objects;
    objects.reserve(kPods);
    for (const auto& j : json) objects.push_back(*kube::Object::parse(j));
    std::size_t mid = heap_in_use();
    std::vector<core::Pod> typed;
    typed.reserve(kPods);
    for (const auto& o : objects) typed.push_back(*kube::from_unstructured<core::Pod>(*o));
    std::size_t after = heap_in_use();
    object_bytes = double(mid - before) / kPods;
    typed_bytes = double(after - mid) / kPods;
  }
  for (const auto& j : json) json_bytes += double(j.size()) / kPods;
  state.counters["json_bytes"] = json_bytes;
  state.counters["object_bytes"] = object_bytes;
  state.counters["typed_pod_bytes"] = typed_bytes;
  state.counters["sizeof_pod"] = sizeof(core::Pod);
}
BENCHMARK(BM_BytesPerCachedPod)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
