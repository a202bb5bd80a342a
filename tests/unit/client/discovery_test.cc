#include "kube/client/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

using ::testing::HasSubstr;

std::optional<RestMapper> aggregated_mapper() {
  auto api = testing::read_fixture("discovery/aggregated-api.json");
  auto apis = testing::read_fixture("discovery/aggregated-apis.json");
  if (!api || !apis) return std::nullopt;
  auto a = parse_aggregated_discovery(*api);
  auto b = parse_aggregated_discovery(*apis);
  EXPECT_TRUE(a && b);
  std::vector<ApiResource> all = *a;
  all.insert(all.end(), b->begin(), b->end());
  return RestMapper(std::move(all));
}

std::optional<RestMapper> legacy_mapper() {
  auto v1 = testing::read_fixture("discovery/api-v1.json");
  auto apps = testing::read_fixture("discovery/apis-apps-v1.json");
  auto crd = testing::read_fixture("discovery/apis-core.openfeature.dev-v1alpha1.json");
  if (!v1 || !apps || !crd) return std::nullopt;
  std::vector<ApiResource> all;
  for (const std::string* doc : {&*v1, &*apps, &*crd}) {
    auto r = parse_api_resource_list(*doc, true);
    EXPECT_TRUE(r) << r.error().message;
    all.insert(all.end(), r->begin(), r->end());
  }
  return RestMapper(std::move(all));
}

#define MAPPER_OR_SKIP(var, make)                        \
  std::optional<RestMapper> var = make();                \
  if (!var) GTEST_SKIP() << "discovery fixtures absent"

void expect_resolves(const RestMapper& m, const char* typed, const char* group, const char* version,
                     const char* resource, const char* kind, bool namespaced) {
  Result<ApiResource> r = m.resolve(typed);
  ASSERT_TRUE(r) << typed << ": " << r.error().message;
  EXPECT_EQ(r->gvr, (GroupVersionResource{group, version, resource})) << typed;
  EXPECT_EQ(r->kind, kind) << typed;
  EXPECT_EQ(r->namespaced, namespaced) << typed;
}

TEST(RestMapper, ResolvesWhatKubectlUsersTypeFromAggregatedDiscovery) {
  MAPPER_OR_SKIP(m, aggregated_mapper);
  for (const char* t : {"po", "pods", "pod", "Pod", "PODS"}) expect_resolves(*m, t, "", "v1", "pods", "Pod", true);
  for (const char* t : {"deploy", "deployments", "deployment", "Deployment", "deployments.apps", "deploy.apps",
                        "deployments.v1.apps"}) {
    expect_resolves(*m, t, "apps", "v1", "deployments", "Deployment", true);
  }
  expect_resolves(*m, "ns", "", "v1", "namespaces", "Namespace", false);
  expect_resolves(*m, "crd", "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false);
  for (const char* t : {"ffc", "featureflagconfigurations", "FeatureFlagConfiguration",
                        "featureflagconfigurations.core.openfeature.dev",
                        "featureflagconfigurations.v1alpha1.core.openfeature.dev"}) {
    expect_resolves(*m, t, "core.openfeature.dev", "v1alpha1", "featureflagconfigurations", "FeatureFlagConfiguration",
                    true);
  }
}

TEST(RestMapper, PrefersTheGroupsPreferredVersionUnlessOneIsNamed) {
  MAPPER_OR_SKIP(m, aggregated_mapper);
  expect_resolves(*m, "hpa", "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true);
  expect_resolves(*m, "horizontalpodautoscalers.v1.autoscaling", "autoscaling", "v1", "horizontalpodautoscalers",
                  "HorizontalPodAutoscaler", true);
}

TEST(RestMapper, NameInSeveralGroupsResolvesToTheCoreGroupLikeKubectl) {
  MAPPER_OR_SKIP(m, aggregated_mapper);
  expect_resolves(*m, "events", "", "v1", "events", "Event", true);
  expect_resolves(*m, "ev", "", "v1", "events", "Event", true);
  expect_resolves(*m, "events.events.k8s.io", "events.k8s.io", "v1", "events", "Event", true);
}

TEST(RestMapper, UnknownNamesSubresourcesAndAmbiguousShortNamesAreErrors) {
  MAPPER_OR_SKIP(m, aggregated_mapper);
  Result<ApiResource> r = m->resolve("foos");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_not_found());
  EXPECT_EQ(r.error().message, "the server doesn't have a resource type \"foos\"");
  EXPECT_FALSE(m->resolve("deployments.nosuchgroup"));
  EXPECT_FALSE(m->resolve("deployments.v2.apps"));
  EXPECT_FALSE(m->resolve("pods/status"));
  EXPECT_FALSE(m->resolve(""));

  std::vector<ApiResource> rs = m->resources();
  ApiResource a{{"a.example", "v1", "certificates"}, "Certificate", "certificate", true, true, {}, {"cert"}, {}, {}};
  ApiResource b{{"b.example", "v1", "certrequests"}, "CertRequest", "certrequest", true, true, {}, {"cert"}, {}, {}};
  rs.push_back(a);
  rs.push_back(b);
  Result<ApiResource> amb = RestMapper(rs).resolve("cert");
  ASSERT_FALSE(amb);
  EXPECT_EQ(amb.error().message, "short name \"cert\" is ambiguous: certificates.a.example, certrequests.b.example");
}

TEST(RestMapper, LegacyDiscoveryDocumentsResolveTheSame) {
  MAPPER_OR_SKIP(m, legacy_mapper);
  expect_resolves(*m, "po", "", "v1", "pods", "Pod", true);
  expect_resolves(*m, "deploy", "apps", "v1", "deployments", "Deployment", true);
  expect_resolves(*m, "ffc", "core.openfeature.dev", "v1alpha1", "featureflagconfigurations",
                  "FeatureFlagConfiguration", true);
  Result<ApiResource> pods = m->resolve("pods");
  ASSERT_TRUE(pods);
  EXPECT_THAT(pods->subresources, ::testing::IsSupersetOf({"status", "log", "exec"}));
  Result<ApiResource> d = m->resolve("deployments");
  EXPECT_THAT(d->subresources, ::testing::IsSupersetOf({"status", "scale"}));
}

TEST(RestMapper, ResourceForKind) {
  MAPPER_OR_SKIP(m, aggregated_mapper);
  Result<ApiResource> r = m->resource_for({"apps", "", "Deployment"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gvr.resource, "deployments");
  EXPECT_FALSE(m->resource_for({"apps", "v1", "Nope"}));
}

TEST(DiscoveryDocuments, ApiGroupListPutsThePreferredVersionFirst) {
  KUBE_FIXTURE_OR_SKIP(apis, "discovery/apis.json");
  auto groups = parse_api_group_list(apis);
  ASSERT_TRUE(groups);
  auto it = std::find_if(groups->begin(), groups->end(), [](const auto& g) { return g.group == "autoscaling"; });
  ASSERT_NE(it, groups->end());
  EXPECT_EQ(it->versions, (std::vector<std::string>{"v2", "v1"}));
  KUBE_FIXTURE_OR_SKIP(api, "discovery/api.json");
  auto core = parse_api_versions(api);
  ASSERT_TRUE(core);
  EXPECT_EQ((*core)[0].versions, (std::vector<std::string>{"v1"}));
  EXPECT_FALSE(parse_aggregated_discovery(apis));  // an APIGroupList is not aggregated discovery
}

}  // namespace
}  // namespace kube
