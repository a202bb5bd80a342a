#include "tools/kinformer/progress.h"

#include <cstdio>

#include <pthread.h>
#include <unistd.h>

namespace kinformer::cli {
namespace {

std::string thousands(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

kube::Result<ProgressMode> parse_progress_mode(std::string_view text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "always") return ProgressMode::kAlways;
  if (text == "never") return ProgressMode::kNever;
  return kube::Error::invalid_argument("--progress \"" + std::string(text) +
                                       "\": use auto, always or never");
}

std::string format_progress(std::string_view what, ProgressSample s, double seconds) {
  double mb = static_cast<double>(s.bytes) / 1e6;
  std::string out =
      std::string(what) + ": " + thousands(s.objects) + " objects, " + one_decimal(mb) + " MB";
  if (seconds > 0) out += ", " + one_decimal(mb / seconds) + " MB/s";
  return out;
}

Progress::Progress(ProgressMode mode, std::string what, std::function<ProgressSample()> sample)
    : what_(std::move(what)),
      sample_(std::move(sample)),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {
  if (mode == ProgressMode::kNever || (mode == ProgressMode::kAuto && !terminal_)) return;
  bool immediately = mode == ProgressMode::kAlways;
  thread_ = std::thread([this, immediately] {
    pthread_setname_np(pthread_self(), "kinformer-prog");
    if (!immediately) {
      kube::MutexLock l(mu_);
      auto until = start_ + std::chrono::milliseconds(500);
      while (!stopping_ && std::chrono::steady_clock::now() < until) wake_.wait_until(mu_, until);
      if (stopping_) return;
    }
    run();
  });
}

Progress::~Progress() { stop(); }

void Progress::run() {
  auto period = std::chrono::milliseconds(terminal_ ? 200 : 1000);
  while (true) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string text = format_progress(what_, sample_(), seconds);
    if (terminal_) {
      std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    } else {
      std::fprintf(stderr, "%s\n", text.c_str());
    }
    std::fflush(stderr);
    shown_ = true;
    kube::MutexLock l(mu_);
    auto until = std::chrono::steady_clock::now() + period;
    while (!stopping_ && std::chrono::steady_clock::now() < until) wake_.wait_until(mu_, until);
    if (stopping_) break;
  }
  if (terminal_ && shown_) {
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
  }
}

void Progress::stop() {
  {
    kube::MutexLock l(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace kinformer::cli
