// kube/core/log.h — how the library reports what the application should know
// about but cannot be returned as an error: a watch that keeps failing, a
// handler that throws, a backlog that keeps growing.
//
// Everything goes through one replaceable sink. The default writes one line
// per record to stderr, klog-style:
//   W1126 06:50:01.123456 reflector] list failed resource="pods" code=403 error="pods is forbidden: ..."
// An application plugs in its own logger (spdlog, glog, JSON lines, ...):
//
//   class MySink : public kube::log::Sink {
//     void write(const kube::log::Record& r) override { ... r.level, r.component, r.message, r.fields ... }
//   };
//   kube::log::set_sink(std::make_shared<MySink>());
//   kube::log::set_level(kube::log::Level::kWarning);   // drop info and debug
//
// Secrets: a field whose key names a credential (token, password, secret,
// authorization, client-key, ...) is written as "[redacted]" before any sink
// sees it; the library never puts credentials in messages.
//
// Repetition: a condition that can recur every second (a watch failing
// against a server that is down) is logged through a RateLimited, which
// writes the first occurrence, then at most one record per interval carrying
// `suppressed=N` (how many were dropped since the last one written).
//
// Thread-safety: every function here may be called from any thread; a sink's
// write() is called concurrently from library threads and must be
// thread-safe itself (the default one is).
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kube/core/clock.h"
#include "kube/core/mutex.h"

namespace kube::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

std::string_view to_string(Level level);

// One key=value pair. Numbers and booleans are formatted on construction.
struct Field {
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);

  std::string_view key;  // keys are string literals or outlive the call
  std::string value;
};

struct Record {
  Level level;
  std::string_view component;  // "reflector", "informer", "leader-election", ...
  std::string_view message;
  std::span<const Field> fields;  // already redacted
  std::chrono::system_clock::time_point time;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const Record& record) = 0;
};

// The default sink: one line per record on stderr (one write() call per line,
// so lines from different threads do not interleave).
class StderrSink final : public Sink {
 public:
  void write(const Record& record) override;
};

// Formats a record as the default sink does, without the trailing newline.
std::string format(const Record& record);

// Replaces the sink; nullptr restores the default. Returns the previous one.
std::shared_ptr<Sink> set_sink(std::shared_ptr<Sink> sink);
// Records below `level` are dropped before any formatting. Default kInfo.
void set_level(Level level);
Level level();
inline bool enabled(Level l);

// Writes a record through the current sink (if `l` is enabled).
void write(Level l, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields = {});

// True if a field with this key is written as "[redacted]".
bool is_secret_key(std::string_view key);

// Logs the first occurrence, then at most once per `interval`, adding
// `suppressed=N` for what was dropped in between. One per recurring condition.
class RateLimited {
 public:
  explicit RateLimited(std::chrono::milliseconds interval = std::chrono::seconds(30),
                       Clock& clock = RealClock::instance())
      : interval_(interval), clock_(clock) {}

  // Returns true if the record was written (or would have been, had its level
  // been enabled).
  bool write(Level l, std::string_view component, std::string_view message,
             std::initializer_list<Field> fields = {});
  // Records dropped since the last one written.
  std::uint64_t suppressed() const;

 private:
  const std::chrono::milliseconds interval_;
  Clock& clock_;
  mutable Mutex mu_;
  bool written_ KUBE_GUARDED_BY(mu_) = false;
  Clock::TimePoint last_ KUBE_GUARDED_BY(mu_){};
  std::uint64_t suppressed_ KUBE_GUARDED_BY(mu_) = 0;
};

namespace detail {
extern std::atomic<int> g_level;
}  // namespace detail

inline bool enabled(Level l) {
  return static_cast<int>(l) >= detail::g_level.load(std::memory_order_relaxed);
}

}  // namespace kube::log
