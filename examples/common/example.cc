#include "examples/common/example.h"

#include <cerrno>
#include <cmath>
#include <ctime>
#include <iostream>
#include <mutex>

#include <signal.h>

namespace kinformer::examples {
namespace {

std::mutex& output_mutex() {
  static std::mutex mu;
  return mu;
}

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void add_common_flags(CLI::App& app, CommonFlags& flags) {
  app.add_option(
      "--kubeconfig", flags.kubeconfig,
      "Path to a kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)");
  app.add_option("--context", flags.context,
                 "The kubeconfig context to use (default: current-context)");
  app.add_option("--duration", flags.duration_seconds,
                 "Stop after this many seconds (0: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e7));
}

std::optional<int> parse_flags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return std::nullopt;
}

kube::Result<kube::RestConfig> load_config(const CommonFlags& flags) {
  kube::KubeconfigOptions options;
  if (!flags.kubeconfig.empty()) options.paths.push_back(flags.kubeconfig);
  options.context = flags.context;
  return kube::load_default_config(options);
}

std::shared_ptr<kube::RestClient> connect(const CommonFlags& flags) {
  auto config = load_config(flags);
  if (!config) {
    err() << config.error().message;
    return nullptr;
  }
  auto transport = kube::Transport::create(*config);
  if (!transport) {
    err() << transport.error().message;
    return nullptr;
  }
  out() << "using " << config->source << " (" << config->host << ")";
  return std::make_shared<kube::RestClient>(
      std::shared_ptr<kube::Transport>(std::move(*transport)));
}

StopSignals::StopSignals() {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that hangs up mid-write must be an error on that socket, not the
  // end of the program.
  signal(SIGPIPE, SIG_IGN);
}

void StopSignals::start_clock(const CommonFlags& flags) {
  if (flags.duration_seconds <= 0) return;
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(flags.duration_seconds));
  std::ostringstream text;
  text << "--duration " << flags.duration_seconds << "s elapsed";
  duration_text_ = text.str();
}

std::optional<std::string> StopSignals::poll(std::chrono::milliseconds limit) {
  if (reason_) return reason_;
  auto now = Clock::now();
  if (now >= deadline_) return reason_ = duration_text_;
  auto wait = std::min<Clock::duration>(limit, deadline_ - now);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
  timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  sigset_t set = stop_set();
  int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig == SIGINT) return reason_ = "SIGINT";
  if (sig == SIGTERM) return reason_ = "SIGTERM";
  if (Clock::now() >= deadline_) return reason_ = duration_text_;
  return std::nullopt;  // timed out (EAGAIN) or interrupted (EINTR)
}

std::string StopSignals::wait() {
  for (;;) {
    if (auto r = poll(std::chrono::hours(1))) return *r;
  }
}

Line::~Line() {
  buf_ << '\n';
  std::lock_guard lock(output_mutex());
  os_ << buf_.str() << std::flush;
}

Line out() { return Line(std::cout); }
Line err() { return Line(std::cerr); }

}  // namespace kinformer::examples
