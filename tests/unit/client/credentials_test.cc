#include "kube/client/credentials.h"

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kube {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class Credentials_ : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("kinformer-creds-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A plugin that logs each run to `runs` and prints an ExecCredential.
  ExecConfig plugin(const std::string& api_version, const std::string& status_json, int exit_code = 0,
                    const std::string& stderr_text = "") {
    fs::path script = dir_ / "plugin.sh";
    std::ofstream(script) << "#!/bin/sh\n"
                          << "echo \"$1 $REGION\" >> " << (dir_ / "runs").string() << "\n"
                          << "echo '" << stderr_text << "' >&2\n"
                          << "printf '%s' \"$KUBERNETES_EXEC_INFO\" > " << (dir_ / "info").string() << "\n"
                          << "cat <<'EOF'\n"
                          << R"({"apiVersion":")" << api_version << R"(","kind":"ExecCredential","status":)"
                          << status_json << "}\nEOF\n"
                          << "exit " << exit_code << "\n";
    chmod(script.c_str(), 0755);
    ExecConfig e;
    e.api_version = "client.authentication.k8s.io/v1";
    e.command = script.string();
    e.args = {"get-token"};
    e.env = {{"REGION", "eu-1"}};
    e.interactive_mode = "Never";
    return e;
  }
  std::vector<std::string> runs() {
    std::ifstream in(dir_ / "runs");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  RestConfig with_exec(ExecConfig e) {
    RestConfig c;
    c.source = "kubeconfig test: user \"u\"";
    c.exec = std::move(e);
    return c;
  }

  fs::path dir_;
};

TEST_F(Credentials_, StaticTokenBecomesBearerHeader) {
  RestConfig c;
  c.bearer_token = "abc";
  Result<Credentials> r = CredentialProvider(c).get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->authorization, "Bearer abc");
}

TEST_F(Credentials_, BasicAuthIsBase64OfUserColonPassword) {
  RestConfig c;
  c.username = "bob";
  c.password = "pw";
  Result<Credentials> r = CredentialProvider(c).get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->authorization, "Basic Ym9iOnB3");
}

TEST_F(Credentials_, TokenFileIsReReadAfterRotation) {
  fs::path token = dir_ / "token";
  std::ofstream(token) << "first\n";
  RestConfig c;
  c.bearer_token_file = token.string();
  CredentialProvider creds(c, {.token_file_refresh = std::chrono::milliseconds(0)});
  EXPECT_EQ(creds.get()->authorization, "Bearer first");
  std::ofstream(token) << "second";
  EXPECT_EQ(creds.get()->authorization, "Bearer second");

  CredentialProvider cached(c, {.token_file_refresh = std::chrono::hours(1)});
  EXPECT_EQ(cached.get()->authorization, "Bearer second");
  std::ofstream(token) << "third";
  EXPECT_EQ(cached.get()->authorization, "Bearer second");
  cached.invalidate();  // a 401 forces a re-read
  EXPECT_EQ(cached.get()->authorization, "Bearer third");
}

TEST_F(Credentials_, ExecPluginTokenIsCachedWithoutExpiryAndRerunAfterInvalidate) {
  CredentialProvider creds(with_exec(plugin("client.authentication.k8s.io/v1", R"({"token":"exec-token"})")));
  Result<Credentials> r = creds.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization, "Bearer exec-token");
  EXPECT_EQ(creds.get()->authorization, "Bearer exec-token");
  EXPECT_EQ(runs(), (std::vector<std::string>{"get-token eu-1"}));  // args and env reached the plugin
  creds.invalidate();
  ASSERT_TRUE(creds.get());
  EXPECT_EQ(runs().size(), 2u);
}

