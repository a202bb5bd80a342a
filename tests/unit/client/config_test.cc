#include "kube/client/config.h"

#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/client/test_certs.h"

namespace kube {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string b64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

class Kubeconfig : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("kinformer-kubeconfig-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  Result<RestConfig> load(const fs::path& p, std::string context = "") {
    return load_kubeconfig({.paths = {p}, .context = std::move(context)});
  }

  static inline const testing::TestPki pki = testing::make_test_pki();
  fs::path dir_;
};

constexpr const char* kBasic = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    insecure-skip-tls-verify: true
    tls-server-name: kubernetes.default
    proxy-url: http://proxy.local:3128
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: other
  context: {cluster: dev-cluster, user: dev-user}
- name: prod
  context: {cluster: dev-cluster, user: admin}
users:
- name: dev-user
  user:
    token: s3cr3t-token
)";

TEST_F(Kubeconfig, ReadsServerTlsOptionsTokenAndNamespaceOfCurrentContext) {
  Result<RestConfig> cfg = load(write("config", kBasic));
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->host, "https://127.0.0.1:6443");
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->tls_server_name, "kubernetes.default");
  EXPECT_EQ(cfg->proxy_url, "http://proxy.local:3128");
  EXPECT_EQ(cfg->bearer_token, "s3cr3t-token");
  EXPECT_EQ(cfg->namespace_, "team-a");
  EXPECT_EQ(cfg->qps, 5);
  EXPECT_EQ(cfg->burst, 10);
}

TEST_F(Kubeconfig, ExplicitContextOverridesCurrentContextAndDefaultsNamespace) {
  Result<RestConfig> cfg = load(write("config", kBasic), "other");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->namespace_, "default");
}

TEST_F(Kubeconfig, MissingUserErrorNamesFileContextAndUser) {
  fs::path p = write("config", kBasic);
  Result<RestConfig> cfg = load(p, "prod");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().message, "kubeconfig " + p.string() + ": context \"prod\": user \"admin\" not found");
}

TEST_F(Kubeconfig, MissingContextIsAnError) {
  fs::path p = write("config", kBasic);
  Result<RestConfig> cfg = load(p, "nope");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().message, "kubeconfig " + p.string() + ": context \"nope\" not found");
}

TEST_F(Kubeconfig, NoCurrentContextIsAnError) {
  Result<RestConfig> cfg = load(write("config", "apiVersion: v1\nkind: Config\nclusters: []\n"));
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr("no current-context"));
}

TEST_F(Kubeconfig, KubeconfigListMergesFirstDefinitionWinsAndFirstCurrentContext) {
  fs::path a = write("a", R"(clusters:
- name: c
  cluster: {server: "https://first:1"}
users:
- name: u
  user: {token: from-a}
)");
  fs::path b = write("b", R"(current-context: ctx
clusters:
- name: c
  cluster: {server: "https://second:2"}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: from-b}
users:
- name: u
  user: {token: from-b}
)");
  fs::path c = write("c", "current-context: ignored\n");
  std::string list = a.string() + ":" + (dir_ / "missing").string() + ":" + b.string() + ":" + c.string();
  Result<RestConfig> cfg = load_kubeconfig({.kubeconfig_env = list});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->host, "https://first:1");
  EXPECT_EQ(cfg->bearer_token, "from-a");
  EXPECT_EQ(cfg->namespace_, "from-b");
}

TEST_F(Kubeconfig, DefaultsToHomeKubeConfig) {
  write("home/.kube/config", kBasic);
  Result<RestConfig> cfg = load_kubeconfig({.kubeconfig_env = "", .home = dir_ / "home"});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->bearer_token, "s3cr3t-token");
}

TEST_F(Kubeconfig, NoFileAnywhereIsNotFound) {
  Result<RestConfig> cfg = load_kubeconfig({.kubeconfig_env = "", .home = dir_ / "nohome"});
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, 404);
}

TEST_F(Kubeconfig, ExplicitPathThatDoesNotExistIsAnError) {
  Result<RestConfig> cfg = load(dir_ / "absent");
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr((dir_ / "absent").string()));
}

