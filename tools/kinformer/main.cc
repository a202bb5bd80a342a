// kinformer — Kubernetes informers from the command line.
#include <iostream>
#include <string>

#include "kube/version.h"

#include "tools/kinformer/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kinformer: Kubernetes informers for C++ — list once, watch, keep an indexed cache"};
  app.set_version_flag("--version", "kinformer " + std::string(kube::version()));
  app.require_subcommand(1);
  app.footer(kinformer::cli::kExitCodeHelp);
  int exit_code = kinformer::cli::kOk;
  kinformer::cli::add_get_command(app, exit_code);
  kinformer::cli::add_watch_command(app, exit_code);
  kinformer::cli::add_bench_command(app, exit_code);
  kinformer::cli::add_demo_command(app, exit_code);
  kinformer::cli::add_apiserver_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kinformer::cli::kUsage;
  }
  return exit_code;
}
