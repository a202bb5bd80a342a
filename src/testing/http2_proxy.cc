#include "kube/testing/http2_proxy.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <unistd.h>

#include "src/testing/child_process.h"
#include "src/testing/tls.h"

namespace kube::testing {
namespace {

// Watches are long-lived and may be idle for minutes (without bookmarks):
// no read timeout of the proxy may end them.
constexpr const char* kLongTimeout = "24h";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Http2Proxy::Http2Proxy(Http2ProxyOptions options) : options_(std::move(options)) {}

Http2Proxy::~Http2Proxy() { stop(); }

bool Http2Proxy::available(const std::filesystem::path& nghttpx) {
  return ::access(nghttpx.c_str(), X_OK) == 0;
}

std::string Http2Proxy::url() const { return "https://127.0.0.1:" + std::to_string(port_); }

Result<void> Http2Proxy::start() {
  const std::string what = "HTTP/2 proxy " + options_.nghttpx.string();
  if (pid_ > 0) return Error::invalid_argument(what + ": already started");
  if (!available(options_.nghttpx))
    return Error::invalid_argument(what + ": not installed (apt-get install nghttp2-proxy)");
  if (options_.backend_port == 0) return Error::invalid_argument(what + ": no backend_port");
  auto pki = internal::generate_pki();
  if (!pki) return pki.error();
  ca_pem_ = pki->ca_cert_pem;

  static std::atomic<int> counter{0};
  std::error_code ec;
  dir_ = std::filesystem::temp_directory_path(ec) /
         ("kinformer-nghttpx-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  if (!ec) std::filesystem::create_directories(dir_, ec);
  if (ec) return Error::internal(what + ": cannot create " + dir_.string() + ": " + ec.message());
  {
    std::ofstream(dir_ / "server.key") << pki->server_key_pem;
    std::ofstream(dir_ / "server.crt") << pki->server_cert_pem;
  }
  std::string last_log;
  for (int attempt = 0; attempt < 3;
       ++attempt) {  // the free port may be taken before nghttpx binds it
    port_ = internal::free_port();
    const std::string streams = std::to_string(options_.max_concurrent_streams);
    const std::vector<std::string> args = {
        options_.nghttpx.string(),
        "--conf=/dev/null",  // not /etc/nghttpx/nghttpx.conf (a frontend of its own on port 3000)
        "--single-process",  // one pid to stop; no worker process left behind
        "--workers=1",
        "--no-ocsp",
        "--frontend=127.0.0.1," + std::to_string(port_),  // TLS; ALPN h2, http/1.1
        "--backend=" + options_.backend_host + "," + std::to_string(options_.backend_port),
        "--frontend-http2-max-concurrent-streams=" + streams,
        "--backend-connections-per-frontend=0",  // unlimited: one backend connection per open watch
        std::string("--frontend-read-timeout=") + kLongTimeout,
        std::string("--frontend-http2-read-timeout=") + kLongTimeout,
        std::string("--frontend-keep-alive-timeout=") + kLongTimeout,
        std::string("--backend-read-timeout=") + kLongTimeout,
        "--stream-read-timeout=0",  // 0: none
        "--stream-write-timeout=0",
        "--errorlog-file=" + (dir_ / "nghttpx.log").string(),
        (dir_ / "server.key").string(),
        (dir_ / "server.crt").string(),
    };
    pid_ = internal::spawn(args, dir_ / "nghttpx.out");
    if (pid_ < 0) {
      pid_ = 0;
      return Error::internal(what + ": cannot start: " + std::strerror(errno));
    }
    const auto state = internal::wait_until_accepting(pid_, port_, std::chrono::seconds(10));
    if (state == internal::ChildState::kAccepting) return {};
    const bool exited = state == internal::ChildState::kExited;
    last_log = read_file(dir_ / "nghttpx.log") + read_file(dir_ / "nghttpx.out");
    if (!exited) {
      stop();
      return Error::internal(what + ": not listening on 127.0.0.1:" + std::to_string(port_) +
                             " after 10 s: " + last_log);
    }
    pid_ = 0;
  }
  stop();
  return Error::internal(what + ": exited at start: " + last_log);
}

void Http2Proxy::stop() {
  internal::stop_child(pid_);
  pid_ = 0;
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace kube::testing
