// The embedded API server in a child process (`kinformer apiserver`), so that
// a benchmark measures the client's memory and CPU, not the server's.
//
//   auto server = ServerProcess::start("/tmp/kinformer-bench-123");
//   if (!server) { ... server.error().message ... }
//   kube::load_kubeconfig({.paths = {(*server)->kubeconfig()}});
//   server->reset();  // SIGTERM, then waits for the child
//
// The child is this same executable (/proc/self/exe), on an ephemeral port,
// writing its kubeconfig into `dir`; it gets SIGTERM if this process dies.
// Start it before this process starts threads (it forks).
//
// Thread-safety: one owner.
#pragma once

#include <filesystem>
#include <memory>

#include <sys/types.h>

#include "kube/core/result.h"

namespace kinformer::cli {

class ServerProcess {
 public:
  static kube::Result<std::unique_ptr<ServerProcess>> start(const std::filesystem::path& dir);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }

 private:
  ServerProcess(pid_t pid, int out_fd, std::filesystem::path kubeconfig)
      : pid_(pid), out_fd_(out_fd), kubeconfig_(std::move(kubeconfig)) {}

  pid_t pid_;
  int out_fd_;  // the child's stdout, kept open so its last lines do not hit a closed pipe
  std::filesystem::path kubeconfig_;
};

}  // namespace kinformer::cli
