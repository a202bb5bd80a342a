#include "kube/testing/http2_proxy.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/testing/tls.h"

namespace kube::testing {
namespace {

// Watches are long-lived and may be idle for minutes (without bookmarks):
// no read timeout of the proxy may end them.
constexpr const char* kLongTimeout = "24h";

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A port nothing listens on right now (the kernel's choice for port 0).
// nghttpx binds it a moment later; start() retries if another process took it.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Forks and execs `argv` with stdout and stderr to `log`; the child gets
// SIGTERM when the calling thread exits. Returns the pid, or -1 (errno set).
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;  // built before fork: the child only calls async-signal-safe functions
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return -1;
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the caller may block signals for its threads
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int saved = errno;
  ::close(out);
  errno = saved;
  return pid;
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
  for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken before nghttpx binds it
    port_ = free_port();
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
    pid_ = spawn(args, dir_ / "nghttpx.out");
    if (pid_ < 0) {
      pid_ = 0;
      return Error::internal(what + ": cannot start: " + std::strerror(errno));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (accepts(port_)) return {};
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace kube::testing
