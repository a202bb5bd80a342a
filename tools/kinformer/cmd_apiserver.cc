// `kinformer apiserver`: the embedded Kubernetes API server
// (kube::testing::ApiServer) as a process, for kubectl, demos and scripts.
//
//   kinformer apiserver --port 6443 --kubeconfig-out /tmp/kubeconfig [--data state.json]
//   kubectl --kubeconfig /tmp/kubeconfig get pods
//
// Serves HTTPS on 127.0.0.1 (--plain-http for HTTP) until SIGINT/SIGTERM;
// writes the kubeconfig once it is listening; snapshots to --data on a clean
// shutdown. Faults can be set at start with flags, and at any time over HTTP:
//   curl --cacert ca.pem -H "Authorization: Bearer $TOKEN" -X POST
//     https://127.0.0.1:6443/_kinformer/faults -d '{"failNext":{"count":3,"code":429}}'
// (keys: closeWatchesAfter, closeWatchesRandomly, closeWatchesNow, stallWatches,
//  failNext{count,code,retryAfterSeconds}, compact, restart, slowResponsesMs,
//  watchListMode: "normal" | "noInitialEventsEnd" | "reject" | "ignore").
// Users with limited rights come from --users FILE (YAML or JSON; the format
// is kube::testing::load_api_users's, shown in the --help text below).
#include <csignal>
#include <iostream>

#include "kube/testing/api_server.h"
#include "tools/kinformer/commands.h"

namespace kinformer::cli {

void add_apiserver_command(CLI::App& app, int& exit_code) {
  struct Flags {
    int port = 6443;
    std::string address = "127.0.0.1";
    std::string kubeconfig_out;
    std::string data;
    std::string cert, key, ca, token, users;
    bool plain = false;
    int close_watches_after = 0;
    int slow_ms = 0;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("apiserver", "Run the embedded Kubernetes API server (for kubectl, tests, demos)");
  cmd->add_option("--port", flags->port, "Port to listen on (0: an ephemeral port)");
  cmd->add_option("--address", flags->address, "Address to listen on");
  cmd->add_option("--kubeconfig-out", flags->kubeconfig_out, "Write a kubeconfig here once listening");
  cmd->add_option("--data", flags->data, "Load state from this file and snapshot to it on shutdown");
  cmd->add_option("--tls-cert-file", flags->cert, "Server certificate (PEM); generated when absent");
  cmd->add_option("--tls-key-file", flags->key, "Server key (PEM)");
  cmd->add_option("--ca-file", flags->ca, "CA of the server certificate (PEM), written to the kubeconfig");
  cmd->add_option("--token", flags->token, "Bearer token to accept (random when absent)");
  cmd->add_option("--users", flags->users,
                  "Users with limited rights (YAML or JSON); what their rules do not allow gets 403 as from RBAC:\n"
                  "  users:\n"
                  "  - name: viewer\n"
                  "    token: viewer-token\n"
                  "    groups: [dev]                 # optional; system:masters may do everything\n"
                  "    rules:\n"
                  "    - verbs: [get, list, watch]   # create update patch delete deletecollection, *\n"
                  "      apiGroups: [\"\"]             # \"\" is core; apps, ..., *\n"
                  "      resources: [pods]           # pods/status, */status, *\n"
                  "      namespaces: [demo]          # optional; absent: cluster wide\n"
                  "      resourceNames: [web-0]      # optional\n"
                  "The --token user and discovery (/api, /apis, /version) stay open.");
  cmd->add_flag("--plain-http", flags->plain, "Serve plain HTTP instead of HTTPS");
  cmd->add_option("--fault-close-watches-after", flags->close_watches_after, "Close watch streams after N events");
  cmd->add_option("--fault-slow-ms", flags->slow_ms, "Delay every response by this many milliseconds");
  cmd->callback([flags, &exit_code] {
    kube::testing::ApiServerOptions o;
    o.address = flags->address;
    o.port = static_cast<std::uint16_t>(flags->port);
    o.tls = !flags->plain;
    o.cert_file = flags->cert;
    o.key_file = flags->key;
    o.ca_file = flags->ca;
    o.token = flags->token;
    o.data_file = flags->data;
    if (!flags->users.empty()) {
      auto users = kube::testing::load_api_users(flags->users);
      if (!users) {
        std::cerr << "kinformer apiserver: " << users.error().message << "\n";
        exit_code = kConfig;
        return;
      }
      o.users = std::move(*users);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the I/O threads start: they inherit it
    kube::testing::ApiServer server(o);
    if (auto r = server.start(); !r) {
      std::cerr << "kinformer apiserver: " << r.error().message << "\n";
      exit_code = kFailure;
      return;
    }
    server.close_watches_after(flags->close_watches_after);
    server.slow_responses(std::chrono::milliseconds(flags->slow_ms));
    if (!flags->kubeconfig_out.empty()) {
      if (auto r = server.write_kubeconfig(flags->kubeconfig_out); !r) {
        std::cerr << "kinformer apiserver: " << r.error().message << "\n";
        exit_code = kConfig;
        return;
      }
    }
    std::cout << "kinformer apiserver: serving " << server.url() << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    std::cout << "kinformer apiserver: shutting down" << std::endl;
    server.stop();
    exit_code = kOk;
  });
}

}  // namespace kinformer::cli
