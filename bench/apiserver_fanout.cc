// Embedded API server fan-out: hold W concurrent watch streams while writing
// R configmaps per second, and measure the latency from each write's send time
// to its event arriving on each watcher's socket. Prints one name=value line
// and the command that reproduces it.
//
//   ./build/release/bench/apiserver_fanout [--watches 1000] [--namespaces 100] [--rate 10000]
//                                          [--seconds 5] [--writers 4]
//
// Watch i follows the configmaps of namespace i % N, so every write reaches
// W / N watchers (10 with the defaults: 100,000 deliveries per second at
// 10,000 writes/s). The server runs in this process over plain HTTP with its
// default two I/O threads; the watchers are raw non-blocking sockets read by
// one epoll thread, which only scans for each event's send-time label (no JSON
// parsing), and the writers are --writers threads of REST client requests
// (merge patches, each thread one request at a time). Everything shares the
// machine's cores: the figures bound the server's own latency from above.
// CPU is counted from the first write until every event arrived (setup left
// out): cpu_s for the whole process, server_cpu_s for the server's I/O
// threads alone (request handling, store, fan-out, their syscalls).
//
// The server's capacity, apart from the bench's own writers and reader that
// share its cores: server_cpu_us_per_write is the server threads' CPU per
// write, and server_writes_per_core_s = 1e6 / server_cpu_us_per_write is how
// many such writes (each with its W / N deliveries) one core busy only with
// the server would carry. It is derived from measured CPU, not a measured rate;
// the CPU per write depends on the rate (batching), so compare it at the same
// --rate. bench_cpu_us_per_write is the rest of the process (writers' REST
// client, epoll reader) per write.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/rest_client.h"
#include "kube/client/transport.h"
#include "kube/testing/api_server.h"
#include "bench_support.h"

namespace {

using Clock = std::chrono::steady_clock;

using kube::bench::arg;

std::int64_t now_ns() { return Clock::now().time_since_epoch().count(); }

// CPU seconds (user + system) used so far: by the whole process (getrusage:
// ended threads included) and by the embedded server's I/O threads (named
// "kube-apiserver", from /proc/self/task/*/stat).
struct CpuSplit {
  double server = 0;
  double process = 0;
};

CpuSplit cpu_split() {
  CpuSplit out;
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  out.process = secs(ru.ru_utime) + secs(ru.ru_stime);
  const double tick = double(::sysconf(_SC_CLK_TCK));
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // pid (comm) state ppid ... field 14 utime, 15 stime; comm may hold spaces.
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string comm = stat.substr(open + 1, close - open - 1);
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    if (comm == "kube-apiserver") out.server += (utime + stime) / tick;
  }
  return out;
}

// One watcher's socket and the unscanned tail of what it received.
struct Watcher {
  int fd = -1;
  std::string carry;
};

constexpr std::string_view kMarker = R"("sent":")";

