// HTTP/2 multiplexing against nghttpd (Debian package nghttp2-server), when
// installed: the Beast-based test servers speak HTTP/1.1 only. Skips otherwise.
#include <atomic>
#include <fstream>
#include <future>
#include <random>

#include <gtest/gtest.h>
#include <unistd.h>

#include "integration/client/test_certs.h"
#include "kube/client/transport.h"
#include "src/testing/child_process.h"

namespace kube {
namespace {

namespace fs = std::filesystem;
constexpr const char* kNghttpd = "/usr/sbin/nghttpd";

// Runs nghttpd serving `dir` over TLS; stops it (by its pid) on destruction.
// (The child-process helpers are kube::testing::Http2Proxy's, which runs nghttpx.)
class Nghttpd {
 public:
  Nghttpd(const fs::path& dir, const testing::TestPki& pki)
      : port_(testing::internal::free_port()) {
    std::ofstream(dir / "server.key") << pki.server.key_pem;
    std::ofstream(dir / "server.crt") << pki.server.cert_pem;
    pid_ = testing::internal::spawn(
        {kNghttpd, "-a", "127.0.0.1", "-d", dir.string(), std::to_string(port_),
         (dir / "server.key").string(), (dir / "server.crt").string()},
        dir / "nghttpd.log");
    if (pid_ > 0 && testing::internal::wait_until_accepting(pid_, port_, std::chrono::seconds(5)) ==
                        testing::internal::ChildState::kExited)
      pid_ = 0;  // reaped
  }
  ~Nghttpd() { testing::internal::stop_child(pid_); }
  bool running() const { return pid_ > 0; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t port_;
  pid_t pid_ = 0;
};

TEST(Http2, HundredConcurrentStreamsShareOneConnection) {
  if (access(kNghttpd, X_OK) != 0)
    GTEST_SKIP() << "nghttpd not installed (apt-get install nghttp2-server)";
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("kinformer-h2-" + std::to_string(rd()));
  fs::create_directories(dir);
  std::string blob(256 * 1024, 'x');
  std::ofstream(dir / "blob") << blob;
  testing::TestPki pki = testing::make_test_pki();
  Nghttpd server(dir, pki);
  ASSERT_TRUE(server.running());

  RestConfig c;
  c.host = server.url();
  c.ca_pem = pki.ca.cert_pem;
  auto t = std::move(*Transport::create(c));
  // Warm up: the first request opens the connection, the rest wait for it (PIPEWAIT).
  Result<HttpResponse> first = t->request({.path = "/blob"});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->http_version, 2);

  constexpr int kStreams = 100;
  std::atomic<std::size_t> bytes{0};
  std::vector<std::promise<Result<HttpResponse>>> done(kStreams);
  std::vector<std::shared_ptr<CallHandle>> handles;
  for (int i = 0; i < kStreams; ++i) {
    handles.push_back(t->stream(
        {.path = "/blob"},
        {.on_data =
             [&](std::string_view b) {
               bytes += b.size();
               return true;
             },
         .on_done = [&done, i](Result<HttpResponse> r) { done[i].set_value(std::move(r)); }}));
  }
  int ok = 0;
  for (auto& d : done) {
    auto f = d.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    Result<HttpResponse> r = f.get();
    if (r && r->http_version == 2) ++ok;
  }
  EXPECT_EQ(ok, kStreams);
  EXPECT_EQ(bytes.load(), kStreams * blob.size());
  EXPECT_EQ(t->stats().connections_opened, 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kube
