// Lister and NamespaceLister: label and field selector lists over an
// indexer, answered from the indexes and equal to what the selectors match.
#include "kube/informers/lister.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/cache/index.h"
#include "kube/core/key.h"

namespace kube::informers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ObjectPtr pod(const std::string& ns, const std::string& name, const std::string& node,
              const std::string& phase, const std::string& app) {
  boost::json::object spec;
  if (!node.empty()) spec["nodeName"] = node;
  boost::json::value v{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", app}}}}},
      {"spec", std::move(spec)},
      {"status", {{"phase", phase}}}};
  auto r = Object::from_value(v);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

FieldSelector fields(const std::string& text) {
  auto s = FieldSelector::parse(text);
  EXPECT_TRUE(s.ok()) << text;
  return s.ok() ? *s : FieldSelector{};
}

LabelSelector labels(const std::string& text) {
  auto s = LabelSelector::parse(text);
  EXPECT_TRUE(s.ok()) << text;
  return s.ok() ? *s : LabelSelector{};
}

std::vector<std::string> keys_of(const std::vector<ObjectPtr>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.push_back(object_key(*o));
  std::sort(out.begin(), out.end());
  return out;
}

class ListerTest : public ::testing::TestWithParam<bool> {
 protected:
  // With the pod field indexes (GetParam()) or without: same answers.
  void SetUp() override {
    if (GetParam()) {
      ASSERT_TRUE(store
                      .add_indexers({cache::field_indexer("spec.nodeName"),
                                     cache::field_indexer("status.phase")})
                      .ok());
    }
    for (const auto& p :
         {pod("a", "web-1", "node-1", "Running", "web"),
          pod("a", "web-2", "node-2", "Running", "web"), pod("a", "db-1", "node-1", "Failed", "db"),
          pod("b", "web-1", "node-1", "Running", "web"), pod("b", "web-3", "", "Pending", "web")}) {
      ASSERT_TRUE(store.add(p).ok());
    }
  }
  cache::ThreadSafeStore store;
  Lister pods{store, "pods"};
};

TEST_P(ListerTest, ListByFieldSelectorAcrossNamespaces) {
  EXPECT_THAT(keys_of(pods.list(fields("spec.nodeName=node-1"))),
              ElementsAre("a/db-1", "a/web-1", "b/web-1"));
  EXPECT_THAT(keys_of(pods.list(fields("spec.nodeName=node-1,status.phase!=Failed"))),
              ElementsAre("a/web-1", "b/web-1"));
  EXPECT_THAT(keys_of(pods.list(fields("spec.nodeName="))), ElementsAre("b/web-3"));  // unscheduled
  EXPECT_THAT(keys_of(pods.list(fields("metadata.namespace=b"))),
              ElementsAre("b/web-1", "b/web-3"));
  EXPECT_THAT(keys_of(pods.list(fields("metadata.name=web-1"))), ElementsAre("a/web-1", "b/web-1"));
  EXPECT_THAT(pods.list(fields("spec.nodeName=node-9")), IsEmpty());
}

TEST_P(ListerTest, ListByFieldAndLabelSelectorInANamespace) {
  NamespaceLister in_a = pods.namespace_("a");
  EXPECT_THAT(keys_of(in_a.list(fields("spec.nodeName=node-1"))), ElementsAre("a/db-1", "a/web-1"));
  EXPECT_THAT(keys_of(in_a.list(fields("spec.nodeName=node-1"), labels("app=web"))),
              ElementsAre("a/web-1"));
  EXPECT_THAT(keys_of(in_a.list(fields("status.phase=Running"), labels("app!=web"))), IsEmpty());
  EXPECT_THAT(keys_of(in_a.list(fields("metadata.name=web-2"))), ElementsAre("a/web-2"));
  EXPECT_THAT(in_a.list(fields("metadata.namespace=b")), IsEmpty());
  // The label-only and empty forms still work.
  EXPECT_EQ(in_a.list().size(), 3u);
  EXPECT_THAT(keys_of(in_a.list(labels("app=db"))), ElementsAre("a/db-1"));
  EXPECT_EQ(pods.list(FieldSelector{}).size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutFieldIndexes, ListerTest, ::testing::Bool());

TEST(Lister, FieldSelectorListWalksTheFieldIndexBucket) {
  cache::ThreadSafeStore store({cache::field_indexer("spec.nodeName")});
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store
                    .add(pod("a", "p" + std::to_string(i), "node-" + std::to_string(i % 10),
                             "Running", "web"))
                    .ok());
  }
  EXPECT_EQ(Lister(store).list(fields("spec.nodeName=node-3")).size(), 10u);
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.nodeName=node-3"), {}), 10u);
}

}  // namespace
}  // namespace kube::informers
