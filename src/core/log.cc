#include "kube/core/log.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace kube::log {
namespace detail {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace detail

namespace {

Mutex g_sink_mu;
std::shared_ptr<Sink> g_sink KUBE_GUARDED_BY(g_sink_mu);

std::shared_ptr<Sink> current_sink() {
  MutexLock l(g_sink_mu);
  if (!g_sink) g_sink = std::make_shared<StderrSink>();
  return g_sink;
}

bool iequals_contains(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != hay.end();
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  return std::any_of(v.begin(), v.end(), [](char c) {
    return c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\x%02x", static_cast<unsigned char>(c));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void emit(Level l, std::string_view component, std::string_view message,
          std::initializer_list<Field> fields, const Field* extra) {
  std::vector<Field> redacted;
  redacted.reserve(fields.size() + (extra ? 1 : 0));
  for (const Field& f : fields) {
    if (is_secret_key(f.key)) {
      redacted.emplace_back(f.key, std::string("[redacted]"));
    } else {
      redacted.push_back(f);
    }
  }
  if (extra) redacted.push_back(*extra);
  Record r{l, component, message, std::span<const Field>(redacted), std::chrono::system_clock::now()};
  current_sink()->write(r);
}

}  // namespace

std::string_view to_string(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarning: return "warning";
    case Level::kError: return "error";
  }
  return "unknown";
}

Field::Field(std::string_view k, double v) : key(k) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", v);
  value = buf.data();
}

std::string format(const Record& record) {
  static constexpr std::array<char, 4> kLetters{'D', 'I', 'W', 'E'};
  std::string out;
  out.reserve(96 + record.message.size());
  out += kLetters[static_cast<std::size_t>(record.level)];
  auto t = std::chrono::system_clock::to_time_t(record.time);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(record.time.time_since_epoch()).count() %
            1'000'000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%02d%02d %02d:%02d:%02d.%06lld ", tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  out += buf.data();
  out += record.component;
  out += "] ";
  out += record.message;
  for (const Field& f : record.fields) {
    out += ' ';
    out += f.key;
    out += '=';
    append_value(out, f.value);
  }
  return out;
}

void StderrSink::write(const Record& record) {
  std::string line = format(record);
  line += '\n';
  // One write(2) per line: lines from concurrent threads do not interleave.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // nowhere else to report it
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::shared_ptr<Sink> set_sink(std::shared_ptr<Sink> sink) {
  MutexLock l(g_sink_mu);
  auto previous = std::move(g_sink);
  g_sink = std::move(sink);
  return previous;
}

void set_level(Level level) { detail::g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

Level level() { return static_cast<Level>(detail::g_level.load(std::memory_order_relaxed)); }

bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kSecret{
      "token", "password", "passwd", "secret", "authorization", "client-key", "client_key", "credential"};
  return std::any_of(kSecret.begin(), kSecret.end(),
                     [&](std::string_view s) { return iequals_contains(key, s); });
}

void write(Level l, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields) {
  if (!enabled(l)) return;
  emit(l, component, message, fields, nullptr);
}

bool RateLimited::write(Level l, std::string_view component, std::string_view message,
                        std::initializer_list<Field> fields) {
  std::uint64_t dropped = 0;
  {
    MutexLock lock(mu_);
    auto now = clock_.now();
    if (written_ && now - last_ < interval_) {
      ++suppressed_;
      return false;
    }
    written_ = true;
    last_ = now;
    dropped = suppressed_;
    suppressed_ = 0;
  }
  if (!enabled(l)) return true;
  if (dropped > 0) {
    Field extra("suppressed", dropped);
    emit(l, component, message, fields, &extra);
  } else {
    emit(l, component, message, fields, nullptr);
  }
  return true;
}

std::uint64_t RateLimited::suppressed() const {
  MutexLock lock(mu_);
  return suppressed_;
}

}  // namespace kube::log
