// The embedded API server in a child process (`kinformer apiserver`), so that
// a benchmark measures the client's memory and CPU, not the server's.
//
//   auto server = ServerProcess::start();
//   if (!server) { ... server.error().message ... }
//   kube::load_kubeconfig({.paths = {(*server)->kubeconfig()}});
//   server->reset();  // SIGTERM, waits for the child, removes its directory
//
// The child is this same executable (/proc/self/exe), on an ephemeral port,
// writing its kubeconfig into a directory of its own under the temporary
// directory (kinformer-bench-<pid>), which goes with the ServerProcess; it
// gets SIGTERM if this process dies. Start it before this process starts
// threads (it forks).
//
// Thread-safety: one owner.
#pragma once

#include <filesystem>
#include <memory>

#include <sys/types.h>

#include "kube/core/result.h"

namespace kinformer::cli {

struct ServerProcessOptions {
  // Serve plain HTTP (`kinformer apiserver --plain-http`): the backend of an
  // HTTP/2 proxy (kube/testing/http2_proxy.h), which does TLS itself.
  bool plain_http = false;
};

class ServerProcess {
 public:
  static kube::Result<std::unique_ptr<ServerProcess>> start(ServerProcessOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }

 private:
  ServerProcess(pid_t pid, int out_fd, std::filesystem::path dir)
      : pid_(pid), out_fd_(out_fd), dir_(std::move(dir)), kubeconfig_(dir_ / "kubeconfig") {}

  pid_t pid_;
  int out_fd_;  // the child's stdout, kept open so its last lines do not hit a closed pipe
  std::filesystem::path dir_;
  std::filesystem::path kubeconfig_;
};

}  // namespace kinformer::cli
