// kube/core/histogram.h — a fixed-bucket latency histogram, as a plain value.
//
// The buckets are Prometheus-style `le` upper bounds from 1 ms to 10 s, the
// same for every histogram, so snapshots can be added up and exported
// without knowing who made them. observe() does no allocation.
//
//   kube::LatencyHistogram h = registration->latency();   // a snapshot
//   for (std::size_t i = 0; i < h.counts.size(); ++i)
//     std::cout << "le=" << h.upper_bound(i) << " " << h.cumulative(i) << "\n";
//   std::cout << "mean=" << h.sum_seconds / double(h.count) << "s\n";
//
// Thread-safety: a value type; the owner guards it.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace kube {

struct LatencyHistogram {
  // Upper bounds in seconds; a last, implicit bucket is +Inf.
  static constexpr std::array<double, 13> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

  // counts[i]: observations in (kBounds[i-1], kBounds[i]] — per bucket, not
  // cumulative; counts[kBounds.size()]: observations above 10 s.
  std::array<std::uint64_t, kBounds.size() + 1> counts{};
  std::uint64_t count = 0;  // all observations
  double sum_seconds = 0;   // their sum

  void observe(std::chrono::nanoseconds d) noexcept {
    double s = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < kBounds.size() && s > kBounds[i]) ++i;
    ++counts[i];
    ++count;
    sum_seconds += s;
  }

  // Upper bound of bucket i in seconds (+Inf for the last).
  static double upper_bound(std::size_t i) noexcept {
    return i < kBounds.size() ? kBounds[i] : std::numeric_limits<double>::infinity();
  }
  // Observations <= upper_bound(i): Prometheus's cumulative `le` count.
  std::uint64_t cumulative(std::size_t i) const noexcept {
    std::uint64_t n = 0;
    for (std::size_t j = 0; j <= i && j < counts.size(); ++j) n += counts[j];
    return n;
  }
};

}  // namespace kube
