// The generated API (kube/api/...) against what a real kube-apiserver serves: every
// captured object of a generated kind decodes, re-encodes, and gives the same JSON;
// fields this version does not know survive; errors name the path.
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/api/apps/v1.h"
#include "kube/api/coordination/v1.h"
#include "kube/api/core/v1.h"
#include "kube/api/meta/v1.h"
#include "kube/client/typed_client.h"
#include "kube/core/convert.h"
#include "support/fixtures.h"

namespace {

namespace json = boost::json;
namespace core = kube::api::core::v1;
namespace apps = kube::api::apps::v1;
namespace meta = kube::api::meta::v1;

template <class T>
json::value round_trip(const json::value& in) {
  kube::Result<T> typed = kube::from_unstructured<T>(in);
  if (!typed) {
    ADD_FAILURE() << typed.error().message;
    return nullptr;
  }
  return kube::to_unstructured(*typed);
}

using RoundTrip = std::function<json::value(const json::value&)>;

// "apiVersion kind" -> the generated type's round trip.
const std::map<std::string, RoundTrip>& round_trips() {
  static const std::map<std::string, RoundTrip> m = {
      {"v1 Pod", round_trip<core::Pod>},
      {"v1 PodList", round_trip<core::PodList>},
      {"v1 Service", round_trip<core::Service>},
      {"v1 ConfigMap", round_trip<core::ConfigMap>},
      {"v1 ConfigMapList", round_trip<core::ConfigMapList>},
      {"v1 Secret", round_trip<core::Secret>},
      {"v1 Namespace", round_trip<core::Namespace>},
      {"v1 Status", round_trip<meta::Status>},
      {"v1 APIResourceList", round_trip<meta::APIResourceList>},
      {"v1 APIVersions", round_trip<meta::APIVersions>},
      {"v1 APIGroupList", round_trip<meta::APIGroupList>},
      {"apps/v1 Deployment", round_trip<apps::Deployment>},
      {"coordination.k8s.io/v1 Lease", round_trip<kube::api::coordination::v1::Lease>},
  };
  return m;
}

std::string kind_of(const json::value& v) {
  const auto* o = v.if_object();
  if (!o || !o->contains("kind")) return "";
  // Discovery documents of the legacy group (APIVersions, APIResourceList) are served
  // without an apiVersion.
  std::string api_version =
      o->contains("apiVersion") ? std::string(o->at("apiVersion").as_string()) : "v1";
  return api_version + " " + std::string(o->at("kind").as_string());
}

// Round-trips `v` if its kind is generated; returns whether it was.
bool check(const json::value& v, const std::string& where) {
  auto it = round_trips().find(kind_of(v));
  if (it == round_trips().end()) return false;
  EXPECT_EQ(it->second(v), v) << where << " (" << it->first << ")";
  return true;
}

TEST(GeneratedApi, EveryCapturedObjectOfAGeneratedKindRoundTrips) {
  const std::vector<std::string> files = {"objects/pod.json",
                                          "objects/deployment.json",
                                          "objects/service.json",
                                          "objects/configmap.json",
                                          "objects/secret.json",
                                          "objects/namespace.json",
                                          "objects/lease.json",
                                          "lists/pods-page1.json",
                                          "lists/pods-page2.json",
                                          "lists/pods-rv0.json",
                                          "lists/pods-fieldselector.json",
                                          "lists/configmaps-labelselector.json",
                                          "discovery/api.json",
                                          "discovery/api-v1.json",
                                          "discovery/apis.json",
                                          "discovery/apis-apps-v1.json",
                                          "errors/400-malformed-json.json",
                                          "errors/404-notfound.json",
                                          "errors/409-conflict.json",
                                          "errors/422-invalid.json",
                                          "errors/403-forbidden.json",
                                          "errors/410-expired-continue.json"};
  const std::vector<std::string> streams = {
      "watch/configmaps-watch.jsonl", "watch/configmaps-watch-labelselector.jsonl",
      "watch/pods-watchlist.jsonl", "watch/410-watch-too-old.jsonl"};
  if (!kube::testing::read_fixture(files[0])) GTEST_SKIP() << "../shared/fixtures not present";
  int checked = 0;
  for (const auto& f : files) {
    auto text = kube::testing::read_fixture(f);
    ASSERT_TRUE(text) << f;
    EXPECT_TRUE(check(json::parse(*text), f)) << f << ": kind " << kind_of(json::parse(*text));
    ++checked;
  }
  for (const auto& f : streams) {
    auto text = kube::testing::read_fixture(f);
    ASSERT_TRUE(text) << f;
    std::istringstream lines(*text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (line.empty()) continue;
      json::value event = json::parse(line);
      std::string where = f + ":" + std::to_string(n);
      EXPECT_TRUE(check(event.at("object"), where)) << where;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

TEST(GeneratedApi, DecodedPodHasTypedFields) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  json::value v = json::parse(text);
  kube::Result<core::Pod> pod = kube::from_unstructured<core::Pod>(v);
  ASSERT_TRUE(pod) << pod.error().message;
  EXPECT_EQ(pod->metadata->name, v.at("metadata").at("name").as_string());
  ASSERT_TRUE(pod->spec);
  ASSERT_EQ(pod->spec->containers.size(), v.at("spec").at("containers").as_array().size());
  EXPECT_EQ(pod->spec->containers[0].name,
            v.at("spec").at("containers").at(0).at("name").as_string());
  EXPECT_EQ(pod->spec->node_name.value_or(""),
            v.at("spec").as_object().contains("nodeName")
                ? std::string(v.at("spec").at("nodeName").as_string())
                : "");
  EXPECT_EQ(pod->status->phase.value_or(""), v.at("status").at("phase").as_string());
}

// Adds {"x-future": ...} at a JSON pointer.
void inject(json::value& v, std::string_view pointer, std::string_view key) {
  v.at_pointer(pointer).as_object()[key] = json::object{{"nested", json::array{1, "two"}}};
}

TEST(GeneratedApi, UnknownFieldsSurviveTheRoundTripAtEveryDepth) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  json::value v = json::parse(text);
  inject(v, "", "futureTopLevel");
  inject(v, "/metadata", "futureMeta");
  inject(v, "/spec", "futureSpec");
  inject(v, "/spec/containers/0", "futureContainer");
  inject(v, "/status/conditions/0", "futureCondition");
  kube::Result<core::Pod> pod = kube::from_unstructured<core::Pod>(v);
  ASSERT_TRUE(pod) << pod.error().message;
  EXPECT_TRUE(pod->spec->containers[0].unknown.fields.contains("futureContainer"));
  EXPECT_EQ(kube::to_unstructured(*pod), v);
}

TEST(GeneratedApi, ChangedFieldIsWrittenAndUnknownFieldsKept) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/deployment.json");
  json::value v = json::parse(text);
  inject(v, "/spec", "futureSpec");
  kube::Result<apps::Deployment> d = kube::from_unstructured<apps::Deployment>(v);
  ASSERT_TRUE(d) << d.error().message;
  d->spec->replicas = 7;
  json::value out = kube::to_unstructured(*d);
  EXPECT_EQ(out.at("spec").at("replicas"), json::value(7));
  EXPECT_TRUE(out.at("spec").as_object().contains("futureSpec"));
  // The template's "creationTimestamp": null is served that way and kept.
  EXPECT_EQ(out.at("spec").at("template").at("metadata"),
            v.at("spec").at("template").at("metadata"));
}

TEST(GeneratedApi, WrongTypeIsReportedWithItsPath) {
  json::value v = json::parse(R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[
      {"name":"a","ports":[{"containerPort":"80"}]}],"priority":3000000000}})");
  kube::Result<core::Pod> pod = kube::from_unstructured<core::Pod>(v);
  ASSERT_FALSE(pod);
  EXPECT_EQ(pod.error().message,
            ".spec.containers[0].ports[0].containerPort: expected integer, got string \"80\"; "
            ".spec.priority: number 3000000000 out of range for int32");
}

