// `kinformer demo`: placeholder until the cache demo lands.
#include <iostream>

#include "tools/kinformer/commands.h"

namespace kinformer::cli {

void add_demo_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Show the informer cache at work");
  cmd->callback([&exit_code] {
    std::cerr << "kinformer demo: not implemented yet\n";
    exit_code = kFailure;
  });
}

}  // namespace kinformer::cli
