// Credentials: static token, token file, basic auth, exec plugins. The exec
// protocol follows client-go's plugin/pkg/client/auth/exec.
#include "kube/client/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>
#include <openssl/evp.h>

extern char** environ;

namespace kube {
namespace {

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  if (std::sscanf(std::string(s).c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  // An offset other than Z ("+02:00") shifts the instant.
  if (auto pos = s.find_last_of("+-"); pos != std::string_view::npos && pos > 10) {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(s.substr(pos + 1)).c_str(), "%d:%d", &oh, &om) == 2) {
      t -= (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
  }
  // system_clock counts nanoseconds: past 2262 it would overflow.
  if (t > std::time_t{9'000'000'000}) return std::chrono::system_clock::time_point::max();
  return std::chrono::system_clock::from_time_t(t);
}

// Closes both ends of a pipe on scope exit.
struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
};

struct ProcessOutput {
  int exit_status = -1;
  bool timed_out = false;
  std::string out, err;
};

// KUBERNETES_EXEC_INFO: an ExecCredential with spec.interactive (always
// false here) and, with provideClusterInfo, spec.cluster.
std::string exec_info(const ExecConfig& exec, const RestConfig* cluster) {
  boost::json::object spec{{"interactive", false}};
  if (exec.provide_cluster_info && cluster) {
    boost::json::object c{{"server", cluster->host}};
    if (!cluster->tls_server_name.empty()) c["tls-server-name"] = cluster->tls_server_name;
    if (cluster->insecure_skip_tls_verify) c["insecure-skip-tls-verify"] = true;
    if (!cluster->ca_pem.empty()) c["certificate-authority-data"] = base64(cluster->ca_pem);
    if (!cluster->proxy_url.empty()) c["proxy-url"] = cluster->proxy_url;
    spec["cluster"] = std::move(c);
  }
  boost::json::object info{{"kind", "ExecCredential"}, {"apiVersion", exec.api_version}, {"spec", std::move(spec)}};
  return boost::json::serialize(info);
}

Result<ProcessOutput> run_process(const ExecConfig& exec, const std::string& where, const RestConfig* cluster) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [k, v] : exec.env) env[k] = v;
  env["KUBERNETES_EXEC_INFO"] = exec_info(exec, cluster);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string cmd = exec.command;
  std::vector<std::string> args = exec.args;
  argv.push_back(cmd.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  Pipe out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) {
    return Error::internal(where + ": exec plugin: pipe: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);  // never interactive
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cmd.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    return Error::invalid_argument(where + ": exec plugin \"" + exec.command + "\": cannot run: " +
                                   std::strerror(rc));
  }
  close(out.fd[1]);
  close(err.fd[1]);
  out.fd[1] = err.fd[1] = -1;

  ProcessOutput po;
  auto deadline = std::chrono::steady_clock::now() + exec.timeout;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&po.out, &po.err};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      po.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  po.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return po;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.size() > 2048) s = s.substr(0, 2048) + "...";
  return s;
}

}  // namespace

