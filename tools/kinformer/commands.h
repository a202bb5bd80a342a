// The kinformer command's subcommands. Each lives in its own cmd_<name>.cc and
// registers itself on the CLI11 app; main.cc only calls the add_* functions.
// A subcommand's callback returns the process exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace kinformer::cli {

// Exit codes a script can rely on (also in `kinformer --help` and README.md).
enum ExitCode : int {
  kOk = 0,
  kNotFound = 1,     // the named object or the resource type does not exist
  kFailure = 1,      // any other failure without a code of its own
  kUsage = 2,        // bad flags or arguments, an invalid selector or -o
  kConfig = 3,       // kubeconfig / context / credentials cannot be loaded
  kUnreachable = 4,  // could not connect to the server (refused, DNS, TLS, timeout)
  kServer = 5,       // the server refused (401, 403: its message is printed) or failed
  kSyncTimeout = 6,  // the informer's cache did not sync in time (the reason is printed)
};

// The exit code table as --help shows it.
inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  not found: the named object, or the resource type (also: other failures)\n"
    "  2  usage: bad flags or arguments, invalid label/field selector, unknown -o\n"
    "  3  configuration: kubeconfig, context or credentials cannot be loaded\n"
    "  4  unreachable: could not connect to the server (refused, DNS, TLS, timeout)\n"
    "  5  server: the server refused (401 Unauthorized, 403 Forbidden) or failed\n"
    "  6  sync timeout: the informer's cache did not sync within --sync-timeout\n";

void add_demo_command(CLI::App& app, int& exit_code);
void add_apiserver_command(CLI::App& app, int& exit_code);
void add_get_command(CLI::App& app, int& exit_code);
void add_watch_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);  // bench sync; calls the one below
void add_bench_relist_command(CLI::App& bench, int& exit_code);  // bench relist
void add_bench_polling_command(CLI::App& bench, int& exit_code);  // bench polling
void add_bench_informers_command(CLI::App& bench, int& exit_code);  // bench informers
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace kinformer::cli
