// kube/client/config.h — where the cluster is and who we are: kubeconfig files
// and in-cluster configuration (client-go's clientcmd and rest.InClusterConfig).
//
//   // $KUBECONFIG (a ':'-separated list, merged) or ~/.kube/config:
//   kube::Result<kube::RestConfig> cfg = kube::load_kubeconfig({.context = "kind-dev"});
//   // Inside a pod:
//   kube::Result<kube::RestConfig> cfg = kube::in_cluster_config();
//   // Either, as kubectl does: in-cluster when no kubeconfig is found.
//   kube::Result<kube::RestConfig> cfg = kube::load_default_config();
//
// Merge rules (client-go's ClientConfigLoadingRules): files are read in order;
// for clusters, users and contexts the first file to define a name wins;
// current-context comes from the first file that sets it. Files of $KUBECONFIG
// that do not exist are skipped; an explicit path that does not exist is an
// error. Relative paths in a file (certificate-authority, client-certificate,
// client-key, tokenFile, an exec command containing '/') resolve against that
// file's folder.
//
// Errors name the file, the context and the field, e.g.
//   kubeconfig /x/config: context "prod": user "admin" not found
// and never contain a credential (token, password, key, certificate data).
//
// Thread-safety: plain values and functions; no shared state.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/core/result.h"
#include "kube/version.h"

namespace kube {

// users[].user.exec: a credential plugin (client.authentication.k8s.io).
struct ExecConfig {
  std::string api_version = {};  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command = {};      // resolved: absolute when it contained '/'
  std::vector<std::string> args = {};
  std::vector<std::pair<std::string, std::string>> env = {};
  std::string interactive_mode = {};  // "Never", "IfAvailable", "Always" (we are never interactive)
  bool provide_cluster_info = false;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

// Everything a Transport needs to reach and authenticate to one API server
// (client-go's rest.Config). A plain value: copy it, edit it.
struct RestConfig {
  std::string host = {};              // "https://127.0.0.1:6443" (scheme, host, port, optional path)
  std::string tls_server_name = {};   // SNI / verification name override
  bool insecure_skip_tls_verify = false;
  std::string ca_pem = {};            // trusted CA bundle, PEM; empty = system roots
  std::string client_cert_pem = {};   // client certificate, PEM
  std::string client_key_pem = {};    // client key, PEM
  std::string bearer_token = {};
  std::string bearer_token_file = {};  // re-read periodically (rotated tokens)
  std::string username = {};
  std::string password = {};
  std::optional<ExecConfig> exec = {};
  std::string proxy_url = {};          // clusters[].cluster.proxy-url; empty = from the environment
  std::string namespace_ = "default";  // from the context, or the in-cluster namespace file
  double qps = 5;                 // client-go defaults
  int burst = 10;
  std::chrono::milliseconds timeout{0};  // per request; 0 = none
  std::string user_agent = "kinformer/" KINFORMER_VERSION_STRING;  // client-go: "<program>/<version>"
  // Where this came from, for error messages: "kubeconfig /x/config, context \"dev\"".
  std::string source = {};
};

struct KubeconfigOptions {
  // Explicit files (--kubeconfig); when empty, $KUBECONFIG, else ~/.kube/config.
  std::vector<std::filesystem::path> paths = {};
  // Context to use instead of current-context.
  std::string context = {};
  // For tests: values used instead of the environment when set.
  std::optional<std::string> kubeconfig_env = {};
  std::optional<std::filesystem::path> home = {};
};

Result<RestConfig> load_kubeconfig(const KubeconfigOptions& options = {});

struct InClusterOptions {
  // Folder that holds var/run/secrets/kubernetes.io/serviceaccount (for tests).
  std::filesystem::path root = "/";
  // For tests: used instead of the environment when set.
  std::optional<std::string> service_host = {};
  std::optional<std::string> service_port = {};
};

// KUBERNETES_SERVICE_HOST/PORT plus the service-account token (as a token
// file, so a rotated token is picked up), CA and namespace.
Result<RestConfig> in_cluster_config(const InClusterOptions& options = {});

// load_kubeconfig when a kubeconfig exists, else in_cluster_config.
Result<RestConfig> load_default_config(const KubeconfigOptions& options = {});

// Validates PEM certificate text; the error names `what`.
Result<void> check_pem_certificates(std::string_view pem, const std::string& what);

}  // namespace kube
