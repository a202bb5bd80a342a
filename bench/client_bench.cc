// Client benchmarks: watch stream decoding.
//   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/release --target client_bench
//   ./build/release/bench/client_bench
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kube/client/watch_decoder.h"

namespace {

// A ~1 KB ConfigMap event, as kube-apiserver writes it.
std::string event_line(int i) {
  std::string data;
  while (data.size() < 700) data += "\"key" + std::to_string(data.size()) + "\":\"value-with-some-text\",";
  data.pop_back();
  return R"({"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-)" +
         std::to_string(i) +
         R"(","namespace":"bench","uid":"5ec0ad76-d0eb-43f1-b105-26c4c0c61164","resourceVersion":")" +
         std::to_string(1000 + i) +
         R"(","creationTimestamp":"2026-11-24T12:31:11Z","labels":{"app":"web","tier":"frontend"}},"data":{)" +
         data + "}}}\n";
}

void BM_WatchDecode1KBEvents(benchmark::State& state) {
  std::string stream;
  for (int i = 0; i < 1000; ++i) stream += event_line(i);
  const std::size_t chunk = static_cast<std::size_t>(state.range(0));
  std::vector<kube::WatchEvent> events;
  events.reserve(1000);
  for (auto _ : state) {
    kube::WatchDecoder dec;
    events.clear();
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      if (!dec.feed(std::string_view(stream).substr(i, chunk), events)) state.SkipWithError("decode");
    }
    benchmark::DoNotOptimize(events.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["event_bytes"] = static_cast<double>(stream.size()) / 1000;
}
BENCHMARK(BM_WatchDecode1KBEvents)->Arg(16384)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
