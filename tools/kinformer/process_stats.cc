#include "tools/kinformer/process_stats.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

namespace kinformer::cli {

std::uint64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stoull(line.substr(6)) * 1024;  // "VmHWM:  1234 kB"
  }
  return 0;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::map<std::string, double> thread_cpu_seconds() {
  std::map<std::string, double> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::string name;
    std::ifstream comm(task.path() / "comm");
    std::getline(comm, name);
    std::ifstream sched(task.path() / "schedstat");
    std::uint64_t ns = 0;
    if (!(sched >> ns)) continue;  // the thread ended meanwhile
    out[name + "/" + task.path().filename().string()] = static_cast<double>(ns) / 1e9;
  }
  return out;
}

void release_free_memory() { ::malloc_trim(0); }

void reset_peak_rss() {
  // Writing "5" to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

}  // namespace kinformer::cli
