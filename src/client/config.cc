// kubeconfig and in-cluster configuration. Follows client-go's clientcmd
// (loader.go merge rules, client_config.go field precedence) and
// rest.InClusterConfig.
#include "kube/client/config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <yaml-cpp/yaml.h>

namespace kube {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Error config_error(const std::string& where, const std::string& what) {
  return Error::invalid_argument(where + ": " + what);
}

Result<std::string> base64_decode(std::string_view in, const std::string& where, const char* field) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    int v = value(c);
    // Never echo the data: it may be a key.
    if (v < 0) return config_error(where, std::string(field) + " is not valid base64");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// One file's cluster/user/context entry, remembered with the file it came from.
struct Entry {
  YAML::Node node;
  fs::path file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  fs::path current_context_file;
  std::vector<fs::path> files;
};

std::string str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return {};
  return v.as<std::string>();
}

Result<void> merge_named(const YAML::Node& list, const char* section, const char* inner,
                         const fs::path& file, std::map<std::string, Entry>& into) {
  if (!list || list.IsNull()) return {};
  if (!list.IsSequence()) {
    return config_error("kubeconfig " + file.string(), std::string(section) + ": expected a list");
  }
  for (const YAML::Node& item : list) {
    std::string name = item.IsMap() ? str(item, "name") : "";
    if (name.empty()) {
      return config_error("kubeconfig " + file.string(),
                          std::string(section) + ": entry at line " + std::to_string(item.Mark().line + 1) +
                              " has no name");
    }
    // First file to define a name wins (clientcmd's merge order).
    into.try_emplace(name, Entry{item[inner], file});
  }
  return {};
}

