// kinformer — Kubernetes informers from the command line.
#include <iostream>
#include <map>
#include <string>

#include "kube/core/log.h"
#include "kube/version.h"

#include "tools/kinformer/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kinformer: Kubernetes informers for C++ — list once, watch, keep an indexed cache"};
  app.set_version_flag("--version", "kinformer " + std::string(kube::version()));
  app.require_subcommand(1);
  app.footer(kinformer::cli::kExitCodeHelp);
  // The commands report list/watch failures themselves; the library's own log
  // (kube/core/log.h) shows only errors unless asked for more.
  kube::log::set_level(kube::log::Level::kError);
  static const std::map<std::string, kube::log::Level> kLevels{{"debug", kube::log::Level::kDebug},
                                                               {"info", kube::log::Level::kInfo},
                                                               {"warning", kube::log::Level::kWarning},
                                                               {"error", kube::log::Level::kError}};
  app.add_option_function<std::string>(
         "--log-level", [](const std::string& l) { kube::log::set_level(kLevels.at(l)); },
         "library log on stderr: debug, info, warning or error (default error)")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->option_text("LEVEL")
      ->configurable(false);
  app.fallthrough();
  int exit_code = kinformer::cli::kOk;
  kinformer::cli::add_get_command(app, exit_code);
  kinformer::cli::add_watch_command(app, exit_code);
  kinformer::cli::add_serve_command(app, exit_code);
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