TEST_F(Credentials_, ExecPluginGetsExecInfoWithClusterWhenAsked) {
  ExecConfig e = plugin("client.authentication.k8s.io/v1", R"({"token":"t"})");
  e.provide_cluster_info = true;
  RestConfig c = with_exec(e);
  c.host = "https://10.1.2.3:6443";
  c.tls_server_name = "api.internal";
  ASSERT_TRUE(CredentialProvider(c).get());
  std::ifstream in(dir_ / "info");
  std::string info((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(info,
            R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false,)"
            R"("cluster":{"server":"https://10.1.2.3:6443","tls-server-name":"api.internal"}}})");

  e.provide_cluster_info = false;
  ASSERT_TRUE(CredentialProvider(with_exec(e)).get());
  std::ifstream in2(dir_ / "info");
  std::string plain((std::istreambuf_iterator<char>(in2)), {});
  EXPECT_EQ(plain, R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}})");
}

TEST_F(Credentials_, MarkStaleReRunsThePluginOnTheNextGet) {
  CredentialProvider creds(with_exec(plugin("client.authentication.k8s.io/v1", R"({"token":"t"})")));
  ASSERT_TRUE(creds.get());
  creds.mark_stale();
  ASSERT_TRUE(creds.get());
  ASSERT_TRUE(creds.get());
  EXPECT_EQ(runs().size(), 2u);
}

TEST_F(Credentials_, ExecPluginIsRerunOnceTheCredentialExpired) {
  CredentialProvider creds(with_exec(plugin("client.authentication.k8s.io/v1",
                                            R"({"token":"t","expirationTimestamp":"2000-01-01T00:00:00Z"})")));
  ASSERT_TRUE(creds.get());
  ASSERT_TRUE(creds.get());
  EXPECT_EQ(runs().size(), 2u);

  CredentialProvider future(with_exec(plugin("client.authentication.k8s.io/v1",
                                             R"({"token":"t","expirationTimestamp":"2999-01-01T00:00:00Z"})")));
  ASSERT_TRUE(future.get());
  ASSERT_TRUE(future.get());
  EXPECT_EQ(runs().size(), 3u);
}

TEST_F(Credentials_, ExecPluginV1beta1AndClientCertificates) {
  ExecConfig e = plugin("client.authentication.k8s.io/v1beta1",
                        R"({"clientCertificateData":"-----BEGIN CERTIFICATE-----","clientKeyData":"-----BEGIN KEY-----"})");
  e.api_version = "client.authentication.k8s.io/v1beta1";
  Result<Credentials> r = CredentialProvider(with_exec(e)).get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization, "");
  EXPECT_EQ(r->client_cert_pem, "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(r->client_key_pem, "-----BEGIN KEY-----");
}

TEST_F(Credentials_, FailingPluginErrorCarriesExitStatusAndStderr) {
  CredentialProvider creds(
      with_exec(plugin("client.authentication.k8s.io/v1", R"({"token":"leaked"})", 3, "login expired")));
  Result<Credentials> r = creds.get();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("kubeconfig test: user \"u\": exec plugin"));
  EXPECT_THAT(r.error().message, HasSubstr("exited with status 3: login expired"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("leaked")));
}

TEST_F(Credentials_, PluginReturningAnotherApiVersionIsAnError) {
  CredentialProvider creds(with_exec(plugin("client.authentication.k8s.io/v1beta1", R"({"token":"x"})")));
  Result<Credentials> r = creds.get();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("configured for client.authentication.k8s.io/v1 but returned "
                                           "client.authentication.k8s.io/v1beta1"));
}

TEST_F(Credentials_, MissingPluginCommandIsAnError) {
  ExecConfig e = plugin("client.authentication.k8s.io/v1", "{}");
  e.command = (dir_ / "no-such-plugin").string();
  Result<Credentials> r = CredentialProvider(with_exec(e)).get();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("no-such-plugin"));
}

TEST_F(Credentials_, ConcurrentCallersShareOnePluginRun) {
  CredentialProvider creds(with_exec(plugin("client.authentication.k8s.io/v1", R"({"token":"shared"})")));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (auto r = creds.get(); r && r->authorization == "Bearer shared") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(runs().size(), 1u);
}

}  // namespace
}  // namespace kube
