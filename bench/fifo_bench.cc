// DeltaFifo throughput: events pushed and popped per second, on one thread
// and with a producer and a consumer thread.
//
//   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/release -j2 --target fifo_bench
//   ./build/release/bench/fifo_bench
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "kube/cache/delta_fifo.h"
#include "kube/cache/store.h"

namespace {

using kube::ObjectPtr;
using kube::cache::DeltaFifo;
using kube::cache::Deltas;

// The FIFO never reads an object's JSON, so small pods measure it fairly.
std::vector<ObjectPtr> make_pods(int n) {
  std::vector<ObjectPtr> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    boost::json::value v{{"apiVersion", "v1"},
                         {"kind", "Pod"},
                         {"metadata",
                          {{"name", "pod-" + std::to_string(i)},
                           {"namespace", "ns-" + std::to_string(i % 20)},
                           {"resourceVersion", std::to_string(i)}}}};
    out.push_back(*kube::Object::from_value(v));
  }
  return out;
}

kube::Result<void> noop(const Deltas& d, bool) {
  benchmark::DoNotOptimize(d.data());
  return {};
}

// Push `events` updates over `keys` distinct keys, then pop everything.
void BM_FifoPushThenPop(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  constexpr int kEvents = 100'000;
  auto pods = make_pods(keys);
  for (auto _ : state) {
    DeltaFifo fifo;
    for (int i = 0; i < kEvents; ++i) (void)fifo.update(pods[i % keys]);
    while (fifo.size() > 0) (void)fifo.pop(noop);
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_FifoPushThenPop)->Arg(100)->Arg(100'000)->Unit(benchmark::kMillisecond);

// One producer thread, one consumer thread popping concurrently.
void BM_FifoProducerConsumer(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  constexpr int kEvents = 200'000;
  auto pods = make_pods(keys);
  for (auto _ : state) {
    DeltaFifo fifo;
    std::int64_t popped_deltas = 0, pops = 0;
    {
      std::jthread consumer([&] {
        for (;;) {
          auto r = fifo.pop([&](const Deltas& d, bool) {
            popped_deltas += static_cast<std::int64_t>(d.size());
            ++pops;
            return kube::Result<void>{};
          });
          if (!r.ok()) return;  // closed and drained
        }
      });
      for (int i = 0; i < kEvents; ++i) (void)fifo.update(pods[i % keys]);
      fifo.close();
    }
    // Events coalesce per key while the consumer is behind.
    state.counters["deltas_per_pop"] =
        static_cast<double>(popped_deltas) / static_cast<double>(pops > 0 ? pops : 1);
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_FifoProducerConsumer)->Arg(100)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Replace of 100k objects into a FIFO that knows 100k objects (a relist).
void BM_FifoReplace100k(benchmark::State& state) {
  auto pods = make_pods(100'000);
  kube::cache::ThreadSafeStore known;
  for (const auto& p : pods) (void)known.add(p);
  for (auto _ : state) {
    DeltaFifo fifo({.known_objects = &known});
    (void)fifo.replace(pods, "1");
    benchmark::DoNotOptimize(fifo.size());
  }
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_FifoReplace100k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
