// Chooses the in-memory representation of a cached object by measurement.
//
// Three candidates, on the pod, deployment and configmap captured from a real
// kube-apiserver (../shared/fixtures/objects), or on a built-in sample pod when
// the captures are absent:
//   boost_dom   — boost::json::value per object (a DOM, like Go's unstructured)
//   simdjson_dom — a simdjson::dom::document per object (tape + string buffer)
//   kube_object — kube::Object: minified bytes + extracted metadata, lazy fields
// Figures: parse throughput (bytes/s of the input text) and resident heap bytes
// per cached object (mallinfo2 delta over 2,000 objects held at once), also as
// a ratio to the minified JSON size.
//
//   ./build/release/bench/object_bench --benchmark_counters_tabular=true
#include <malloc.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>
#include <simdjson.h>

#include "kube/core/object.h"

namespace {

const char* kSamplePod = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"sample-0","namespace":"demo",
"uid":"ea1a74f6-ead1-4979-a46f-dc694aeb6343","resourceVersion":"280","creationTimestamp":"2026-11-24T12:27:54Z",
"labels":{"app":"web","pod-template-hash":"7d9f8c6b5","tier":"frontend"}},"spec":{"containers":[{"name":"nginx",
"image":"nginx:1.25.3","ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],"resources":{"limits":
{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}}],"nodeName":"node-a","restartPolicy":"Always"},
"status":{"phase":"Running","podIP":"10.244.0.12","hostIP":"172.18.0.2"}})";

std::string load(const char* name) {
  std::ifstream in(std::string(KINFORMER_SHARED_DIR) + "/fixtures/objects/" + name);
  if (!in) return kSamplePod;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& fixture(int which) {
  static const std::string texts[] = {load("pod.json"), load("deployment.json"), load("configmap.json")};
  return texts[which];
}

std::size_t minified_size(const std::string& text) {
  std::string out(text.size(), '\0');
  std::size_t n = 0;
  if (simdjson::minify(text.data(), text.size(), out.data(), n) != simdjson::SUCCESS) return text.size();
  return n;
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

constexpr int kHeld = 2000;

void set_memory_counters(benchmark::State& state, std::size_t before, std::size_t after,
                         const std::string& text) {
  double per = static_cast<double>(after - before) / kHeld;
  state.counters["bytes_per_object"] = per;
  state.counters["ratio_to_minified"] = per / static_cast<double>(minified_size(text));
  state.counters["minified_bytes"] = static_cast<double>(minified_size(text));
}

void BM_Parse_BoostDom(benchmark::State& state) {
  const std::string& text = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    boost::json::value v = boost::json::parse(text);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  std::vector<boost::json::value> held;
  held.reserve(kHeld);
  std::size_t before = heap_in_use();
  for (int i = 0; i < kHeld; ++i) held.push_back(boost::json::parse(text));
  set_memory_counters(state, before, heap_in_use(), text);
}

void BM_Parse_SimdjsonDom(benchmark::State& state) {
  const std::string& text = fixture(static_cast<int>(state.range(0)));
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element e;
    benchmark::DoNotOptimize(parser.parse(padded).get(e));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  // Holding an object means holding its document (tape + strings).
  std::vector<std::unique_ptr<simdjson::dom::document>> held;
  held.reserve(kHeld);
  std::size_t before = heap_in_use();
  for (int i = 0; i < kHeld; ++i) {
    auto doc = std::make_unique<simdjson::dom::document>();
    simdjson::dom::element e;
    if (parser.parse_into_document(*doc, padded.data(), padded.size()).get(e)) state.SkipWithError("parse");
    held.push_back(std::move(doc));
  }
  set_memory_counters(state, before, heap_in_use(), text);
}

void BM_Parse_KubeObject(benchmark::State& state) {
  const std::string& text = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto r = kube::Object::parse(text);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  std::vector<kube::ObjectPtr> held;
  held.reserve(kHeld);
  std::size_t before = heap_in_use();
  for (int i = 0; i < kHeld; ++i) held.push_back(*kube::Object::parse(text));
  set_memory_counters(state, before, heap_in_use(), text);
}

// Already-minified input (what watch streams and list items carry).
void BM_Parse_KubeObjectMinifiedInput(benchmark::State& state) {
  const std::string& pretty = fixture(static_cast<int>(state.range(0)));
  std::string text((*kube::Object::parse(pretty))->json());
  for (auto _ : state) {
    auto r = kube::Object::parse(text);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

// Minified input built without metadata.managedFields (ParseOptions): the
// cut's cost, and what each cached object then holds.
void BM_Parse_KubeObjectStripManagedFields(benchmark::State& state) {
  const std::string& pretty = fixture(static_cast<int>(state.range(0)));
  std::string text((*kube::Object::parse(pretty))->json());
  const kube::ParseOptions strip{.strip_managed_fields = true};
  for (auto _ : state) {
    auto r = kube::Object::parse(text, strip);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  std::vector<kube::ObjectPtr> held;
  held.reserve(kHeld);
  std::size_t before = heap_in_use();
  for (int i = 0; i < kHeld; ++i) held.push_back(*kube::Object::parse(text, strip));
  set_memory_counters(state, before, heap_in_use(), text);
}

// The cost of laziness: one field read from each representation.
void BM_Field_BoostDom(benchmark::State& state) {
  boost::json::value v = boost::json::parse(fixture(0));
  for (auto _ : state) {
    const auto& s = v.at("spec").at("nodeName").as_string();
    benchmark::DoNotOptimize(s.data());
  }
}

void BM_Field_KubeObjectLazy(benchmark::State& state) {
  kube::ObjectPtr o = *kube::Object::parse(fixture(0));
  for (auto _ : state) {
    auto s = o->field_string("spec.nodeName");
    benchmark::DoNotOptimize(s);
  }
}

void BM_Field_KubeObjectMetadata(benchmark::State& state) {
  kube::ObjectPtr o = *kube::Object::parse(fixture(0));
  for (auto _ : state) {
    auto s = o->label("app");
    benchmark::DoNotOptimize(s);
  }
}

// Args: 0 = pod, 1 = deployment, 2 = configmap.
BENCHMARK(BM_Parse_BoostDom)->DenseRange(0, 2)->ArgName("fixture");
BENCHMARK(BM_Parse_SimdjsonDom)->DenseRange(0, 2)->ArgName("fixture");
BENCHMARK(BM_Parse_KubeObject)->DenseRange(0, 2)->ArgName("fixture");
BENCHMARK(BM_Parse_KubeObjectMinifiedInput)->DenseRange(0, 2)->ArgName("fixture");
BENCHMARK(BM_Parse_KubeObjectStripManagedFields)->DenseRange(0, 2)->ArgName("fixture");
BENCHMARK(BM_Field_BoostDom);
BENCHMARK(BM_Field_KubeObjectLazy);
BENCHMARK(BM_Field_KubeObjectMetadata);

}  // namespace

BENCHMARK_MAIN();
