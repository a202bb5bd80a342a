// examples/common/example.h — the plumbing every example shares, so each
// main.cc shows only the informer code:
//   - the flags: --kubeconfig, --context (as kubectl), --duration (for tests
//     and demos: stop after that many seconds, as if SIGTERM had arrived);
//   - the cluster config: --kubeconfig, else $KUBECONFIG, else ~/.kube/config,
//     else the in-cluster service account (kube::load_default_config);
//   - stopping: SIGINT and SIGTERM are blocked in every thread and taken
//     only by StopSignals::wait, so shutdown runs on the main thread, in
//     order, and the program exits 0;
//   - output: one line at a time, flushed (stdout is a pipe under the tests).
//
//   int main(int argc, char** argv) {
//     kinformer::examples::StopSignals stop;      // first: before any thread starts
//     kinformer::examples::CommonFlags flags;
//     CLI::App app{"..."};
//     kinformer::examples::add_common_flags(app, flags);
//     if (auto rc = kinformer::examples::parse_flags(app, argc, argv)) return *rc;
//     auto client = kinformer::examples::connect(flags);
//     if (!client) return kinformer::examples::kConfig;
//     ...
//     std::string why = stop.wait(flags);          // "SIGTERM", "SIGINT" or "--duration 5s"
//   }
//
// Thread-safety: out()/err() may be used from any thread; StopSignals is
// used from the main thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "kube/client/config.h"
#include "kube/client/rest_client.h"

namespace kinformer::examples {

// Exit codes (the same as the kinformer command's).
enum ExitCode : int { kOk = 0, kFailure = 1, kUsage = 2, kConfig = 3 };

struct CommonFlags {
  std::string kubeconfig;
  std::string context;
  double duration_seconds = 0;  // 0: run until SIGINT/SIGTERM
};

void add_common_flags(CLI::App& app, CommonFlags& flags);
// Parses the command line; returns the exit code when the program should
// stop now (--help: 0, a bad flag: kUsage), else nullopt.
std::optional<int> parse_flags(CLI::App& app, int argc, char** argv);

// The cluster to use, chosen as kubectl chooses; errors name the file and context.
kube::Result<kube::RestConfig> load_config(const CommonFlags& flags);

// load_config + a Transport + a RestClient; prints the reason and returns
// null on failure.
std::shared_ptr<kube::RestClient> connect(const CommonFlags& flags);

// Blocks SIGINT and SIGTERM for the calling thread and every thread started
// after it, and ignores SIGPIPE. Construct it first thing in main().
class StopSignals {
 public:
  using Clock = std::chrono::steady_clock;
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Starts the --duration clock (call when the program starts its work).
  void start_clock(const CommonFlags& flags);
  // Waits at most `limit` for a stop; returns why ("SIGTERM", "SIGINT",
  // "--duration 5s elapsed") or nullopt. Once stopped, returns the same
  // reason at once.
  std::optional<std::string> poll(std::chrono::milliseconds limit);
  // Waits until a signal arrives or --duration has passed.
  std::string wait();

 private:
  Clock::time_point deadline_ = Clock::time_point::max();
  std::string duration_text_;
  std::optional<std::string> reason_;
};

// One output line, written whole and flushed when the temporary dies:
//   out() << "ADDED " << key;
class Line {
 public:
  explicit Line(std::ostream& os) : os_(os) {}
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  template <class T>
  Line& operator<<(const T& v) {
    buf_ << v;
    return *this;
  }

 private:
  std::ostream& os_;
  std::ostringstream buf_;
};

Line out();  // stdout
Line err();  // stderr

}  // namespace kinformer::examples
