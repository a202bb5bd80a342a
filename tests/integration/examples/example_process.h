// Test helper: runs an example binary as a child process (posix_spawn),
// collects its stdout+stderr line by line on a reader thread, and lets the
// test wait for a line, signal the process and check how it exited. Every
// wait has a deadline, so a test that would hang fails instead.
//
//   auto p = ExampleProcess::start(CHANGE_NOTIFIER_PATH, {"--kubeconfig", path}, env);
//   ASSERT_TRUE(p->wait_for("synced"));
//   p->mark();                            // later waits see only newer lines
//   ... change something ...
//   ASSERT_TRUE(p->wait_for("MODIFIED pod demo/web"));
//   auto exit = p->terminate();          // SIGTERM, then waits
//   EXPECT_EQ(exit.code, 0) << p->output();
//
// KINFORMER_TEST_VERBOSE=1 in the test's environment prints each child's
// output when the test is done with it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kube::testing {

class ExampleProcess {
 public:
  struct Exit {
    bool exited = false;  // false: killed by a signal, or still running at the deadline
    int code = -1;        // exit status when exited
    int signal = 0;       // the terminating signal otherwise
  };

  // The child gets the test's environment, with the `env` entries
  // ("NAME=value") replacing or adding variables and the names in `unset`
  // removed. stdout and stderr go to one pipe.
  static std::unique_ptr<ExampleProcess> start(const std::string& path,
                                               const std::vector<std::string>& args,
                                               const std::vector<std::string>& env = {},
                                               const std::vector<std::string>& unset = {}) {
    std::unique_ptr<ExampleProcess> p(new ExampleProcess);
    int fds[2];
    if (pipe(fds) != 0) return nullptr;
    std::vector<std::string> argv_s{path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e), name = name_of(entry);
      bool dropped = false;
      for (const auto& u : unset) dropped = dropped || u == name;
      for (const auto& o : env) dropped = dropped || name_of(o) == name;
      if (!dropped) env_s.push_back(entry);
    }
    env_s.insert(env_s.end(), env.begin(), env.end());
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all_default;
    sigemptyset(&none);
    sigemptyset(&all_default);
    sigaddset(&all_default, SIGINT);
    sigaddset(&all_default, SIGTERM);
    sigaddset(&all_default, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);  // the test may have blocked signals
    posix_spawnattr_setsigdefault(&attr, &all_default);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&p->pid_, path.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      return nullptr;
    }
    p->reader_ = std::thread([p = p.get(), fd = fds[0]] { p->read_loop(fd); });
    return p;
  }

  ~ExampleProcess() {
    if (std::getenv("KINFORMER_TEST_VERBOSE") != nullptr)
      std::fprintf(stderr, "%s", output().c_str());
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
  }

  // Waits for a line containing `text`, printed after the last mark() (or
  // at any time when mark() was never called); returns it.
  std::optional<std::string> wait_for(const std::string& text,
                                      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    return wait_for_line([&](const std::string& l) { return l.find(text) != std::string::npos; },
                         limit);
  }

  std::optional<std::string> wait_for_line(
      const std::function<bool(const std::string&)>& pred,
      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (std::size_t i = mark_;; ++i) {
      while (i == lines_.size()) {
        if (eof_ || cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
          if (i == lines_.size()) return std::nullopt;
        }
      }
      if (pred(lines_[i])) return lines_[i];
    }
  }

  // Later waits only look at lines printed from now on.
  void mark() {
    std::lock_guard lock(mu_);
    mark_ = lines_.size();
  }

  // Any line so far containing `text` (ignores the wait_for position).
  bool saw(const std::string& text) const {
    std::lock_guard lock(mu_);
    for (const auto& l : lines_) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

  // Everything printed so far, for failure messages.
  std::string output() const {
    std::string s;
    for (const auto& l : lines()) s += "  | " + l + "\n";
    return s;
  }

  // Sends `sig`, then waits up to `limit` for the process to exit.
  Exit terminate(int sig = SIGTERM, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (!reaped_) kill(pid_, sig);
    return wait(limit);
  }

  // Waits up to `limit` for the process to exit on its own; then the output
  // pipe is drained.
  Exit wait(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!reaped_) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        exit_.exited = WIFEXITED(status);
        exit_.code = exit_.exited ? WEXITSTATUS(status) : -1;
        exit_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return Exit{};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (reader_.joinable()) reader_.join();
    return exit_;
  }

 private:
  ExampleProcess() = default;

  void read_loop(int fd) {
    std::string partial;
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        std::lock_guard lock(mu_);
        lines_.push_back(partial.substr(0, nl));
        partial.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    close(fd);
    std::lock_guard lock(mu_);
    if (!partial.empty()) lines_.push_back(partial);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  bool reaped_ = false;    // the test thread only
  Exit exit_;              // the test thread only
  mutable std::mutex mu_;  // guards lines_, mark_, eof_
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::size_t mark_ = 0;
  bool eof_ = false;
  std::thread reader_;  // started by start(), joined by wait() or the destructor
};

}  // namespace kube::testing
