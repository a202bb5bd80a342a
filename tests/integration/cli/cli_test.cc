// `kinformer get`, `watch`, `bench sync` and `bench relist` as a user runs them: the built
// binary as a subprocess, against the embedded API server over TLS, through a
// kubeconfig written by the test. Output and exit codes are asserted as a
// script would rely on them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cli/subprocess.h"
#include "kube/testing/http2_proxy.h"
#include "support/cluster.h"
#include "tools/kinformer/workload.h"

namespace kube::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const Resource kPods{{"", "v1", "pods"}, true};
const Resource kConfigMaps{{"", "v1", "configmaps"}, true};
constexpr int kPodCount = 12;  // apps app-0..app-3, so app=app-1 matches 3

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The whitespace-separated cells of a table line.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string c; in >> c;) out.push_back(c);
  return out;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = Cluster::start();
    ASSERT_TRUE(cluster_.server);
    dir_ = std::filesystem::temp_directory_path() /
           ("kinformer-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    kubeconfig_ = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(cluster_.server->write_kubeconfig(kubeconfig_));
    ASSERT_TRUE(cluster_.create_namespace("demo"));
    ASSERT_TRUE(cluster_.create_namespace("other"));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void create_pods() {
    for (int i = 0; i < kPodCount; ++i) {
      auto shape = kinformer::workload::nth_pod(static_cast<std::size_t>(i), "demo", 4, 3);
      ASSERT_TRUE(cluster_.client->create(kPods, "demo", kinformer::workload::pod_json(shape)));
    }
    auto other = kinformer::workload::nth_pod(0, "other", 4, 3);
    other.name = "elsewhere";
    ASSERT_TRUE(cluster_.client->create(kPods, "other", kinformer::workload::pod_json(other)));
  }

  // kinformer ARGS --kubeconfig <ours>
  std::vector<std::string> cmd(std::vector<std::string> args, const std::string& kubeconfig = "") {
    args.insert(args.begin(), KINFORMER_BIN);
    args.push_back("--kubeconfig");
    args.push_back(kubeconfig.empty() ? kubeconfig_ : kubeconfig);
    return args;
  }
  RunResult kinformer(std::vector<std::string> args, const std::string& kubeconfig = "") {
    return run(cmd(std::move(args), kubeconfig));
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // A kubeconfig for a `kinformer serve` started as `s` (namespace demo,
  // plain http, no credentials), once it prints "serving on URL"; "" when it
  // does not.
  std::string cache_kubeconfig(Subprocess& s) {
    const std::string lead = "serving on ";
    if (!s.wait_for_stdout("\n", 20s)) return "";
    std::string first = lines(s.out()).at(0);
    if (!first.starts_with(lead + "http://127.0.0.1:")) return "";
    std::string url = first.substr(lead.size());
    return write("cache-kubeconfig",
                 "apiVersion: v1\nkind: Config\nclusters:\n- name: cache\n  cluster:\n    server: " + url +
                     "\ncontexts:\n- name: cache\n  context:\n    cluster: cache\n    user: anon\n    "
                     "namespace: demo\ncurrent-context: cache\nusers:\n- name: anon\n  user: {}\n");
  }

  Cluster cluster_;
  std::filesystem::path dir_;
  std::string kubeconfig_;
};

// ---- get ----

TEST_F(CliTest, GetPodsPrintsKubectlsColumnsOneRowPerPodOfTheNamespace) {
  create_pods();
  auto r = kinformer({"get", "pods", "-n", "demo"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), kPodCount + 1u) << r.out;
  EXPECT_EQ(cells(ls[0]), (std::vector<std::string>{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
  auto first = cells(ls[1]);
  ASSERT_EQ(first.size(), 5u) << ls[1];
  EXPECT_EQ(first[0], "app-0-7d9f8c6b5-0");
  EXPECT_EQ(first[1], "0/2");      // two containers, no container statuses
  EXPECT_EQ(first[2], "Pending");  // workload pod 0 is Pending (i % 17 == 0)
  EXPECT_EQ(first[3], "0");
  // AGE of an object created seconds ago: digits then "s". (No std::regex:
  // g++ 12 -O1 warns maybe-uninitialized inside <regex> under ASan.)
  const std::string& age = first[4];
  EXPECT_TRUE(age.size() >= 2 && age.back() == 's' &&
              std::all_of(age.begin(), age.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; }))
      << age;
  EXPECT_EQ(cells(ls[2])[2], "Running");
  // Columns line up: every row's READY starts where the header's does.
  auto col = ls[0].find("READY");
  for (std::size_t i = 1; i < ls.size(); ++i) EXPECT_EQ(ls[i].substr(col, 3), "0/2") << ls[i];
}

TEST_F(CliTest, ShortNamesAndWideAddIpAndNode) {
  create_pods();
  auto r = kinformer({"get", "po", "-n", "demo", "-o", "wide"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto ls = lines(r.out);
  EXPECT_NE(ls[0].find("IP"), std::string::npos);
  EXPECT_NE(ls[0].find("NODE"), std::string::npos);
  EXPECT_NE(ls[0].find("NOMINATED NODE"), std::string::npos);
  EXPECT_NE(ls[1].find("10.244.0.12"), std::string::npos) << ls[1];
  EXPECT_NE(ls[1].find("node-0"), std::string::npos) << ls[1];
}

TEST_F(CliTest, AllNamespacesPutsTheNamespaceColumnFirst) {
  create_pods();
  auto r = kinformer({"get", "pod", "-A"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), kPodCount + 2u) << r.out;
  EXPECT_EQ(cells(ls[0])[0], "NAMESPACE");
  EXPECT_EQ(cells(ls[0])[1], "NAME");
  EXPECT_NE(r.out.find("other       elsewhere"), std::string::npos) << r.out;
}

TEST_F(CliTest, LabelSelectorFiltersOnTheServer) {
  create_pods();
  auto r = kinformer({"get", "pods", "-n", "demo", "-l", "app=app-1", "-o", "name"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines(r.out),
            (std::vector<std::string>{"pod/app-1-7d9f8c6b5-1", "pod/app-1-7d9f8c6b5-5",
                                      "pod/app-1-7d9f8c6b5-9"}));
  r = kinformer({"get", "pods", "-n", "demo", "-l", "tier in (cache),app!=app-2", "-o", "name"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{}));  // every cache pod is app-2 (i%4==2)
  EXPECT_NE(r.err.find("No resources found"), std::string::npos)
      << r.err;  // -o name: nothing on stdout
}

TEST_F(CliTest, FieldSelectorFilters) {
  create_pods();
  auto r = kinformer(
      {"get", "pods", "-n", "demo", "--field-selector", "spec.nodeName=node-1", "-o", "name"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 4u) << r.out;
}

TEST_F(CliTest, JsonIsAListAndYamlTheSameDocument) {
  create_pods();
  auto r =
      kinformer({"get", "pods", "-n", "demo", "-o", "json", "--chunk-size", "5"});  // three pages
  ASSERT_EQ(r.code, 0) << r.err;
  json::value list = json::parse(r.out);
  EXPECT_EQ(list.at("kind"), "List");
  EXPECT_EQ(list.at("apiVersion"), "v1");
  ASSERT_EQ(list.at("items").as_array().size(), static_cast<std::size_t>(kPodCount));
  EXPECT_EQ(list.at("items").at(0).at("kind"), "Pod");
  EXPECT_EQ(list.at("items").at(0).at("spec").at("containers").at(0).at("name"), "app");

  r = kinformer({"get", "pods", "-n", "demo", "-o", "yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node y = YAML::Load(r.out);
  EXPECT_EQ(y["kind"].as<std::string>(), "List");
  ASSERT_EQ(y["items"].size(), static_cast<std::size_t>(kPodCount));
  EXPECT_EQ(y["items"][3]["metadata"]["name"].as<std::string>(),
            "app-1-7d9f8c6b5-1");  // the server's order
  EXPECT_EQ(y["items"][3]["metadata"]["labels"]["app"].as<std::string>(), "app-1");
  // Values that look like other types stay strings.
  EXPECT_EQ(y["items"][0]["metadata"]["annotations"]["kinformer.dev/generation"].Tag(), "!");
}

// A ConfigMap whose metadata.managedFields the server keeps (one Update entry).
constexpr const char* kManagedConfigMap =
    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"managed","managedFields":[)"
    R"({"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",)"
    R"("time":"2026-11-27T08:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:v":{}}}}]},)"
    R"("data":{"v":"1"}})";

// As kubectl: json and yaml leave managedFields out unless --show-managed-fields.
TEST_F(CliTest, ManagedFieldsAreHiddenFromJsonAndYamlUnlessAskedFor) {
  ASSERT_TRUE(cluster_.client->create(Cluster::configmaps(), "demo", kManagedConfigMap));
  auto r = kinformer({"get", "cm", "managed", "-n", "demo", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::value one = json::parse(r.out);
  EXPECT_EQ(one.at("metadata").at("name"), "managed");
  EXPECT_FALSE(one.at("metadata").as_object().contains("managedFields")) << r.out;
  EXPECT_EQ(one.at("data").at("v"), "1");

  r = kinformer({"get", "cm", "-n", "demo", "-o", "yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node list = YAML::Load(r.out);
  ASSERT_EQ(list["items"].size(), 1u) << r.out;
  EXPECT_EQ(list["items"][0]["metadata"]["name"].as<std::string>(), "managed");
  EXPECT_FALSE(list["items"][0]["metadata"]["managedFields"]) << r.out;

  r = kinformer({"get", "cm", "managed", "-n", "demo", "-o", "json", "--show-managed-fields"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("metadata").at("managedFields").at(0).at("manager"),
            "kubectl-client-side-apply")
      << r.out;
  r = kinformer({"get", "cm", "-n", "demo", "-o", "yaml", "--show-managed-fields"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(YAML::Load(r.out)["items"][0]["metadata"]["managedFields"][0]["operation"].as<std::string>(),
            "Update")
      << r.out;

  Subprocess w(cmd({"watch", "cm", "-n", "demo", "-o", "json"}));
  ASSERT_TRUE(w.started());
  ASSERT_TRUE(w.wait_for_stdout("\n", 20s)) << w.err();
  EXPECT_EQ(w.terminate(SIGTERM, 10s), 0) << w.err();
  json::value added = json::parse(lines(w.out()).at(0));
  EXPECT_EQ(added.at("type"), "ADDED");
  EXPECT_EQ(added.at("object").at("metadata").at("name"), "managed");
  EXPECT_FALSE(added.at("object").at("metadata").as_object().contains("managedFields")) << w.out();
}

TEST_F(CliTest, OneObjectByNameOrTypeSlashName) {
  create_pods();
  auto r = kinformer({"get", "pods/app-2-7d9f8c6b5-2", "-n", "demo", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::value pod = json::parse(r.out);
  EXPECT_EQ(pod.at("kind"), "Pod");  // the object itself, not a List
  EXPECT_EQ(pod.at("metadata").at("name"), "app-2-7d9f8c6b5-2");
  r = kinformer({"get", "ns", "demo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cells(lines(r.out)[0]), (std::vector<std::string>{"NAME", "STATUS", "AGE"}));
  EXPECT_EQ(cells(lines(r.out)[1])[0], "demo");
}

TEST_F(CliTest, ConfigMapsAndDeploymentsHaveTheirOwnColumns) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "settings", "x"));
  auto r = kinformer({"get", "cm", "-n", "demo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cells(lines(r.out)[0]), (std::vector<std::string>{"NAME", "DATA", "AGE"}));
  EXPECT_EQ(cells(lines(r.out)[1])[1], "1");
  ASSERT_TRUE(cluster_.client->create(
      {{"apps", "v1", "deployments"}, true}, "demo",
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"},"spec":{"replicas":3,
          "selector":{"matchLabels":{"app":"api"}},"template":{"metadata":{"labels":{"app":"api"}},
          "spec":{"containers":[{"name":"api","image":"api:1"}]}}}})"));
  r = kinformer({"get", "deployments.apps", "-n", "demo", "-o", "wide"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cells(lines(r.out)[0]),
            (std::vector<std::string>{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE",
                                      "CONTAINERS", "IMAGES", "SELECTOR"}));
  auto row = cells(lines(r.out)[1]);
  EXPECT_EQ(row[0], "api");
  EXPECT_EQ(row[1], "0/3");
  EXPECT_EQ(row.back(), "app=api");
}

// ---- errors and exit codes ----

TEST_F(CliTest, NotFoundExitsOneAndNamesTheObject) {
  auto r = kinformer({"get", "pod", "nope", "-n", "demo"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("pods \"nope\" not found in namespace \"demo\""), std::string::npos)
      << r.err;
  r = kinformer({"get", "gizmos"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("resource type \"gizmos\""), std::string::npos) << r.err;
}

TEST_F(CliTest, BadSelectorExitsTwoNamingTheSelectorWithoutAskingTheServer) {
  auto r = kinformer({"get", "pods", "-l", "app in (web"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("invalid label selector \"app in (web\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("position"), std::string::npos) << r.err;
  r = kinformer({"watch", "pods", "--field-selector", "spec.nodeName"}, "/nonexistent/kubeconfig");
  EXPECT_EQ(r.code, 2);  // checked before the (missing) kubeconfig is read
  EXPECT_NE(r.err.find("invalid field selector \"spec.nodeName\""), std::string::npos) << r.err;
  r = kinformer({"get", "pods", "-o", "table"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("\"table\""), std::string::npos) << r.err;
}

TEST_F(CliTest, WrongTokenExitsFiveWithTheServersMessageAndNoToken) {
  std::string config = cluster_.server->kubeconfig();
  std::string wrong = "wrong-token-0123456789abcdef";
  auto at = config.find("token: ");
  ASSERT_NE(at, std::string::npos);
  config = config.substr(0, at) + "token: " + wrong + "\n";
  auto r = kinformer({"get", "pods"}, write("bad-kubeconfig", config));
  EXPECT_EQ(r.code, 5);
  EXPECT_NE(r.err.find("401 Unauthorized"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Unauthorized\""), std::string::npos) << r.err;  // the server's message
  EXPECT_NE(r.err.find("bad-kubeconfig"), std::string::npos) << r.err;    // which credentials
  EXPECT_EQ(r.err.find(wrong), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(cluster_.server->token()), std::string::npos) << r.err;
  auto w = kinformer({"watch", "pods"}, (dir_ / "bad-kubeconfig").string());
  EXPECT_EQ(w.code, 5) << w.err;
  EXPECT_EQ(w.err.find(wrong), std::string::npos) << w.err;
}

// The kubeconfig of ours with another bearer token.
std::string with_token(std::string config, const std::string& token) {
  auto at = config.find("token: ");
  if (at == std::string::npos) return config;
  return config.substr(0, at) + "token: " + token + "\n";
}

TEST_F(CliTest, ForbiddenTokenExitsFiveWithTheServersMessageAndNoToken) {
  const std::string token = "viewer-token-0123456789abcdef";
  ASSERT_TRUE(cluster_.server->add_user(
      ApiUser{token, "viewer", {}, {AccessRule{{"list", "watch"}, {""}, {"pods"}, {}, {"demo"}}}}));
  auto config = write("viewer-kubeconfig", with_token(cluster_.server->kubeconfig(), token));
  create_pods();
  auto ok = kinformer({"get", "pods", "-n", "demo"}, config);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(lines(ok.out).size(), std::size_t(kPodCount) + 1) << ok.out;

  for (auto args : {std::vector<std::string>{"get", "pods"}, std::vector<std::string>{"watch", "pods"}}) {
    auto r = kinformer(args, config);
    EXPECT_EQ(r.code, 5) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("403"), std::string::npos) << r.err;
    // get lists; watch's informer may open a streaming list (a watch) first.
    std::string verb = args[0] == "get" ? "list" : r.err.find("cannot watch") != std::string::npos ? "watch" : "list";
    EXPECT_NE(r.err.find(R"(pods is forbidden: User "viewer" cannot )" + verb +
                         R"( resource "pods" in API group "" in the namespace "default")"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find(token), std::string::npos) << r.err;
  }
  auto all = kinformer({"get", "pods", "-A"}, config);
  EXPECT_EQ(all.code, 5);
  EXPECT_NE(all.err.find(R"(cannot list resource "pods" in API group "" at the cluster scope)"), std::string::npos)
      << all.err;
}

TEST_F(CliTest, ApiserverUsersFileGivesEachTokenItsRights) {
  auto users = write("users.yaml", R"(users:
- name: viewer
  token: viewer-token
  rules:
  - verbs: [get, list, watch]
    apiGroups: [""]
    resources: [pods]
    namespaces: [default]
)");
  auto out = (dir_ / "served-kubeconfig").string();
  Subprocess server({KINFORMER_BIN, "apiserver", "--port", "0", "--kubeconfig-out", out, "--users", users});
  ASSERT_TRUE(server.wait_for_stdout("serving", 30s)) << server.err();
  std::ifstream in(out);
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto viewer = write("viewer-kubeconfig", with_token(config, "viewer-token"));
  auto ok = kinformer({"get", "pods"}, viewer);
  EXPECT_EQ(ok.code, 0) << ok.err;
  auto denied = kinformer({"get", "configmaps"}, viewer);
  EXPECT_EQ(denied.code, 5);
  EXPECT_NE(denied.err.find(R"(configmaps is forbidden: User "viewer" cannot list resource "configmaps" in API )"
                            R"(group "" in the namespace "default")"),
            std::string::npos)
      << denied.err;
  EXPECT_EQ(kinformer({"get", "configmaps"}, out).code, 0);  // the admin token keeps full rights

  auto bad = write("bad-users.yaml", "users:\n- name: x\n");
  auto r = run({KINFORMER_BIN, "apiserver", "--port", "0", "--users", bad});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("users file " + bad + R"(: users[0] ("x"): no token)"), std::string::npos) << r.err;
}

TEST_F(CliTest, ConfigAndConnectionFailuresHaveTheirOwnCodes) {
  auto r = kinformer({"get", "pods"}, "/nonexistent/kubeconfig");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("/nonexistent/kubeconfig"), std::string::npos) << r.err;
  r = kinformer({"get", "pods", "--context", "missing"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("\"missing\""), std::string::npos) << r.err;
  std::string config = cluster_.server->kubeconfig();
  std::string url = cluster_.server->url();
  config.replace(config.find(url), url.size(), "https://127.0.0.1:1");
  auto t0 = std::chrono::steady_clock::now();
  r = kinformer({"get", "pods"}, write("down", config));
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // a few retries, not client-go's ten
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST_F(CliTest, HelpListsTheExitCodes) {
  auto r = run({KINFORMER_BIN, "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6  sync timeout"), std::string::npos) << r.out;
  r = run({KINFORMER_BIN, "get", "--help"});
  EXPECT_NE(r.out.find("not an informer"), std::string::npos) << r.out;  // says how get lists
  r = run({KINFORMER_BIN, "get"});
  EXPECT_EQ(r.code, 2);  // RESOURCE is required
}

// ---- watch ----

TEST_F(CliTest, WatchPrintsTheStateOnceThenEachChange) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "first", "1"));
  Subprocess w(cmd({"watch", "configmaps", "-n", "demo"}));
  ASSERT_TRUE(w.started());
  ASSERT_TRUE(w.wait_for_stdout("ADDED      first", 20s)) << w.out() << w.err();
  EXPECT_EQ(cells(lines(w.out())[0]), (std::vector<std::string>{"EVENT", "NAME", "DATA", "AGE"}));

  ASSERT_TRUE(cluster_.put_configmap("demo", "second", "2"));
  ASSERT_TRUE(w.wait_for_stdout("ADDED      second", 10s)) << w.out();
  ASSERT_TRUE(cluster_.client->patch(Cluster::configmaps(), "demo", "first", PatchType::Merge,
                                     R"({"data":{"w":"3"}})"));
  ASSERT_TRUE(w.wait_for_stdout("MODIFIED   first", 10s)) << w.out();
  ASSERT_TRUE(cluster_.client->remove(Cluster::configmaps(), "demo", "second"));
  ASSERT_TRUE(w.wait_for_stdout("DELETED    second", 10s)) << w.out();
  ASSERT_TRUE(cluster_.put_configmap("other", "not-ours", "x"));  // another namespace: not shown

  EXPECT_EQ(w.terminate(SIGTERM, 10s), 0) << w.err();
  auto ls = lines(w.out());
  ASSERT_EQ(ls.size(), 5u) << w.out();
  EXPECT_EQ(cells(ls[1]), (std::vector<std::string>{"ADDED", "first", "1", cells(ls[1])[3]}));
  EXPECT_EQ(cells(ls[3])[2], "2");                     // the MODIFIED row shows the new DATA count
  EXPECT_EQ(ls[1].find("first"), ls[0].find("NAME"));  // later rows line up under the header
  EXPECT_EQ(ls[3].find("first"), ls[0].find("NAME"));
}

TEST_F(CliTest, WatchAsJsonLinesWithALabelSelectorAcrossNamespaces) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "a", "1", R"({"team":"x"})"));
  ASSERT_TRUE(cluster_.put_configmap("other", "b", "1", R"({"team":"x"})"));
  ASSERT_TRUE(cluster_.put_configmap("other", "c", "1", R"({"team":"y"})"));
  Subprocess w(cmd({"watch", "cm", "-A", "-l", "team=x", "-o", "json"}));
  ASSERT_TRUE(w.wait_for_stdout("\"name\":\"b\"", 20s)) << w.out() << w.err();
  ASSERT_TRUE(cluster_.client->patch(Cluster::configmaps(), "other", "c", PatchType::Merge,
                                     R"({"metadata":{"labels":{"team":"x"}}})"));
  ASSERT_TRUE(w.wait_for_stdout("\"name\":\"c\"", 10s)) << w.out();
  EXPECT_EQ(w.terminate(SIGINT, 10s), 0) << w.err();
  auto ls = lines(w.out());
  ASSERT_EQ(ls.size(), 3u) << w.out();
  EXPECT_EQ(json::parse(ls[0]).at("type"), "ADDED");
  EXPECT_EQ(json::parse(ls[0]).at("object").at("metadata").at("name"),
            "a");  // sorted by namespace/name
  EXPECT_EQ(json::parse(ls[1]).at("object").at("metadata").at("namespace"), "other");
  EXPECT_EQ(json::parse(ls[2]).at("type"), "ADDED");  // entered the selector
}

TEST_F(CliTest, WatchOfOneNameShowsOnlyThatObject) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "mine", "1"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "theirs", "1"));
  Subprocess w(cmd({"watch", "cm", "mine", "-n", "demo", "-o", "name"}));
  ASSERT_TRUE(w.wait_for_stdout("ADDED configmap/mine\n", 20s)) << w.out() << w.err();
  ASSERT_TRUE(cluster_.put_configmap("demo", "theirs", "2"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "mine", "2"));
  ASSERT_TRUE(w.wait_for_stdout("MODIFIED configmap/mine\n", 10s)) << w.out();
  EXPECT_EQ(w.terminate(SIGTERM, 10s), 0);
  EXPECT_EQ(w.out().find("theirs"), std::string::npos) << w.out();
}

TEST_F(CliTest, WatchReportsAWatchErrorOnStderrAndCarriesOn) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "before", "1"));
  Subprocess w(cmd({"watch", "cm", "-n", "demo", "-o", "name"}));
  ASSERT_TRUE(w.wait_for_stdout("ADDED configmap/before\n", 20s)) << w.out() << w.err();
  cluster_.server->fail_next_requests(1, 500);  // the re-opened watch fails once
  cluster_.server->close_watches_now();
  ASSERT_TRUE(w.wait_for_stderr("(retrying)", 10s)) << w.err();
  EXPECT_NE(w.err().find("configmaps: "), std::string::npos) << w.err();
  ASSERT_TRUE(cluster_.put_configmap("demo", "after", "1"));
  ASSERT_TRUE(w.wait_for_stdout("ADDED configmap/after\n", 20s)) << w.out() << w.err();
  EXPECT_EQ(w.terminate(SIGTERM, 10s), 0);
}

// The informer's list is made slow (300 ms a response, one object a page) so
// the test can inject faults after discovery and before the list ends.
// ---- serve ----

TEST_F(CliTest, ServeAnswersOtherCommandsFromItsCacheUntilSigterm) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "served", "1"));
  Subprocess s(cmd({"serve", "configmaps,po", "--listen", "127.0.0.1:0"}));
  ASSERT_TRUE(s.started());
  std::string kc = cache_kubeconfig(s);
  ASSERT_FALSE(kc.empty()) << s.out() << s.err();
  RunResult got;
  // get through the cache: discovery (the short name), a list, one object.
  auto ok = [&] { got = kinformer({"get", "cm", "-o", "name"}, kc); return got.code == 0; };
  for (int i = 0; i < 100 && !ok(); ++i) std::this_thread::sleep_for(50ms);  // until the caches synced
  EXPECT_EQ(got.out, "configmap/served\n") << got.err;
  ASSERT_TRUE(cluster_.put_configmap("demo", "later", "2"));
  for (int i = 0; i < 100 && got.out.find("later") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
    got = kinformer({"get", "cm", "-o", "name"}, kc);
  }
  EXPECT_EQ(got.out, "configmap/later\nconfigmap/served\n");
  auto one = kinformer({"get", "cm", "later", "-o", "json"}, kc);
  EXPECT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(json::parse(one.out).at("data").at("v"), "2");
  auto missing = kinformer({"get", "cm", "nope"}, kc);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("configmaps \"nope\" not found"), std::string::npos) << missing.err;
  auto not_served = kinformer({"get", "secrets"}, kc);
  EXPECT_EQ(not_served.code, 1) << not_served.err;  // discovery lists only what is served

  EXPECT_EQ(s.terminate(SIGTERM, 10s), 0) << s.err();
}

// serve --strip-managed-fields: the cache holds and serves objects without
// them, whatever its clients ask.
TEST_F(CliTest, ServeStripManagedFieldsServesObjectsWithoutThem) {
  ASSERT_TRUE(cluster_.client->create(Cluster::configmaps(), "demo", kManagedConfigMap));
  Subprocess s(cmd({"serve", "configmaps", "--listen", "127.0.0.1:0", "--strip-managed-fields"}));
  ASSERT_TRUE(s.started());
  std::string kc = cache_kubeconfig(s);
  ASSERT_FALSE(kc.empty()) << s.out() << s.err();
  RunResult got;
  auto ok = [&] {
    got = kinformer({"get", "cm", "managed", "-o", "json", "--show-managed-fields"}, kc);
    return got.code == 0;
  };
  for (int i = 0; i < 100 && !ok(); ++i) std::this_thread::sleep_for(50ms);  // until the cache synced
  ASSERT_EQ(got.code, 0) << got.err;
  json::value cached = json::parse(got.out);
  EXPECT_EQ(cached.at("data").at("v"), "1");
  EXPECT_FALSE(cached.at("metadata").as_object().contains("managedFields")) << got.out;
  // The cluster itself still has them.
  auto direct = kinformer({"get", "cm", "managed", "-n", "demo", "-o", "json", "--show-managed-fields"});
  ASSERT_EQ(direct.code, 0) << direct.err;
  EXPECT_TRUE(json::parse(direct.out).at("metadata").as_object().contains("managedFields")) << direct.out;
  EXPECT_EQ(s.terminate(SIGTERM, 10s), 0) << s.err();
}

TEST_F(CliTest, ServeRejectsABadListenAddressAndUnknownResources) {
  auto bad = kinformer({"serve", "cm", "--listen", "localhost:http"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--listen \"localhost:http\""), std::string::npos) << bad.err;
  auto unknown = kinformer({"serve", "cm,nosuchthings", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("nosuchthings"), std::string::npos) << unknown.err;
}

class CliSyncFailureTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    for (int i = 0; i < 4; ++i)
      ASSERT_TRUE(cluster_.put_configmap("demo", "cm" + std::to_string(i), "v"));
    cluster_.server->slow_responses(300ms);
  }
  // Starts a watch and waits for its progress line: the informer has started.
  std::unique_ptr<Subprocess> start_watch() {
    auto w = std::make_unique<Subprocess>(cmd({"watch", "cm", "-n", "demo", "--chunk-size", "1",
                                               "--sync-timeout", "4s", "--progress", "always"}));
    EXPECT_TRUE(w->wait_for_stderr("syncing configmaps:", 30s)) << w->err();
    return w;
  }
};

TEST_F(CliSyncFailureTest, SyncTimeoutExitsSixWithTheResourcesLastError) {
  auto w = start_watch();
  cluster_.server->fail_next_requests(1000, 410);  // every further page and relist: 410 Expired
  int code = w->wait(30s);
  EXPECT_EQ(code, 6) << w->err();
  EXPECT_NE(w->err().find("configmaps did not sync within 4s"), std::string::npos) << w->err();
  EXPECT_NE(w->err().find("injected fault"), std::string::npos)
      << w->err();  // the reflector's last error
  EXPECT_NE(w->err().find(" objects, "), std::string::npos) << w->err();  // the progress line
  EXPECT_EQ(w->out(), "");
}

TEST_F(CliSyncFailureTest, ForbiddenWhileSyncingEndsAtOnceWithExitFive) {
  auto w = start_watch();
  cluster_.server->fail_next_requests(1000, 403);
  auto t0 = std::chrono::steady_clock::now();
  int code = w->wait(30s);
  EXPECT_EQ(code, 5) << w->err();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);  // before --sync-timeout
  EXPECT_NE(w->err().find("configmaps did not sync"), std::string::npos) << w->err();
  EXPECT_NE(w->err().find("403"), std::string::npos) << w->err();
}

// ---- bench ----

TEST(CliBench, SyncOnTheEmbeddedServerPrintsNameValuePairsAndTheCommand) {
  auto r = run(
      {KINFORMER_BIN, "bench", "sync", "--objects", "300", "--events", "50", "--progress", "never"},
      120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  std::map<std::string, double> kv;
  for (const auto& pair : cells(ls[0])) {
    auto eq = pair.find('=');
    ASSERT_NE(eq, std::string::npos) << pair;
    kv[pair.substr(0, eq)] = std::stod(pair.substr(eq + 1));
  }
  EXPECT_EQ(kv["objects"], 300);
  for (const char* k :
       {"seconds", "cpu_seconds", "peak_rss_mb", "bytes_per_object", "events_per_s"}) {
    EXPECT_TRUE(kv.count(k)) << k << " missing: " << ls[0];
  }
  for (const char* k : {"seconds", "cpu_seconds", "peak_rss_mb", "events_per_s"})
    EXPECT_GT(kv[k], 0) << k;
  EXPECT_EQ(ls[1].rfind("reproduce: ", 0), 0u) << ls[1];
  EXPECT_NE(ls[1].find("bench sync --resource pods --objects 300 --events 50"), std::string::npos)
      << ls[1];
}

TEST(CliBench, SyncOfLivePodsWithoutManagedFieldsReproducesItsFlags) {
  auto r = run({KINFORMER_BIN, "bench", "sync", "--objects", "200", "--pod-shape", "live", "--strip-managed-fields",
                "--progress", "never"},
               120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  EXPECT_NE(ls[0].find("objects=200 "), std::string::npos) << ls[0];
  // 200 live pods are ~6.6 KB each as listed, managedFields included.
  auto list_mb = ls[0].find("list_mb=");
  ASSERT_NE(list_mb, std::string::npos);
  EXPECT_GT(std::stod(ls[0].substr(list_mb + 8)), 1.1) << ls[0];
  EXPECT_NE(ls[1].find("--pod-shape live"), std::string::npos) << ls[1];
  EXPECT_NE(ls[1].find("--strip-managed-fields"), std::string::npos) << ls[1];
  auto bad = run({KINFORMER_BIN, "bench", "sync", "--pod-shape", "fat", "--progress", "never"}, 30s);
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--pod-shape"), std::string::npos) << bad.err;
}

TEST(CliBench, SyncWithThreadsSplitsItsCpuByThread) {
  auto r = run({KINFORMER_BIN, "bench", "sync", "--objects", "300", "--threads", "--progress", "never"}, 120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  double cpu = -1, rss_before = -1, by_threads = 0;
  std::set<std::string> names;
  for (const auto& pair : cells(ls[0])) {
    auto eq = pair.find('=');
    ASSERT_NE(eq, std::string::npos) << pair;
    std::string k = pair.substr(0, eq), v = pair.substr(eq + 1);
    if (k == "cpu_seconds") cpu = std::stod(v);
    if (k == "rss_before_mb") rss_before = std::stod(v);
    if (k != "thread_cpu") continue;
    // name/tid:seconds,name/tid:seconds,...
    std::stringstream entries(v);
    for (std::string e; std::getline(entries, e, ',');) {
      auto slash = e.find('/'), colon = e.rfind(':');
      ASSERT_TRUE(slash != std::string::npos && colon != std::string::npos && slash < colon) << e;
      names.insert(e.substr(0, slash));
      by_threads += std::stod(e.substr(colon + 1));
    }
  }
  EXPECT_GT(rss_before, 0) << ls[0];
  ASSERT_GT(cpu, 0) << ls[0];
  // The informer's three threads did the sync; their CPU is part of the process's.
  for (const char* thread : {"kube-transport", "kube-reflector", "kube-informer"})
    EXPECT_TRUE(names.contains(thread)) << thread << " missing: " << ls[0];
  EXPECT_GT(by_threads, 0);
  EXPECT_LE(by_threads, cpu * 1.05 + 0.02) << ls[0];
}

TEST(CliBench, RelistPrintsTheMemoryFiguresOfAForcedRelistInEachListMode) {
  for (const char* list_mode : {"paged", "streaming"}) {
    auto r = run({KINFORMER_BIN, "bench", "relist", "--objects", "200", "--list-mode", list_mode,
                  "--touch-all", "--progress", "never"},
                 120s);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    auto ls = lines(r.out);
    ASSERT_EQ(ls.size(), 2u) << r.out;
    std::map<std::string, std::string> kv;
    for (const auto& pair : cells(ls[0])) {
      auto eq = pair.find('=');
      ASSERT_NE(eq, std::string::npos) << pair;
      kv[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    // Every pod relisted and changed: the relist really happened, in the mode asked for.
    EXPECT_EQ(kv["objects"], "200") << ls[0];
    EXPECT_EQ(kv["changed"], "200") << ls[0];
    EXPECT_EQ(kv["list_mode"], list_mode) << ls[0];
    for (const char* k : {"steady_rss_mb", "relist_peak_rss_mb", "ratio", "relist_seconds"}) {
      ASSERT_TRUE(kv.count(k)) << k << " missing: " << ls[0];
      EXPECT_GT(std::stod(kv[k]), 0) << k;
    }
    EXPECT_NE(ls[1].find(std::string("bench relist --objects 200 --list-mode ") + list_mode +
                         " --touch-all"),
              std::string::npos)
        << ls[1];
  }
}

TEST(CliBench, RelistOfUnchangedPodsReportsNoneChanged) {
  auto r = run({KINFORMER_BIN, "bench", "relist", "--objects", "50", "--progress", "never"}, 120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.out.rfind("objects=50 changed=0 list_mode=", 0), 0u) << r.out;
}

// name=value cells of one output line (values as text).
std::map<std::string, std::string> name_values(const std::string& line) {
  std::map<std::string, std::string> kv;
  for (const auto& pair : cells(line)) {
    auto eq = pair.find('=');
    if (eq != std::string::npos) kv[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return kv;
}

TEST(CliBench, PollingCostsMoreRequestsAndLatencyThanAnInformerForTheSameChanges) {
  auto r = run({KINFORMER_BIN, "bench", "polling", "--objects", "50", "--changes-per-s", "20",
                "--seconds", "5", "--poll-interval", "1s"},
               120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 3u) << r.out;
  auto informer = name_values(ls[0]);
  auto polling = name_values(ls[1]);
  EXPECT_EQ(informer["mode"], "informer") << ls[0];
  EXPECT_EQ(polling["mode"], "polling") << ls[1];
  EXPECT_EQ(polling["poll_interval_s"], "1.000") << ls[1];
  for (auto* kv : {&informer, &polling}) {
    for (const char* k : {"objects", "writes", "detected", "missed", "requests", "received_bytes",
                          "latency_p50_ms", "latency_p99_ms", "cpu_seconds", "seconds"}) {
      ASSERT_TRUE(kv->count(k)) << k << " missing: " << r.out;
    }
    EXPECT_EQ((*kv)["objects"], "50");
    EXPECT_EQ((*kv)["write_failures"], "0") << r.out;
    EXPECT_GT(std::stod((*kv)["writes"]), 50) << r.out;  // ~100 at 20/s for 5 s
    EXPECT_GT(std::stod((*kv)["requests"]), 0) << r.out;
    EXPECT_GT(std::stod((*kv)["received_bytes"]), 0) << r.out;
    EXPECT_EQ(std::stod((*kv)["detected"]) + std::stod((*kv)["missed"]), std::stod((*kv)["writes"]))
        << r.out;
  }
  // The informer sees every change, over one or two requests (list + watch),
  // well within the poll interval; the poller lists once a second (>= 5 lists)
  // and, with ~2 writes per object over the run, misses some.
  EXPECT_EQ(informer["missed"], "0") << r.out;
  EXPECT_LE(std::stod(informer["requests"]), 2) << r.out;
  EXPECT_GE(std::stod(polling["requests"]), 5) << r.out;
  EXPECT_LT(std::stod(informer["requests"]), std::stod(polling["requests"])) << r.out;
  EXPECT_LT(std::stod(informer["latency_p50_ms"]), 500) << r.out;
  EXPECT_LT(std::stod(informer["latency_p50_ms"]), std::stod(polling["latency_p50_ms"])) << r.out;
  EXPECT_LE(std::stod(polling["latency_p99_ms"]), 1000 + 1000)
      << r.out;  // one interval (+ slack for a loaded machine)
  EXPECT_EQ(ls[2].rfind("reproduce: ", 0), 0u) << ls[2];
  EXPECT_NE(ls[2].find(
                "bench polling --objects 50 --changes-per-s 20.0 --seconds 5.0 --poll-interval 1s"),
            std::string::npos)
      << ls[2];
}

TEST(CliBench, InformersOnOneClientOverHttp11HoldOneConnectionPerWatch) {
  auto r = run({KINFORMER_BIN, "bench", "informers", "--count", "12", "--objects", "60"}, 120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  auto kv = name_values(ls[0]);
  EXPECT_EQ(kv["informers"], "12") << ls[0];
  EXPECT_EQ(kv["objects"], "60") << ls[0];  // every shard's configmaps, each in one informer
  // The embedded server speaks HTTP/1.1: each idle watch keeps a connection.
  EXPECT_EQ(kv["http_version"], "1") << ls[0];
  EXPECT_EQ(kv["connections"], "12") << ls[0];
  for (const char* k : {"seconds", "cpu_seconds", "peak_rss_mb", "requests"}) {
    ASSERT_TRUE(kv.count(k)) << k << " missing: " << ls[0];
    EXPECT_GT(std::stod(kv[k]), 0) << k;
  }
  EXPECT_NE(ls[1].find("bench informers --count 12 --objects 60"), std::string::npos) << ls[1];
}

// Through nghttpx (HTTP/2 over TLS) the same informers share one connection.
TEST(CliBench, InformersThroughTheHttp2ProxyShareOneConnection) {
  if (!Http2Proxy::available())
    GTEST_SKIP() << "/usr/sbin/nghttpx not installed (apt-get install nghttp2-proxy)";
  auto r = run({KINFORMER_BIN, "bench", "informers", "--count", "12", "--objects", "60",
                "--http2-proxy", "--hold", "1s"},
               120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  auto kv = name_values(ls[0]);
  EXPECT_EQ(kv["objects"], "60") << ls[0];
  EXPECT_EQ(kv["http_version"], "2") << ls[0];
  EXPECT_EQ(kv["connections"], "1") << ls[0];
  EXPECT_EQ(kv["relists"], "0") << ls[0];
  EXPECT_EQ(kv["watch_restarts"], "0") << ls[0];
  EXPECT_NE(ls[1].find("bench informers --count 12 --objects 60 --http2-proxy --hold 1s"),
            std::string::npos)
      << ls[1];
}

TEST_F(CliTest, BenchSyncReadsAClusterFromAKubeconfig) {
  create_pods();
  auto r = kinformer({"bench", "sync", "--resource", "po", "-n", "demo", "--metadata-only"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("objects=12 list_mb=", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" server_list_seconds="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" seconds="), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("events_per_s"), std::string::npos)
      << r.out;  // never writes to a real cluster
  r = kinformer({"bench", "sync", "--objects", "5"});
  EXPECT_EQ(r.code, 2) << r.err;
}

TEST_F(CliTest, BenchPollingAndInformersOnAClusterNeedANamespaceAndCleanUpAfterThemselves) {
  auto r = kinformer({"bench", "polling", "--seconds", "1"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("-n"), std::string::npos) << r.err;
  r = kinformer({"bench", "informers", "-n", "demo", "--http2-proxy"});
  EXPECT_EQ(r.code, 2) << r.err;  // the proxy goes before the embedded server only
  EXPECT_NE(r.err.find("--http2-proxy"), std::string::npos) << r.err;
  r = kinformer({"bench", "informers", "-n", "demo", "--count", "3", "--objects", "9"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("informers=3 objects=9 ", 0), 0u) << r.out;
  r = kinformer({"bench", "polling", "-n", "demo", "--objects", "5", "--changes-per-s", "10",
                 "--seconds", "1", "--poll-interval", "500ms"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mode=informer objects=5 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("--kubeconfig " + kubeconfig_ + " -n demo --objects 5"), std::string::npos)
      << r.out;
  auto left = cluster_.client->list(kConfigMaps, "demo", {.label_selector = "app=kinformer-bench"});
  ASSERT_TRUE(left) << left.error().message;
  EXPECT_TRUE(left->items.empty()) << left->items.size() << " bench configmaps left behind";
}

}  // namespace
}  // namespace kube::testing