Result<void> merge_file(const fs::path& file, const std::string& text, Merged& m) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return config_error("kubeconfig " + file.string(),
                        "invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  m.files.push_back(file);
  if (!root || root.IsNull()) return {};
  if (!root.IsMap()) return config_error("kubeconfig " + file.string(), "expected a YAML mapping");
  try {
    if (auto r = merge_named(root["clusters"], "clusters", "cluster", file, m.clusters); !r) return r;
    if (auto r = merge_named(root["users"], "users", "user", file, m.users); !r) return r;
    if (auto r = merge_named(root["contexts"], "contexts", "context", file, m.contexts); !r) return r;
    std::string cc = str(root, "current-context");
    if (m.current_context.empty() && !cc.empty()) {
      m.current_context = cc;
      m.current_context_file = file;
    }
  } catch (const YAML::Exception& e) {
    return config_error("kubeconfig " + file.string(),
                        "line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return {};
}

fs::path resolve(const fs::path& file, const std::string& p) {
  fs::path path(p);
  if (path.is_absolute()) return path;
  return (file.parent_path() / path).lexically_normal();
}

Result<std::string> read_pem_file(const fs::path& path, const std::string& where, const char* field) {
  std::optional<std::string> text = read_file(path);
  if (!text) return config_error(where, std::string(field) + " " + path.string() + ": cannot read file");
  return *text;
}

bool as_bool(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return false;
  std::string s = v.as<std::string>();
  return s == "true" || s == "True" || s == "TRUE";
}

Result<void> read_cluster(const Entry& e, const std::string& name, RestConfig& cfg) {
  std::string where = "kubeconfig " + e.file.string() + ": cluster \"" + name + "\"";
  const YAML::Node& c = e.node;
  if (!c || !c.IsMap()) return config_error(where, "no cluster fields");
  cfg.host = str(c, "server");
  if (cfg.host.empty()) return config_error(where, "server is missing");
  while (!cfg.host.empty() && cfg.host.back() == '/') cfg.host.pop_back();
  cfg.tls_server_name = str(c, "tls-server-name");
  cfg.proxy_url = str(c, "proxy-url");
  cfg.insecure_skip_tls_verify = as_bool(c, "insecure-skip-tls-verify");
  std::string ca_data = str(c, "certificate-authority-data");
  std::string ca_file = str(c, "certificate-authority");
  if (!ca_data.empty()) {
    // certificate-authority-data wins over certificate-authority (clientcmd).
    Result<std::string> pem = base64_decode(ca_data, where, "certificate-authority-data");
    if (!pem) return pem.error();
    if (auto r = check_pem_certificates(*pem, where + ": certificate-authority-data"); !r) return r;
    cfg.ca_pem = std::move(*pem);
  } else if (!ca_file.empty()) {
    fs::path p = resolve(e.file, ca_file);
    Result<std::string> pem = read_pem_file(p, where, "certificate-authority");
    if (!pem) return pem.error();
    if (auto r = check_pem_certificates(*pem, where + ": certificate-authority " + p.string()); !r) return r;
    cfg.ca_pem = std::move(*pem);
  }
  if (cfg.insecure_skip_tls_verify && !cfg.ca_pem.empty()) {
    // clientcmd refuses this combination too.
    return config_error(where, "certificate-authority given with insecure-skip-tls-verify");
  }
  return {};
}

Result<void> read_exec(const YAML::Node& x, const fs::path& file, const std::string& where, RestConfig& cfg) {
  ExecConfig exec;
  exec.api_version = str(x, "apiVersion");
  if (exec.api_version != "client.authentication.k8s.io/v1" &&
      exec.api_version != "client.authentication.k8s.io/v1beta1") {
    return config_error(where, "exec: apiVersion \"" + exec.api_version +
                                   "\" not supported (want client.authentication.k8s.io/v1 or v1beta1)");
  }
  exec.command = str(x, "command");
  if (exec.command.empty()) return config_error(where, "exec: command is missing");
  // A command with a '/' is a path relative to the kubeconfig (clientcmd).
  if (exec.command.find('/') != std::string::npos) exec.command = resolve(file, exec.command).string();
  if (const YAML::Node a = x["args"]; a && a.IsSequence()) {
    std::size_t i = 0;
    for (const auto& arg : a) {
      // Found by fuzz_kubeconfig: `args: [command: ]` is a mapping, and as<string>() threw.
      if (!arg.IsScalar()) return config_error(where, "exec: args[" + std::to_string(i) + "]: expected a string");
      exec.args.push_back(arg.as<std::string>());
      ++i;
    }
  }
  if (const YAML::Node env = x["env"]; env && env.IsSequence()) {
    std::size_t i = 0;
    for (const auto& kv : env) {
      if (!kv.IsMap())
        return config_error(where, "exec: env[" + std::to_string(i) + "]: expected a mapping with name and value");
      exec.env.emplace_back(str(kv, "name"), str(kv, "value"));
      ++i;
    }
  }
  exec.interactive_mode = str(x, "interactiveMode");
  if (exec.interactive_mode == "Always") {
    return config_error(where, "exec: interactiveMode Always needs a terminal; kinformer never runs plugins interactively");
  }
  exec.provide_cluster_info = as_bool(x, "provideClusterInfo");
  cfg.exec = std::move(exec);
  return {};
}

Result<void> read_user(const Entry& e, const std::string& name, RestConfig& cfg) {
  std::string where = "kubeconfig " + e.file.string() + ": user \"" + name + "\"";
  const YAML::Node& u = e.node;
  if (!u || u.IsNull()) return {};
  if (!u.IsMap()) return config_error(where, "expected a mapping");
  if (u["auth-provider"]) return config_error(where, "auth-provider is not supported; use an exec plugin");
  cfg.bearer_token = str(u, "token");
  if (std::string tf = str(u, "tokenFile"); !tf.empty()) {
    fs::path p = resolve(e.file, tf);
    if (!fs::exists(p)) return config_error(where, "tokenFile " + p.string() + ": no such file");
    cfg.bearer_token_file = p.string();
  }
  cfg.username = str(u, "username");
  cfg.password = str(u, "password");
  struct {
    const char* data_key;
    const char* file_key;
    std::string* out;
  } pems[] = {{"client-certificate-data", "client-certificate", &cfg.client_cert_pem},
              {"client-key-data", "client-key", &cfg.client_key_pem}};
  for (auto& p : pems) {
    if (std::string d = str(u, p.data_key); !d.empty()) {
      Result<std::string> pem = base64_decode(d, where, p.data_key);
      if (!pem) return pem.error();
      *p.out = std::move(*pem);
    } else if (std::string f = str(u, p.file_key); !f.empty()) {
      Result<std::string> pem = read_pem_file(resolve(e.file, f), where, p.file_key);
      if (!pem) return pem.error();
      *p.out = std::move(*pem);
    }
  }
  if (!cfg.client_cert_pem.empty()) {
    if (auto r = check_pem_certificates(cfg.client_cert_pem, where + ": client-certificate"); !r) return r;
  }
  if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty()) {
    return config_error(where, "client-certificate and client-key must be given together");
  }
  if (!cfg.client_key_pem.empty() && cfg.client_key_pem.find("-----BEGIN") == std::string::npos) {
    return config_error(where, "client-key is not PEM");
  }
  if (const YAML::Node x = u["exec"]; x && x.IsMap()) {
    if (auto r = read_exec(x, e.file, where, cfg); !r) return r;
  }
  return {};
}

std::string join(const std::vector<fs::path>& files) {
  std::string s;
  for (const auto& f : files) {
    if (!s.empty()) s += ':';
    s += f.string();
  }
  return s;
}

std::string env_or(const std::optional<std::string>& override_value, const char* name) {
  if (override_value) return *override_value;
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The files to read and whether each must exist.
std::vector<std::pair<fs::path, bool>> kubeconfig_files(const KubeconfigOptions& o) {
  std::vector<std::pair<fs::path, bool>> files;
  if (!o.paths.empty()) {
    for (const auto& p : o.paths) files.emplace_back(p, true);
    return files;
  }
  std::string env = env_or(o.kubeconfig_env, "KUBECONFIG");
  if (!env.empty()) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':')) {
      if (item.empty()) continue;
      bool dup = false;
      for (const auto& f : files) dup = dup || f.first == item;
      if (!dup) files.emplace_back(item, false);
    }
    return files;
  }
  fs::path home = o.home ? *o.home : fs::path(env_or(std::nullopt, "HOME"));
  files.emplace_back(home / ".kube" / "config", false);
  return files;
}

}  // namespace

