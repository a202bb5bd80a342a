// kube/client/credentials.h — the credentials a request carries, kept fresh.
//
// A CredentialProvider turns a RestConfig's user section into what goes on the
// wire: an Authorization header (bearer token, token file, basic auth, or the
// token an exec plugin printed) and, for plugins that return them, a client
// certificate and key. It caches:
//   - tokenFile: re-read when older than token_file_refresh (client-go: 1 min),
//     so a rotated service-account token is picked up;
//   - exec plugins: the ExecCredential is kept until its expirationTimestamp
//     (forever when it has none) and the plugin re-run after invalidate(),
//     which the transport calls on a 401 (client-go's exec authenticator).
//
//   kube::CredentialProvider creds(config);
//   kube::Result<kube::Credentials> c = creds.get();   // may run the plugin: blocks
//   if (c) curl_headers.push_back("Authorization: " + c->authorization);
//
// Errors name the source and, for a failing plugin, its exit status and
// stderr; they never contain the token, password or key.
//
// Thread-safety: all methods may be called from any thread. get() may block
// for as long as the plugin runs (bounded by ExecConfig::timeout): never call
// it from the transport's I/O thread.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "kube/client/config.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"

namespace kube {

struct Credentials {
  std::string authorization;  // "Bearer ...", "Basic ...", or empty
  std::string client_cert_pem;  // from an exec plugin (else the RestConfig's)
  std::string client_key_pem;
};

struct CredentialOptions {
  std::chrono::milliseconds token_file_refresh{std::chrono::minutes(1)};
};

class CredentialProvider {
 public:
  explicit CredentialProvider(RestConfig config, CredentialOptions options = {});

  Result<Credentials> get() KUBE_EXCLUDES(mu_);
  // The server said 401: drop the cached plugin credential and token.
  void invalidate() KUBE_EXCLUDES(mu_);
  // The same, without blocking (safe on the I/O thread while a plugin runs):
  // takes effect on the next get().
  void mark_stale() { stale_.store(true); }

 private:
  Result<Credentials> run_exec() KUBE_REQUIRES(mu_);

  const RestConfig config_;
  const CredentialOptions options_;
  std::atomic<bool> stale_{false};
  Mutex mu_;  // guards the caches below; held while a plugin runs (one run at a time)
  std::optional<Credentials> exec_cache_ KUBE_GUARDED_BY(mu_);
  std::optional<std::chrono::system_clock::time_point> exec_expiry_ KUBE_GUARDED_BY(mu_);
  std::string file_token_ KUBE_GUARDED_BY(mu_);
  std::optional<std::chrono::steady_clock::time_point> file_token_read_ KUBE_GUARDED_BY(mu_);
};

// Runs an exec credential plugin once and parses its ExecCredential
// (exposed for tests). `where` prefixes error messages. With
// provide_cluster_info, `cluster` goes to the plugin in KUBERNETES_EXEC_INFO.
struct ExecResult {
  Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;
};
Result<ExecResult> run_exec_plugin(const ExecConfig& exec, const std::string& where,
                                   const RestConfig* cluster = nullptr);

}  // namespace kube