TEST_F(Kubeconfig, RelativePathsResolveAgainstTheKubeconfigFolder) {
  write("sub/certs/ca.crt", pki.ca.cert_pem);
  write("sub/certs/client.crt", pki.client.cert_pem);
  write("sub/certs/client.key", pki.client.key_pem);
  write("sub/token", "file-token\n");
  fs::path p = write("sub/config", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: certs/ca.crt}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users:
- name: u
  user: {client-certificate: certs/client.crt, client-key: certs/client.key, tokenFile: token}
)");
  Result<RestConfig> cfg = load(p);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->ca_pem, pki.ca.cert_pem);
  EXPECT_EQ(cfg->client_cert_pem, pki.client.cert_pem);
  EXPECT_EQ(cfg->client_key_pem, pki.client.key_pem);
  EXPECT_EQ(cfg->bearer_token_file, (dir_ / "sub/token").string());
}

TEST_F(Kubeconfig, DataFieldsAreBase64DecodedAndWinOverFiles) {
  fs::path p = write("config", "current-context: x\nclusters: [{name: c, cluster: {server: \"https://h:1\", "
                               "certificate-authority: nope.crt, certificate-authority-data: " +
                                   b64(pki.ca.cert_pem) +
                                   "}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                                   "users: [{name: u, user: {client-certificate-data: " +
                                   b64(pki.client.cert_pem) + ", client-key-data: " + b64(pki.client.key_pem) +
                                   "}}]\n");
  Result<RestConfig> cfg = load(p);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->ca_pem, pki.ca.cert_pem);
  EXPECT_EQ(cfg->client_key_pem, pki.client.key_pem);
}

TEST_F(Kubeconfig, CaFileThatIsNotPemNamesFileClusterAndField) {
  fs::path ca = write("ca.crt", "this is not a certificate");
  fs::path p = write("config", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: ca.crt}}]
contexts: [{name: x, context: {cluster: c}}]
)");
  Result<RestConfig> cfg = load(p);
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().message, "kubeconfig " + p.string() + ": cluster \"c\": certificate-authority " +
                                     ca.string() + ": not a PEM certificate");
}

TEST_F(Kubeconfig, YamlSyntaxErrorsCarryTheLineNumber) {
  fs::path p = write("config", "current-context: x\nclusters:\n  - name: [unclosed\n");
  Result<RestConfig> cfg = load(p);
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr("kubeconfig " + p.string() + ": invalid YAML at line"));
}

TEST_F(Kubeconfig, MalformedFilesGiveErrorsNotCrashes) {
  const char* bad[] = {
      "- just\n- a list\n",
      "clusters: {not: a list}\n",
      "clusters: [{cluster: {server: x}}]\n",
      "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n",
      "current-context: x\ncontexts: [{name: x, context: {}}]\n",
      "current-context: x\nclusters: [{name: c, cluster: {}}]\ncontexts: [{name: x, context: {cluster: c}}]\n",
  };
  for (const char* text : bad) {
    Result<RestConfig> cfg = load(write("config", text));
    EXPECT_FALSE(cfg) << text;
  }
}

TEST_F(Kubeconfig, CredentialsNeverAppearInErrors) {
  fs::path p = write("config", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: s3cr3t-token, password: hunter2, client-key-data: "s3cr3t!!key"}}]
)");
  Result<RestConfig> cfg = load(p);
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr("client-key-data is not valid base64"));
  EXPECT_THAT(cfg.error().message, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(cfg.error().message, Not(HasSubstr("hunter2")));
}

TEST_F(Kubeconfig, UsernamePasswordAndInsecureWithCaAreChecked) {
  fs::path p = write("config", "current-context: x\nclusters: [{name: c, cluster: {server: \"https://h:1\", "
                               "insecure-skip-tls-verify: true, certificate-authority-data: " +
                                   b64(pki.ca.cert_pem) + "}}]\ncontexts: [{name: x, context: {cluster: c}}]\n");
  Result<RestConfig> cfg = load(p);
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr("insecure-skip-tls-verify"));

  p = write("config2", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {username: bob, password: pw}}]
)");
  cfg = load(p);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->username, "bob");
  EXPECT_EQ(cfg->password, "pw");
}

TEST_F(Kubeconfig, ExecPluginFieldsAreRead) {
  fs::path p = write("config", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [get-token, --cluster, c]
      env: [{name: REGION, value: eu-1}]
      interactiveMode: Never
      provideClusterInfo: true
)");
  Result<RestConfig> cfg = load(p);
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_TRUE(cfg->exec);
  EXPECT_EQ(cfg->exec->command, (dir_ / "bin/plugin").string());
  EXPECT_EQ(cfg->exec->args, (std::vector<std::string>{"get-token", "--cluster", "c"}));
  ASSERT_EQ(cfg->exec->env.size(), 1u);
  EXPECT_EQ(cfg->exec->env[0].first, "REGION");
  EXPECT_EQ(cfg->exec->interactive_mode, "Never");
  EXPECT_TRUE(cfg->exec->provide_cluster_info);
}