Result<ExecResult> run_exec_plugin(const ExecConfig& exec, const std::string& where, const RestConfig* cluster) {
  Result<ProcessOutput> po = run_process(exec, where, cluster);
  if (!po) return po.error();
  std::string plugin = where + ": exec plugin \"" + exec.command + "\"";
  if (po->timed_out) {
    return Error{0, "Unauthorized", plugin + ": timed out after " + std::to_string(exec.timeout.count()) + "ms",
                 std::nullopt};
  }
  if (po->exit_status != 0) {
    return Error{0, "Unauthorized",
                 plugin + ": exited with status " + std::to_string(po->exit_status) + ": " + trimmed(po->err),
                 std::nullopt};
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(po->out, ec);
  // Never echo stdout: it holds the credential.
  if (ec || !v.is_object()) return Error{0, "Unauthorized", plugin + ": output is not a JSON object", std::nullopt};
  const auto& o = v.get_object();
  const auto* kind = o.if_contains("kind");
  const auto* api = o.if_contains("apiVersion");
  if (!kind || !kind->is_string() || kind->get_string() != "ExecCredential") {
    return Error{0, "Unauthorized", plugin + ": output is not an ExecCredential", std::nullopt};
  }
  std::string got = api && api->is_string() ? std::string(api->get_string()) : "";
  if (got != exec.api_version) {
    return Error{0, "Unauthorized",
                 plugin + ": configured for " + exec.api_version + " but returned " + got, std::nullopt};
  }
  const auto* status = o.if_contains("status");
  if (!status || !status->is_object()) {
    return Error{0, "Unauthorized", plugin + ": ExecCredential has no status", std::nullopt};
  }
  const auto& s = status->get_object();
  auto field = [&](const char* k) -> std::string {
    const auto* f = s.if_contains(k);
    return f && f->is_string() ? std::string(f->get_string()) : "";
  };
  ExecResult r;
  if (std::string t = field("token"); !t.empty()) r.credentials.authorization = "Bearer " + t;
  r.credentials.client_cert_pem = field("clientCertificateData");
  r.credentials.client_key_pem = field("clientKeyData");
  if (r.credentials.authorization.empty() && r.credentials.client_cert_pem.empty()) {
    return Error{0, "Unauthorized", plugin + ": ExecCredential has neither token nor clientCertificateData",
                 std::nullopt};
  }
  if (r.credentials.client_cert_pem.empty() != r.credentials.client_key_pem.empty()) {
    return Error{0, "Unauthorized", plugin + ": clientCertificateData and clientKeyData must come together",
                 std::nullopt};
  }
  if (std::string exp = field("expirationTimestamp"); !exp.empty()) {
    r.expiration = parse_rfc3339(exp);
    if (!r.expiration) {
      return Error{0, "Unauthorized", plugin + ": expirationTimestamp \"" + exp + "\" is not RFC 3339",
                   std::nullopt};
    }
  }
  return r;
}

CredentialProvider::CredentialProvider(RestConfig config, CredentialOptions options)
    : config_(std::move(config)), options_(options) {}

Result<Credentials> CredentialProvider::run_exec() {
  auto now = std::chrono::system_clock::now();
  if (exec_cache_ && (!exec_expiry_ || now < *exec_expiry_)) return *exec_cache_;
  Result<ExecResult> r = run_exec_plugin(*config_.exec, config_.source, &config_);
  if (!r) return r.error();
  exec_cache_ = r->credentials;
  exec_expiry_ = r->expiration;
  return r->credentials;
}

Result<Credentials> CredentialProvider::get() {
  MutexLock lock(mu_);
  if (stale_.exchange(false)) {
    exec_cache_.reset();
    exec_expiry_.reset();
    file_token_read_.reset();
  }
  Credentials c;
  c.client_cert_pem = config_.client_cert_pem;
  c.client_key_pem = config_.client_key_pem;
  if (config_.exec) {
    Result<Credentials> e = run_exec();
    if (!e) return e.error();
    if (!e->authorization.empty()) c.authorization = e->authorization;
    if (!e->client_cert_pem.empty()) {
      c.client_cert_pem = e->client_cert_pem;
      c.client_key_pem = e->client_key_pem;
    }
    if (!c.authorization.empty()) return c;
  }
  if (!config_.bearer_token.empty()) {
    c.authorization = "Bearer " + config_.bearer_token;
  } else if (!config_.bearer_token_file.empty()) {
    auto now = std::chrono::steady_clock::now();
    if (!file_token_read_ || now - *file_token_read_ >= options_.token_file_refresh) {
      std::ifstream in(config_.bearer_token_file);
      if (!in) {
        return Error{0, "Unauthorized", config_.source + ": tokenFile " + config_.bearer_token_file + ": cannot read",
                     std::nullopt};
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      file_token_ = trimmed(ss.str());
      file_token_read_ = now;
    }
    c.authorization = "Bearer " + file_token_;
  } else if (!config_.username.empty() || !config_.password.empty()) {
    c.authorization = "Basic " + base64(config_.username + ":" + config_.password);
  }
  return c;
}

void CredentialProvider::invalidate() {
  MutexLock lock(mu_);
  exec_cache_.reset();
  exec_expiry_.reset();
  file_token_read_.reset();
}

}  // namespace kube
