// One stderr line, rewritten in place, while a list or a cache sync runs:
//
//   syncing pods: 41,500 objects, 103.2 MB, 25.1 MB/s
//
// Shown on a terminal (isatty(stderr)) once the work has taken more than half
// a second, and erased when it ends; silent when stderr is piped, unless the
// mode is kAlways (then one line per second, newline-terminated, for logs).
//
//   Progress p(ProgressMode::kAuto, "syncing pods", [&] {
//     return ProgressSample{informer->reflector_stats().list_items,
//                           client->transport().stats().bytes_received};
//   });
//   ... wait ...
//   p.stop();
//
// Thread: Progress starts one thread ("kinformer-prog") that samples every
// 200 ms; stop() (or the destructor) joins it. `sample` runs on that thread,
// so it must be thread-safe (informer and transport stats are).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "kube/core/mutex.h"
#include "kube/core/result.h"

namespace kinformer::cli {

enum class ProgressMode { kAuto, kAlways, kNever };

// "auto", "always", "never"; the error names the value.
kube::Result<ProgressMode> parse_progress_mode(std::string_view text);

struct ProgressSample {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

// "syncing pods: 41,500 objects, 103.2 MB, 25.1 MB/s" (MB = 10^6 bytes, as
// curl and kubectl's progress do not agree on anything else).
std::string format_progress(std::string_view what, ProgressSample sample, double seconds);

class Progress {
 public:
  Progress(ProgressMode mode, std::string what, std::function<ProgressSample()> sample);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Stops sampling and erases the line. Idempotent.
  void stop();

 private:
  void run();

  const std::string what_;
  const std::function<ProgressSample()> sample_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point start_;
  kube::Mutex mu_;  // guards stopping_
  kube::CondVar wake_;
  bool stopping_ KUBE_GUARDED_BY(mu_) = false;
  bool shown_ = false;  // the sampling thread only
  std::thread thread_;  // started by the constructor (unless kNever), joined by stop()
};

}  // namespace kinformer::cli
