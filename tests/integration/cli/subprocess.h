// Test helper: runs a program with its stdout and stderr captured, reading
// them with deadlines, so a test can follow a long-running command (a watch)
// and never hangs on it.
//
//   Subprocess p({KINFORMER_BIN, "watch", "cm", "--kubeconfig", path});
//   ASSERT_TRUE(p.wait_for_stdout("ADDED", 10s)) << p.err();
//   int code = p.terminate(SIGTERM, 10s);        // exit code, or 128+signal
//
//   RunResult r = run({KINFORMER_BIN, "get", "pods"});   // waits for exit (60 s at most)
//
// The child is killed (SIGKILL) and reaped when the Subprocess is destroyed.
// Thread-safety: one owner.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kube::testing {

struct RunResult {
  int code = -1;  // exit status, 128+signal, or -1 when it had to be killed
  std::string out;
  std::string err;
};

class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) return;
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::close(err[0]);
      ::close(err[1]);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    fds_[0] = out[0];
    fds_[1] = err[0];
    for (int fd : fds_) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ~Subprocess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& out() const { return text_[0]; }
  const std::string& err() const { return text_[1]; }

  // Reads until `needle` appears in stdout (true) or `timeout` passes.
  bool wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout,
                       std::size_t from = 0) {
    return wait_for(0, needle, timeout, from);
  }
  bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout) {
    return wait_for(1, needle, timeout, 0);
  }

  // Reads both streams to their end and reaps the child; kills it if it has
  // not exited by `timeout`.
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((fds_[0] >= 0 || fds_[1] >= 0) && std::chrono::steady_clock::now() < deadline)
      pump(deadline);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return -1;
      }
      ::usleep(10000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    reaped_ = true;
    return -1;
  }

  int terminate(int sig, std::chrono::milliseconds timeout) {
    ::kill(pid_, sig);
    return wait(timeout);
  }

 private:
  bool wait_for(int which, std::string_view needle, std::chrono::milliseconds timeout,
                std::size_t from) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (text_[which].find(needle, from) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline || (fds_[0] < 0 && fds_[1] < 0))
        return false;
      pump(deadline);
    }
    return true;
  }

  // Waits (until `deadline`) for output and appends whatever is there.
  void pump(std::chrono::steady_clock::time_point deadline) {
    pollfd p[2];
    int n = 0;
    int idx[2];
    for (int i = 0; i < 2; ++i) {
      if (fds_[i] < 0) continue;
      p[n] = {fds_[i], POLLIN, 0};
      idx[n++] = i;
    }
    if (n == 0) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(p, static_cast<nfds_t>(n), static_cast<int>(std::max<long long>(0, left.count()))) <=
        0)
      return;
    for (int k = 0; k < n; ++k) {
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[8192];
      ssize_t got = ::read(fds_[idx[k]], buf, sizeof buf);
      if (got > 0) {
        text_[idx[k]].append(buf, static_cast<std::size_t>(got));
      } else if (got == 0) {
        ::close(fds_[idx[k]]);
        fds_[idx[k]] = -1;
      }
    }
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int fds_[2] = {-1, -1};
  std::string text_[2];
};

inline RunResult run(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  Subprocess p(args);
  RunResult r;
  r.code = p.wait(timeout);
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace kube::testing
