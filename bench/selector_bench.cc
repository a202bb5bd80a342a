// Selector costs on the store's hot path: matching a label selector against
// 100k pods' labels, parsing, and field selector matching (which reads the
// field from the object's JSON bytes).
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kube/core/object.h"
#include "kube/core/selector.h"

namespace {

std::vector<kube::ObjectPtr> make_pods(int n) {
  static const char* kApps[] = {"web", "api", "db", "cache", "queue"};
  std::vector<kube::ObjectPtr> pods;
  pods.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string json = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" +
                       std::to_string(i) + R"(","namespace":"demo","labels":{"app":")" +
                       kApps[i % 5] + R"(","pod-template-hash":"7d9f8c6b5","tier":")" +
                       (i % 3 == 0 ? "db" : "frontend") + R"(","zone":"z)" + std::to_string(i % 4) +
                       R"("}},"spec":{"nodeName":"node-)" + std::to_string(i % 50) + R"("}})";
    pods.push_back(*kube::Object::parse(json));
  }
  return pods;
}

const std::vector<kube::ObjectPtr>& pods() {
  static const std::vector<kube::ObjectPtr> p = make_pods(100000);
  return p;
}

void BM_LabelSelectorMatches100kPods(benchmark::State& state, const char* text) {
  const auto& all = pods();
  kube::LabelSelector sel = *kube::LabelSelector::parse(text);
  for (auto _ : state) {
    int n = 0;
    for (const auto& p : all) n += sel.matches(*p);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
}
BENCHMARK_CAPTURE(BM_LabelSelectorMatches100kPods, equals, "app=web");
BENCHMARK_CAPTURE(BM_LabelSelectorMatches100kPods, four_requirements,
                  "app in (web,api),tier!=db,!canary,zone");

// Baseline: the same walk with a hand-written lookup, to separate the
// selector's cost from the memory cost of touching 100k objects.
void BM_BaselineLabelLookup100kPods(benchmark::State& state) {
  const auto& all = pods();
  for (auto _ : state) {
    int n = 0;
    for (const auto& p : all) n += p->label("app") == "web";
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
}
BENCHMARK(BM_BaselineLabelLookup100kPods);

void BM_LabelSelectorParse(benchmark::State& state) {
  for (auto _ : state) {
    auto s = kube::LabelSelector::parse("app in (web,api),tier!=db,!canary,zone,example.com/x=y");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_LabelSelectorParse);

void BM_FieldSelectorMatches100kPods(benchmark::State& state) {
  const auto& all = pods();
  kube::FieldSelector sel = *kube::FieldSelector::parse("spec.nodeName=node-7");
  for (auto _ : state) {
    int n = 0;
    for (const auto& p : all) n += sel.matches(*p);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
}
BENCHMARK(BM_FieldSelectorMatches100kPods);

}  // namespace

BENCHMARK_MAIN();