TEST_F(Kubeconfig, ExecPluginWithUnknownApiVersionOrInteractiveAlwaysIsRejected) {
  for (const char* exec : {"{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}",
                           "{apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always}",
                           "{apiVersion: client.authentication.k8s.io/v1}"}) {
    fs::path p = write("config", std::string("current-context: x\nclusters: [{name: c, cluster: {server: \"https://h:1\"}}]\n"
                                             "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                                             "users: [{name: u, user: {exec: ") +
                                     exec + "}}]\n");
    Result<RestConfig> cfg = load(p);
    ASSERT_FALSE(cfg) << exec;
    EXPECT_THAT(cfg.error().message, HasSubstr("user \"u\": exec"));
  }
}

// Found by fuzz_kubeconfig (the input is tests/fuzz/seeds/kubeconfig/crash-exec-args-mapping.yaml):
// a non-string exec argument or env entry is an error naming it, not an exception.
TEST_F(Kubeconfig, ExecPluginArgsAndEnvOfTheWrongShapeAreNamedErrors) {
  struct Case {
    const char* exec;
    const char* error;
  };
  for (const Case& c : {Case{"{apiVersion: client.authentication.k8s.io/v1, command: x, args: [command: , --c]}",
                             "exec: args[0]: expected a string"},
                        Case{"{apiVersion: client.authentication.k8s.io/v1, command: x, args: [-v, [a]]}",
                             "exec: args[1]: expected a string"},
                        Case{"{apiVersion: client.authentication.k8s.io/v1, command: x, env: [REGION]}",
                             "exec: env[0]: expected a mapping with name and value"}}) {
    fs::path p = write("config", std::string("current-context: x\nclusters: [{name: c, cluster: {server: \"https://h:1\"}}]\n"
                                             "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                                             "users: [{name: u, user: {exec: ") +
                                     c.exec + "}}]\n");
    Result<RestConfig> cfg = load(p);
    ASSERT_FALSE(cfg) << c.exec;
    EXPECT_THAT(cfg.error().message, HasSubstr(c.error)) << c.exec;
    EXPECT_THAT(cfg.error().message, HasSubstr("user \"u\"")) << c.exec;
  }
}

class InCluster : public Kubeconfig {};

TEST_F(InCluster, ReadsServiceEnvTokenFileCaAndNamespace) {
  write("var/run/secrets/kubernetes.io/serviceaccount/token", "sa-token");
  write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", pki.ca.cert_pem);
  write("var/run/secrets/kubernetes.io/serviceaccount/namespace", "kube-system\n");
  Result<RestConfig> cfg = in_cluster_config({.root = dir_, .service_host = "10.0.0.1", .service_port = "443"});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->host, "https://10.0.0.1:443");
  EXPECT_EQ(cfg->namespace_, "kube-system");
  EXPECT_EQ(cfg->ca_pem, pki.ca.cert_pem);
  EXPECT_EQ(cfg->bearer_token_file, (dir_ / "var/run/secrets/kubernetes.io/serviceaccount/token").string());

  cfg = in_cluster_config({.root = dir_, .service_host = "fd00::1", .service_port = "443"});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->host, "https://[fd00::1]:443");
}

TEST_F(InCluster, WithoutServiceEnvOrFilesIsAnError) {
  EXPECT_FALSE(in_cluster_config({.root = dir_, .service_host = "", .service_port = ""}));
  EXPECT_FALSE(in_cluster_config({.root = dir_, .service_host = "10.0.0.1", .service_port = "443"}));
  write("var/run/secrets/kubernetes.io/serviceaccount/token", "sa-token");
  write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "garbage");
  Result<RestConfig> cfg = in_cluster_config({.root = dir_, .service_host = "10.0.0.1", .service_port = "443"});
  ASSERT_FALSE(cfg);
  EXPECT_THAT(cfg.error().message, HasSubstr("ca.crt: not a PEM certificate"));
}

}  // namespace
}  // namespace kube
