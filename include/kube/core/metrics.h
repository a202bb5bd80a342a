// kube/core/metrics.h — one registry that informers, reflectors, the REST
// client's transport, work queues and controllers report through; the
// application reads it as values or as Prometheus text.
//
//   // Anywhere, e.g. in an HTTP handler for /metrics:
//   std::string text = kube::metrics::Registry::global().prometheus_text();
//   // Or as values:
//   for (const kube::metrics::Family& f : kube::metrics::Registry::global().collect()) { ... }
//
// Components do not count into the registry; they register a collector that
// reads their own counters when someone asks (the counters they keep anyway,
// under their own locks), so an idle registry costs nothing per event. A
// component's collector is removed when the component is destroyed.
//
//   class MyCache {
//     ...
//     // Declared last: destroyed first, before the state the collector reads.
//     kube::metrics::Registration metrics_ = kube::metrics::Registry::global().add(
//         [this](kube::metrics::Writer& w) { w.gauge("my_cache_objects", "Objects cached.", {}, size()); });
//   };
//
// Families with the same name from several collectors (one per informer)
// are merged into one family, as the Prometheus exposition format requires.
// Metric names: client-go's and controller-runtime's where they have one
// (rest_client_*, workqueue_*, controller_runtime_*), kinformer_* otherwise;
// the list is in docs/design.md.
//
// Thread-safety: every member may be called from any thread. collect() calls
// the collectors under the registry's mutex, so a collector is never called
// after its Registration is destroyed; collectors must not call into the
// registry themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/core/mutex.h"

namespace kube::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { kCounter, kGauge, kHistogram };

struct HistogramValue {
  std::vector<double> bounds;                // upper bounds, ascending (+Inf implied)
  std::vector<std::uint64_t> cumulative;     // observations <= each bound
  std::uint64_t count = 0;                   // all observations
  double sum = 0;
};

struct Sample {
  Labels labels;
  double value = 0;          // counters and gauges
  HistogramValue histogram;  // histograms
};

struct Family {
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<Sample> samples;
};

// What a collector writes into. Samples of one family name are grouped.
class Writer {
 public:
  void counter(std::string_view name, std::string_view help, Labels labels, double value);
  void gauge(std::string_view name, std::string_view help, Labels labels, double value);
  // `counts[i]`: observations in (bounds[i-1], bounds[i]] (not cumulative);
  // `count` includes those above the last bound.
  void histogram(std::string_view name, std::string_view help, Labels labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, std::uint64_t count, double sum);

  const std::vector<Family>& families() const { return families_; }
  std::vector<Family> take() { return std::move(families_); }

 private:
  Family& family(std::string_view name, std::string_view help, Type type);
  std::vector<Family> families_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// The Prometheus text exposition format (version 0.0.4) of `families`.
std::string prometheus_text(std::span<const Family> families);

class Registry;

// Keeps a collector registered; move-only; unregisters on destruction.
class Registration {
 public:
  Registration() = default;
  Registration(Registration&& other) noexcept;
  Registration& operator=(Registration&& other) noexcept;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration();

  // Unregisters now (waits for a collect() in progress).
  void reset();

 private:
  friend class Registry;
  Registration(std::shared_ptr<Registry*> registry, std::uint64_t id) : registry_(std::move(registry)), id_(id) {}
  std::shared_ptr<Registry*> registry_;
  std::uint64_t id_ = 0;
};

class Registry {
 public:
  using Collector = std::function<void(Writer&)>;

  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The registry the library's components register with.
  static Registry& global();

  [[nodiscard]] Registration add(Collector collector);
  std::vector<Family> collect() const;
  std::string prometheus_text() const;
  std::size_t size() const;

 private:
  friend class Registration;
  void remove(std::uint64_t id);

  mutable Mutex mu_;  // guards collectors_ and next_id_; held while collectors run
  std::map<std::uint64_t, Collector> collectors_ KUBE_GUARDED_BY(mu_);
  std::uint64_t next_id_ KUBE_GUARDED_BY(mu_) = 1;
  // Registrations hold this; reset to null when the registry dies first.
  std::shared_ptr<Registry*> self_;
};

}  // namespace kube::metrics
