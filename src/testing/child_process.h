// Internal: what kube::testing::Http2Proxy and the tests that run other
// servers (nghttpd) need to run a helper program on a loopback port.
//
//   std::uint16_t port = free_port();
//   pid_t pid = spawn({"/usr/sbin/nghttpd", ..., std::to_string(port)}, dir / "log");
//   wait_until_accepting(pid, port, std::chrono::seconds(10));   // kAccepting
//   stop_child(pid);                                               // SIGTERM + waitpid
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kube::testing::internal {

// A loopback port nothing listens on right now (the kernel's choice for port
// 0). The program binds it a moment later: a caller retries when it lost it.
std::uint16_t free_port();

// Forks and execs args[0] (an absolute path) with `args`, stdout and stderr
// to the file `log`; the child gets SIGTERM when the calling thread exits
// (PR_SET_PDEATHSIG). Between fork and exec the child calls only
// async-signal-safe functions, so it is safe from a process with threads.
// Returns the pid, or -1 with errno set.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log);

enum class ChildState { kAccepting, kExited, kTimedOut };
// Polls until 127.0.0.1:`port` accepts a connection, the child exits (it is
// then reaped), or `limit` passes.
ChildState wait_until_accepting(pid_t pid, std::uint16_t port, std::chrono::milliseconds limit);

// SIGTERM, then waits for it. No-op for pid <= 0.
void stop_child(pid_t pid);

}  // namespace kube::testing::internal