TEST(GeneratedApi, QuantityAcceptsNumbersAndIntOrStringBothForms) {
  json::value v = json::parse(R"({"limits":{"cpu":2,"memory":"1Gi"}})");
  auto r = kube::from_unstructured<core::ResourceRequirements>(v);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->limits->at("cpu").str(), "2");
  EXPECT_EQ(r->limits->at("memory").str(), "1Gi");
  auto port =
      kube::from_unstructured<core::ServicePort>(json::parse(R"({"port":80,"targetPort":"http"})"));
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_EQ(port->target_port->str_value(), "http");
}

TEST(GeneratedApi, DeploymentBuiltWithDesignatedInitialisersEncodesAsTheYamlWouldRead) {
  std::map<std::string, std::string> labels{{"app", "web"}};
  apps::Deployment d{
      .api_version = "apps/v1",
      .kind = "Deployment",
      .metadata = meta::ObjectMeta{.name = "web", .namespace_ = "demo"},
      .spec = apps::DeploymentSpec{
          .replicas = 3,
          .selector = meta::LabelSelector{.match_labels = labels},
          .template_ = core::PodTemplateSpec{
              .metadata = meta::ObjectMeta{.labels = labels},
              .spec = core::PodSpec{
                  .containers = {core::Container{
                      .image = "nginx:1.25",
                      .name = "web",
                      .ports = std::vector<core::ContainerPort>{{.container_port = 80}},
                  }}}}}};
  json::value expected = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"image": "nginx:1.25", "name": "web",
                                                   "ports": [{"containerPort": 80}]}]}}}})");
  EXPECT_EQ(kube::to_unstructured(d), expected);
}

TEST(GeneratedApi, TopLevelKindsNameTheirResourceFromTheSpecsPaths) {
  kube::Resource deployments = kube::resource_of<apps::Deployment>();
  EXPECT_EQ(deployments.gvr, (kube::GroupVersionResource{"apps", "v1", "deployments"}));
  EXPECT_TRUE(deployments.namespaced);
  kube::Resource namespaces = kube::resource_of<core::Namespace>();
  EXPECT_EQ(namespaces.gvr, (kube::GroupVersionResource{"", "v1", "namespaces"}));
  EXPECT_FALSE(namespaces.namespaced);
  EXPECT_EQ(kube::resource_of<core::Endpoints>().gvr.resource, "endpoints");
  EXPECT_EQ(core::Pod::kube_kind, "Pod");
  // A kind with its apiVersion and kind left empty gets them when sent.
  json::value sent = kube::to_unstructured_with_kind(core::ConfigMap{});
  EXPECT_EQ(sent, json::parse(R"({"apiVersion":"v1","kind":"ConfigMap"})"));
}

}  // namespace
