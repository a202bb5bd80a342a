// This process's resource use, for `kinformer bench`: resident memory now and
// at its peak (/proc/self/statm, /proc/self/status VmHWM), and CPU time of
// every thread (getrusage). Linux only.
//
//   std::uint64_t before = rss_bytes();
//   ...
//   double mb = peak_rss_bytes() / 1e6;
//
// Thread-safety: reads of the kernel's counters; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kinformer::cli {

std::uint64_t rss_bytes();
std::uint64_t peak_rss_bytes();
// User + system time of the whole process, in seconds.
double cpu_seconds();
// CPU time each thread has run so far (/proc/self/task/*/schedstat, in
// nanoseconds), keyed by "name/tid". Threads that ended are not listed.
std::map<std::string, double> thread_cpu_seconds();
// Returns freed heap memory to the kernel (malloc_trim), so that RSS measures
// live memory rather than what the allocator kept.
void release_free_memory();
// Resets the peak (VmHWM) to the current resident memory, so that
// peak_rss_bytes() measures from here on.
void reset_peak_rss();

}  // namespace kinformer::cli
