// Client benchmarks: watch stream decoding; small GETs against the embedded
// API server (HTTPS, HTTP/1.1 keep-alive: the embedded server does not speak h2).
//   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/release --target client_bench
//   ./build/release/bench/client_bench
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kube/client/rest_client.h"
#include "kube/client/watch_decoder.h"
#include "kube/testing/api_server.h"

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

// Small GETs from `threads` client threads sharing one Transport.
void BM_SmallGetsAgainstEmbeddedApiServer(benchmark::State& state) {
  static kube::testing::ApiServer* server = [] {
    auto* s = new kube::testing::ApiServer(kube::testing::ApiServerOptions{});
    if (!s->start()) std::abort();
    return s;
  }();
  static std::shared_ptr<kube::RestClient> client = [] {
    kube::RestConfig c;
    c.host = server->url();
    c.ca_pem = server->ca_pem();
    c.bearer_token = server->token();
    c.qps = 0;  // measure the transport, not the limiter
    auto t = kube::Transport::create(c);
    auto rc = std::make_shared<kube::RestClient>(std::move(*t));
    (void)rc->create({{"", "v1", "namespaces"}, false}, "",
                     R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})");
    (void)rc->create({{"", "v1", "configmaps"}, true}, "bench",
                     R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"small"},"data":{"k":"v"}})");
    return rc;
  }();
  const kube::Resource cms{{"", "v1", "configmaps"}, true};
  for (auto _ : state) {
    auto r = client->get(cms, "bench", "small");
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SmallGetsAgainstEmbeddedApiServer)->UseRealTime()->Threads(1)->Threads(4)->Threads(16);

}  // namespace

BENCHMARK_MAIN();
