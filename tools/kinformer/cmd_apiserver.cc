// `kinformer apiserver`: the embedded Kubernetes API server (not built yet).
#include <iostream>

#include "tools/kinformer/commands.h"

namespace kinformer::cli {

void add_apiserver_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("apiserver", "Run the embedded Kubernetes API server (not yet available)");
  cmd->callback([&exit_code] {
    std::cerr << "kinformer apiserver: not implemented yet\n";
    exit_code = kFailure;
  });
}

}  // namespace kinformer::cli
