#include "tools/kinformer/server_process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kinformer::cli {

kube::Result<std::unique_ptr<ServerProcess>> ServerProcess::start(ServerProcessOptions options) {
  std::error_code ec;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path(ec) / ("kinformer-bench-" + std::to_string(::getpid()));
  if (!ec) std::filesystem::create_directories(dir, ec);
  if (ec) return kube::Error::internal("embedded API server: cannot create " + dir.string() + ": " + ec.message());
  auto failed = [&dir](const char* what) {
    std::string message = std::string(what) + ": " + std::strerror(errno);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return kube::Error::internal(message);
  };
  std::filesystem::path kubeconfig = dir / "kubeconfig";
  int fds[2];
  if (::pipe(fds) != 0) return failed("pipe");
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return failed("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string out = kubeconfig.string();
    const char* plain = options.plain_http ? "--plain-http" : nullptr;
    const char* argv[] = {"kinformer",        "apiserver", "--port", "0",
                          "--kubeconfig-out", out.c_str(), plain,    nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::unique_ptr<ServerProcess> p(new ServerProcess(pid, fds[0], dir));
  // Ready once it prints "kinformer apiserver: serving ..." (the kubeconfig is written before).
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (seen.find("serving") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return kube::Error::internal("embedded API server: not serving after 30 s");
    pollfd pfd{fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) return kube::Error::internal("embedded API server: exited before serving: " + seen);
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return p;
}

ServerProcess::~ServerProcess() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  ::close(out_fd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace kinformer::cli