int connect_watch(std::uint16_t port, const std::string& token, const std::string& ns) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = "GET /api/v1/namespaces/" + ns +
                    "/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=false&timeoutSeconds=3600 "
                    "HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                    token + "\r\nAccept: application/json\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const int watches = std::stoi(arg(argc, argv, "watches", "1000"));
  const int namespaces = std::max(1, std::stoi(arg(argc, argv, "namespaces", "100")));
  const double rate = std::stod(arg(argc, argv, "rate", "10000"));
  const double seconds = std::stod(arg(argc, argv, "seconds", "5"));
  const int writers = std::max(1, std::stoi(arg(argc, argv, "writers", "4")));

  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;  // a server socket and a client socket per watch
  ::setrlimit(RLIMIT_NOFILE, &nofile);

  kube::testing::ApiServerOptions options;
  options.tls = false;
  kube::testing::ApiServer server(options);
  if (auto r = server.start(); !r) {
    std::cerr << "apiserver_fanout: embedded API server: " << r.error().message << "\n";
    return 1;
  }
  auto made = kube::bench::unlimited_client(server);
  if (!made) {
    std::cerr << "apiserver_fanout: " << made.error().message << "\n";
    return 1;
  }
  kube::RestClient& client = **made;
  const kube::Resource ns_resource{{"", "v1", "namespaces"}, false};
  const kube::Resource configmaps{{"", "v1", "configmaps"}, true};
  const int objects_per_ns = 10;
  for (int n = 0; n < namespaces; ++n) {
    std::string ns = "fan-" + std::to_string(n);
    auto created =
        client.create(ns_resource, "", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + R"("}})");
    if (!created) {
      std::cerr << "apiserver_fanout: create namespace " << ns << ": " << created.error().message << "\n";
      return 1;
    }
    for (int i = 0; i < objects_per_ns; ++i) {
      auto cm = client.create(configmaps, ns,
                              R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
                                  R"(","labels":{"sent":"0"}},"data":{"v":")" + std::string(256, 'x') + R"("}})");
      if (!cm) {
        std::cerr << "apiserver_fanout: create configmap: " << cm.error().message << "\n";
        return 1;
      }
    }
  }

  // The watchers, read by one epoll thread.
  int ep = ::epoll_create1(0);
  std::vector<Watcher> ws(static_cast<std::size_t>(watches));
  for (int i = 0; i < watches; ++i) {
    ws[std::size_t(i)].fd = connect_watch(server.port(), server.token(), "fan-" + std::to_string(i % namespaces));
    if (ws[std::size_t(i)].fd < 0) {
      std::cerr << "apiserver_fanout: watch " << i << ": connect failed: " << std::strerror(errno) << "\n";
      return 1;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = std::uint32_t(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, ws[std::size_t(i)].fd, &ev);
  }
  std::atomic<bool> stop_reader{false};
  std::atomic<std::uint64_t> deliveries{0};
  std::mutex mu;
  std::vector<double> latencies_ms;  // guarded by mu (appended in batches)
  std::thread reader([&] {
    std::vector<epoll_event> events(256);
    std::vector<char> buf(256 * 1024);
    std::vector<double> local;
    while (!stop_reader.load()) {
      int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
      for (int e = 0; e < n; ++e) {
        Watcher& w = ws[events[std::size_t(e)].data.u32];
        for (;;) {
          ssize_t got = ::recv(w.fd, buf.data(), buf.size(), 0);
          if (got <= 0) break;
          std::int64_t arrived = now_ns();
          std::string data = w.carry;
          data.append(buf.data(), std::size_t(got));
          // Count each complete `"sent":"<ns>"` once; carry over only what
          // may be the start of a marker cut by this read.
          std::size_t pos = 0;
          std::size_t incomplete = std::string::npos;
          for (;;) {
            std::size_t m = data.find(kMarker, pos);
            if (m == std::string::npos) break;
            std::size_t value = m + kMarker.size();
            std::size_t close = data.find('"', value);
            if (close == std::string::npos) {
              incomplete = m;
              break;
            }
            std::int64_t sent = std::atoll(data.c_str() + value);
            if (sent > 0) {
              local.push_back(double(arrived - sent) / 1e6);
              deliveries.fetch_add(1, std::memory_order_relaxed);
            }
            pos = close + 1;
          }
          if (incomplete != std::string::npos) {
            w.carry = data.substr(incomplete);
          } else {
            std::size_t keep = std::min(data.size() - pos, kMarker.size() - 1);
            w.carry = data.substr(data.size() - keep);
          }
        }
      }
      if (local.size() > 4096) {
        std::lock_guard lock(mu);
        latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
        local.clear();
      }
    }
    std::lock_guard lock(mu);
    latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
  });

  // Wait until the server holds every watch.
  auto ready_deadline = Clock::now() + std::chrono::seconds(30);
  while (server.open_watches() < std::size_t(watches) && Clock::now() < ready_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::size_t open = server.open_watches();
  const CpuSplit cpu_before = cpu_split();

  auto paced = kube::bench::run_paced(rate, seconds, writers, [&](std::uint64_t i) {
    std::string ns = "fan-" + std::to_string(i % std::uint64_t(namespaces));
    std::string name = "cm-" + std::to_string((i / std::uint64_t(namespaces)) % objects_per_ns);
    return client
        .patch(configmaps, ns, name, kube::PatchType::Merge,
               R"({"metadata":{"labels":{"sent":")" + std::to_string(now_ns()) + R"("}}})")
        .ok();
  });
  const std::uint64_t expected = paced.ok * std::uint64_t(watches / namespaces);
  auto drain_deadline = Clock::now() + std::chrono::seconds(10);
  while (deliveries.load() < expected && Clock::now() < drain_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const CpuSplit cpu_after = cpu_split();
  stop_reader.store(true);
  reader.join();
  for (auto& w : ws) ::close(w.fd);
  ::close(ep);
  server.stop();

  std::vector<double> l;
  {
    std::lock_guard lock(mu);
    l.swap(latencies_ms);
  }
  if (l.empty()) {
    std::cerr << "apiserver_fanout: no event reached a watcher\n";
    return 1;
  }
  const double server_cpu = cpu_after.server - cpu_before.server;
  const double process_cpu = cpu_after.process - cpu_before.process;
  auto per_write = [&](double cpu) { return paced.ok ? cpu / double(paced.ok) * 1e6 : 0.0; };
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) { return kube::bench::percentile(l, p); };
  std::printf(
      "bench=apiserver_fanout watches=%d open_watches=%zu namespaces=%d target_rate=%.0f "
      "achieved_rate=%.0f "
      "writes=%llu failed=%llu deliveries=%zu expected_deliveries=%llu deliveries_per_s=%.0f "
      "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f cpu_s=%.2f server_cpu_s=%.2f "
      "server_cpu_us_per_write=%.0f "
      "server_writes_per_core_s=%.0f bench_cpu_us_per_write=%.0f\n",
      watches, open, namespaces, rate, double(paced.ok) / paced.seconds,
      (unsigned long long)paced.ok, (unsigned long long)paced.failed, l.size(),
      (unsigned long long)expected, double(l.size()) / paced.seconds, pct(0.50), pct(0.99),
      l.back(), process_cpu, server_cpu, per_write(server_cpu),
      server_cpu > 0 ? double(paced.ok) / server_cpu : 0.0, per_write(process_cpu - server_cpu));
  std::printf("reproduce: %s --watches %d --namespaces %d --rate %.0f --seconds %.0f --writers %d\n", argv[0], watches,
              namespaces, rate, seconds, writers);
  return 0;
}
