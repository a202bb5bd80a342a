// The kinformer command's subcommands. Each lives in its own cmd_<name>.cc and
// registers itself on the CLI11 app; main.cc only calls the add_* functions.
// A subcommand's callback returns the process exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace kinformer::cli {

// Exit codes a script can rely on.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,       // the operation failed (server error, not synced, ...)
  kUsage = 2,         // bad flags or arguments
  kConfig = 3,        // kubeconfig / credentials problem
  kUnreachable = 4,   // could not connect to the server
};

void add_demo_command(CLI::App& app, int& exit_code);
void add_apiserver_command(CLI::App& app, int& exit_code);

}  // namespace kinformer::cli