Result<void> check_pem_certificates(std::string_view pem, const std::string& what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return Error::internal(what + ": out of memory");
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  if (count == 0) return config_error(what, "not a PEM certificate");
  return {};
}

Result<RestConfig> load_kubeconfig(const KubeconfigOptions& options) {
  Merged m;
  for (const auto& [path, required] : kubeconfig_files(options)) {
    std::optional<std::string> text = read_file(path);
    if (!text) {
      if (required || fs::exists(path)) return config_error("kubeconfig " + path.string(), "cannot read file");
      continue;
    }
    if (auto r = merge_file(path, *text, m); !r) return r.error();
  }
  if (m.files.empty()) return Error::not_found("kubeconfig: no file found (tried $KUBECONFIG and ~/.kube/config)");
  std::string context = options.context.empty() ? m.current_context : options.context;
  std::string files = join(m.files);
  if (context.empty()) return config_error("kubeconfig " + files, "no current-context set and no context given");
  auto ctx = m.contexts.find(context);
  if (ctx == m.contexts.end()) return config_error("kubeconfig " + files, "context \"" + context + "\" not found");
  const Entry& ce = ctx->second;
  std::string where = "kubeconfig " + ce.file.string() + ": context \"" + context + "\"";
  if (!ce.node || !ce.node.IsMap()) return config_error(where, "no context fields");
  std::string cluster = str(ce.node, "cluster"), user = str(ce.node, "user");
  RestConfig cfg;
  cfg.source = where;
  if (std::string ns = str(ce.node, "namespace"); !ns.empty()) cfg.namespace_ = ns;
  if (cluster.empty()) return config_error(where, "cluster is missing");
  auto cl = m.clusters.find(cluster);
  if (cl == m.clusters.end()) return config_error(where, "cluster \"" + cluster + "\" not found");
  if (auto r = read_cluster(cl->second, cluster, cfg); !r) return r.error();
  if (!user.empty()) {
    auto us = m.users.find(user);
    if (us == m.users.end()) return config_error(where, "user \"" + user + "\" not found");
    if (auto r = read_user(us->second, user, cfg); !r) return r.error();
  }
  return cfg;
}

Result<RestConfig> in_cluster_config(const InClusterOptions& options) {
  std::string host = env_or(options.service_host, "KUBERNETES_SERVICE_HOST");
  std::string port = env_or(options.service_port, "KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return Error::invalid_argument(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a pod?)");
  }
  fs::path dir = options.root / "var/run/secrets/kubernetes.io/serviceaccount";
  RestConfig cfg;
  cfg.source = "in-cluster config";
  // An IPv6 service address needs brackets in the URL (net.JoinHostPort).
  cfg.host = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  fs::path token = dir / "token";
  if (!fs::exists(token)) return Error::invalid_argument("in-cluster config: " + token.string() + ": no such file");
  cfg.bearer_token_file = token.string();
  fs::path ca = dir / "ca.crt";
  std::optional<std::string> ca_pem = read_file(ca);
  if (!ca_pem) return Error::invalid_argument("in-cluster config: " + ca.string() + ": cannot read file");
  if (auto r = check_pem_certificates(*ca_pem, "in-cluster config: " + ca.string()); !r) return r.error();
  cfg.ca_pem = std::move(*ca_pem);
  if (std::optional<std::string> ns = read_file(dir / "namespace")) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) cfg.namespace_ = n;
  }
  return cfg;
}

Result<RestConfig> load_default_config(const KubeconfigOptions& options) {
  Result<RestConfig> cfg = load_kubeconfig(options);
  if (cfg || cfg.error().code != 404) return cfg;
  return in_cluster_config();
}

}  // namespace kube
