// Embedded API server figures: serving a list of 100,000 pods (~2 KB each).
//   ./build/release/bench/apiserver_bench --benchmark_filter=List
#include <benchmark/benchmark.h>
#include <boost/asio.hpp>

#include <memory>
#include <string>

#include "kube/testing/api_server.h"
#include "tests/support/beast_client.h"

namespace {

using kube::testing::ApiServer;
using kube::testing::BeastClient;

constexpr int kPods = 100000;

std::string pod_json(int i) {
  std::string pad(1500, 'x');
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" + std::to_string(i) +
         R"(","labels":{"app":"web","tier":"frontend"},"annotations":{"pad":")" + pad +
         R"("}},"spec":{"nodeName":"node-1","containers":[{"name":"nginx","image":"nginx:1.25.3",)"
         R"("ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}})";
}

struct Fixture {
  std::unique_ptr<ApiServer> server;
  std::unique_ptr<BeastClient> client;
  Fixture() {
    kube::testing::ApiServerOptions o;
    o.tls = false;
    o.history_window = 1000;
    server = std::make_unique<ApiServer>(o);
    if (!server->start()) std::abort();
    client = std::make_unique<BeastClient>(server->url(), "", server->token());
    for (int i = 0; i < kPods; ++i) {
      auto r = client->request("POST", "/api/v1/namespaces/default/pods", pod_json(i));
      if (r.status != 201) std::abort();
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Reads the whole response with 1 MiB reads on a plain socket, so the
// figure is the server's (a Beast string_body parser on the client side
// costs more than the server does).
std::size_t raw_get(const ApiServer& server, const std::string& target) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server.token() +
                    "\r\nConnection: close\r\n\r\n";
  asio::write(s, asio::buffer(req));
  static std::vector<char> buf(1 << 20);
  std::size_t total = 0;
  boost::system::error_code ec;
  while (!ec) total += s.read_some(asio::buffer(buf), ec);
  return total;
}

void BM_ListPods100k(benchmark::State& state) {
  auto& f = fixture();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::size_t n = raw_get(*f.server, "/api/v1/namespaces/default/pods");
    if (n < 1000) state.SkipWithError("list failed");
    bytes += n;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["list_MB"] = double(bytes) / double(state.iterations()) / 1e6;
}
BENCHMARK(BM_ListPods100k)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
