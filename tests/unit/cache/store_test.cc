#include "kube/cache/store.h"

#include <algorithm>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/core/key.h"
#include "tests/unit/cache/test_objects.h"

namespace kube::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using testing::make_pod;
using testing::keys_of;
using testing::selector;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Files a pod under each container image listed in label "images" ("a.b").
std::vector<std::string> images_func(const Object& o) {
  std::vector<std::string> out;
  std::string v(o.label("images").value_or(""));
  if (v.empty()) return out;
  for (std::size_t start = 0;;) {
    auto dot = v.find('.', start);
    out.push_back(v.substr(start, dot - start));  // dot == npos: to the end
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

TEST(ThreadSafeStore, AddThenGetReturnsTheSameSharedObject) {
  ThreadSafeStore store;
  ObjectPtr pod = make_pod("demo", "web");
  ASSERT_TRUE(store.add(pod).ok());
  EXPECT_EQ(store.get_by_key("demo/web"), pod);
  EXPECT_EQ(store.get(*make_pod("demo", "web", {}, "9")), pod);
  EXPECT_EQ(store.get_by_key("other/web"), nullptr);
  EXPECT_THAT(store.list_keys(), ElementsAre("demo/web"));
  EXPECT_EQ(store.size(), 1u);
}

TEST(ThreadSafeStore, ClusterScopedObjectsAreKeyedByName) {
  ThreadSafeStore store;
  ASSERT_TRUE(store.add(make_pod("", "node-a")).ok());
  EXPECT_NE(store.get_by_key("node-a"), nullptr);
  EXPECT_THAT(*store.index_keys(kNamespaceIndex, ""), ElementsAre("node-a"));
}

TEST(ThreadSafeStore, AddRejectsAnObjectWithoutNameNamingIt) {
  ThreadSafeStore store;
  auto nameless = Object::parse(R"({"kind":"Pod","metadata":{"namespace":"demo"}})");
  ASSERT_TRUE(nameless.ok());
  auto r = store.add(*nameless);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("metadata.name"));
  EXPECT_EQ(store.size(), 0u);
}

TEST(ThreadSafeStore, UpdateReplacesTheObjectAndRefilesItsIndexes) {
  ThreadSafeStore store;
  ASSERT_TRUE(store.add(make_pod("demo", "web", {{"app", "web"}, {"tier", "a"}})).ok());
  ObjectPtr v2 = make_pod("demo", "web", {{"app", "web"}, {"tier", "b"}}, "2");
  ASSERT_TRUE(store.update(v2).ok());
  EXPECT_EQ(store.get_by_key("demo/web"), v2);
  EXPECT_THAT(store.list(selector("tier=a")), IsEmpty());
  EXPECT_THAT(store.list(selector("tier=b")), ElementsAre(v2));
  EXPECT_EQ(store.size(), 1u);
}

TEST(ThreadSafeStore, ExchangeReturnsTheObjectItReplacedOrNullForANewKey) {
  ThreadSafeStore store;
  ObjectPtr v1 = make_pod("demo", "web", {{"app", "web"}}, "1");
  auto first = store.exchange(v1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, nullptr);
  ObjectPtr v2 = make_pod("demo", "web", {{"app", "web"}}, "2");
  auto second = store.exchange(v2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, v1);
  EXPECT_EQ(store.get_by_key("demo/web"), v2);
  EXPECT_EQ(store.resource_version(), "2");
  auto nameless = Object::parse(R"({"kind":"Pod","metadata":{"namespace":"demo"}})");
  ASSERT_TRUE(nameless.ok());
  auto bad = store.exchange(*nameless);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("metadata.name"));
}

// An update refiles only the indexes whose values changed; every index must
// still give the newest object, and no index may keep a value nobody has.
TEST(ThreadSafeStore, UpdatesKeepEveryIndexExactWhetherOrNotTheirValuesChanged) {
  ThreadSafeStore store({{"images", images_func}});
  ASSERT_TRUE(store.add(make_pod("demo", "web", {{"app", "web"}, {"images", "nginx.envoy"}})).ok());
  ObjectPtr same = make_pod("demo", "web", {{"app", "web"}, {"images", "nginx.envoy"}}, "2");
  ASSERT_TRUE(store.update(same).ok());
  EXPECT_THAT(store.list(selector("app=web")), ElementsAre(same));
  EXPECT_THAT(*store.by_index("images", "envoy"), ElementsAre(same));
  EXPECT_THAT(*store.by_index(kNamespaceIndex, "demo"), ElementsAre(same));

  ObjectPtr fewer = make_pod("demo", "web", {{"images", "nginx"}}, "3");
  ASSERT_TRUE(store.update(fewer).ok());
  EXPECT_THAT(store.list(selector("app=web")), IsEmpty());
  EXPECT_THAT(store.list(selector("app")), IsEmpty());
  EXPECT_THAT(*store.by_index("images", "envoy"), IsEmpty());
  EXPECT_THAT(store.list_index_func_values("images"), ElementsAre("nginx"));
  EXPECT_THAT(store.list(selector("images=nginx")), ElementsAre(fewer));
  EXPECT_THAT(*store.by_index(kNamespaceIndex, "demo"), ElementsAre(fewer));
}

TEST(ThreadSafeStore, DeleteRemovesTheObjectFromItemsAndEveryIndex) {
  ThreadSafeStore store({{"images", images_func}});
  ObjectPtr pod = make_pod("demo", "web", {{"app", "web"}, {"images", "nginx.envoy"}});
  ASSERT_TRUE(store.add(pod).ok());
  ASSERT_TRUE(store.delete_(*pod).ok());
  EXPECT_EQ(store.get_by_key("demo/web"), nullptr);
  EXPECT_THAT(*store.by_index(kNamespaceIndex, "demo"), IsEmpty());
  EXPECT_THAT(store.list_index_func_values("images"), IsEmpty());
  EXPECT_THAT(store.list_index_func_values(kNamespaceIndex), IsEmpty());
  EXPECT_THAT(store.list(selector("app=web")), IsEmpty());
}

TEST(ThreadSafeStore, DeleteOfAnAbsentKeyIsNotAnError) {
  ThreadSafeStore store;
  EXPECT_TRUE(store.delete_(*make_pod("demo", "ghost")).ok());
  store.delete_by_key("demo/ghost");
  EXPECT_EQ(store.size(), 0u);
}

TEST(ThreadSafeStore, ReplaceSwapsTheWholeContentAndRecordsTheResourceVersion) {
  ThreadSafeStore store;
  ASSERT_TRUE(store.add(make_pod("a", "old", {{"app", "old"}}, "5")).ok());
  ObjectPtr n1 = make_pod("b", "new1", {{"app", "new"}});
  ObjectPtr n2 = make_pod("b", "new2", {{"app", "new"}});
  ASSERT_TRUE(store.replace({n1, n2}, "100").ok());
  EXPECT_THAT(keys_of(store.list()), ElementsAre("b/new1", "b/new2"));
  EXPECT_EQ(store.resource_version(), "100");
  EXPECT_THAT(*store.by_index(kNamespaceIndex, "a"), IsEmpty());
  EXPECT_THAT(store.list(selector("app=old")), IsEmpty());
  EXPECT_THAT(store.list(selector("app=new")), UnorderedElementsAre(n1, n2));
}

// A list that names a key twice keeps the last object, and the first one's
// labels and index values do not stay behind.
TEST(ThreadSafeStore, ReplaceWithAKeyListedTwiceKeepsTheLastAndOnlyItsIndexValues) {
  ThreadSafeStore store({{"images", images_func}});
  ObjectPtr first = make_pod("a", "x", {{"tier", "a"}, {"images", "nginx"}}, "1");
  ObjectPtr last = make_pod("a", "x", {{"tier", "b"}, {"images", "envoy"}}, "2");
  ASSERT_TRUE(store.replace({first, last}, "2").ok());
  EXPECT_THAT(store.list(), ElementsAre(last));
  EXPECT_THAT(store.list(selector("tier=a")), IsEmpty());
  EXPECT_THAT(store.list(selector("tier=b")), ElementsAre(last));
  EXPECT_THAT(store.list_index_func_values("images"), ElementsAre("envoy"));
}

TEST(ThreadSafeStore, ReplaceWithANamelessObjectChangesNothing) {
  ThreadSafeStore store;
  ObjectPtr kept = make_pod("a", "kept");
  ASSERT_TRUE(store.replace({kept}, "1").ok());
  auto nameless = Object::parse(R"({"kind":"Pod","metadata":{}})");
  ASSERT_TRUE(nameless.ok());
  EXPECT_FALSE(store.replace({make_pod("a", "x"), *nameless}, "2").ok());
  EXPECT_THAT(store.list(), ElementsAre(kept));
  EXPECT_EQ(store.resource_version(), "1");
}

TEST(ThreadSafeStore, ResourceVersionFollowsTheLastWrite) {
  ThreadSafeStore store;
  EXPECT_EQ(store.resource_version(), "");
  ASSERT_TRUE(store.replace({make_pod("a", "x", {}, "3")}, "10").ok());
  EXPECT_EQ(store.resource_version(), "10");
  ASSERT_TRUE(store.add(make_pod("a", "y", {}, "11")).ok());
  EXPECT_EQ(store.resource_version(), "11");
  ASSERT_TRUE(store.delete_(*make_pod("a", "x", {}, "12")).ok());
  EXPECT_EQ(store.resource_version(), "12");
}

TEST(ThreadSafeStore, NamespaceIndexIsBuiltIn) {
  ThreadSafeStore store;
  ObjectPtr a1 = make_pod("a", "1"), a2 = make_pod("a", "2"), b1 = make_pod("b", "1");
  for (const auto& p : {a1, a2, b1}) ASSERT_TRUE(store.add(p).ok());
  EXPECT_THAT(store.index_names(), ElementsAre("namespace"));
  EXPECT_THAT(*store.by_index(kNamespaceIndex, "a"), UnorderedElementsAre(a1, a2));
  EXPECT_THAT(sorted(*store.index_keys(kNamespaceIndex, "b")), ElementsAre("b/1"));
  EXPECT_THAT(sorted(store.list_index_func_values(kNamespaceIndex)), ElementsAre("a", "b"));
  EXPECT_THAT(*store.index(kNamespaceIndex, *make_pod("a", "zzz")), UnorderedElementsAre(a1, a2));
}

TEST(ThreadSafeStore, AnIndexFuncMayFileOneObjectUnderManyValues) {
  ThreadSafeStore store({{"images", images_func}});
  ObjectPtr p1 = make_pod("a", "1", {{"images", "nginx.envoy"}});
  ObjectPtr p2 = make_pod("a", "2", {{"images", "envoy"}});
  ObjectPtr p3 = make_pod("a", "3", {{"images", "redis"}});
  ObjectPtr p4 = make_pod("a", "4");  // filed under no value
  for (const auto& p : {p1, p2, p3, p4}) ASSERT_TRUE(store.add(p).ok());
  EXPECT_THAT(*store.by_index("images", "envoy"), UnorderedElementsAre(p1, p2));
  EXPECT_THAT(*store.by_index("images", "nginx"), ElementsAre(p1));
  EXPECT_THAT(sorted(store.list_index_func_values("images")), ElementsAre("envoy", "nginx", "redis"));
  // index(): objects sharing any value, each once.
  EXPECT_THAT(*store.index("images", *make_pod("x", "q", {{"images", "nginx.envoy.redis"}})),
              UnorderedElementsAre(p1, p2, p3));
}

TEST(ThreadSafeStore, AddIndexersAfterDataIsPresentIndexesTheExistingItems) {
  ThreadSafeStore store;
  ObjectPtr p1 = make_pod("a", "1", {{"images", "nginx"}});
  ASSERT_TRUE(store.add(p1).ok());
  ASSERT_TRUE(store.add_indexers({{"images", images_func}}).ok());
  EXPECT_THAT(*store.by_index("images", "nginx"), ElementsAre(p1));
  ObjectPtr p2 = make_pod("a", "2", {{"images", "nginx"}});
  ASSERT_TRUE(store.add(p2).ok());
  EXPECT_THAT(*store.by_index("images", "nginx"), UnorderedElementsAre(p1, p2));
}

TEST(ThreadSafeStore, AddIndexersRejectsANameThatExistsAndAddsNone) {
  ThreadSafeStore store({{"images", images_func}});
  auto r = store.add_indexers({{"zeta", images_func}, {"images", images_func}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("\"images\" already exists"));
  EXPECT_FALSE(store.add_indexers({{std::string(kNamespaceIndex), namespace_index_func}}).ok());
  EXPECT_THAT(store.index_names(), ElementsAre("images", "namespace"));
}

TEST(ThreadSafeStore, UnknownIndexIsANotFoundErrorNamingIt) {
  ThreadSafeStore store;
  auto r = store.by_index("nodes", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is_not_found());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("\"nodes\""));
  EXPECT_FALSE(store.index_keys("nodes", "x").ok());
  EXPECT_FALSE(store.index("nodes", *make_pod("a", "b")).ok());
  EXPECT_THAT(store.list_index_func_values("nodes"), IsEmpty());
}

// A store of pods with varied labels, for comparing indexed lists with a scan.
class SelectorListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    const char* apps[] = {"web", "db", "cache", "batch"};
    const char* tiers[] = {"frontend", "backend", "edge"};
    for (int i = 0; i < 400; ++i) {
      std::map<std::string, std::string> labels{{"app", apps[rng() % 4]}};
      if (rng() % 3 != 0) labels["tier"] = tiers[rng() % 3];
      if (rng() % 5 == 0) labels["canary"] = "true";
      labels["shard"] = std::to_string(rng() % 20);
      ObjectPtr p = make_pod("ns" + std::to_string(i % 7), "pod-" + std::to_string(i), labels);
      all.push_back(p);
      ASSERT_TRUE(store.add(p).ok());
    }
  }
  std::vector<ObjectPtr> scan(const LabelSelector& sel, const std::string* ns = nullptr) const {
    std::vector<ObjectPtr> out;
    for (const auto& p : all) {
      if ((ns == nullptr || p->namespace_() == *ns) && sel.matches(*p)) out.push_back(p);
    }
    return out;
  }
  ThreadSafeStore store;
  std::vector<ObjectPtr> all;
};

TEST_F(SelectorListTest, ListBySelectorReturnsExactlyWhatAScanMatches) {
  for (const char* text : {"app=web", "app in (web,db),tier=edge", "tier notin (edge)", "canary",
                           "!canary,app=batch", "app=web,shard=3", "app!=web", "app=nope",
                           "tier in (frontend,backend),!canary,shard in (1,2,3)", "shard>10"}) {
    LabelSelector sel = selector(text);
    EXPECT_THAT(store.list(sel), UnorderedElementsAreArray(scan(sel))) << text;
    std::string ns = "ns3";
    EXPECT_THAT(store.list(ns, sel), UnorderedElementsAreArray(scan(sel, &ns))) << text;
  }
}

TEST_F(SelectorListTest, EmptySelectorListsEverythingOrTheWholeNamespace) {
  EXPECT_EQ(store.list(LabelSelector{}).size(), all.size());
  std::string ns = "ns2";
  EXPECT_THAT(store.list(ns, LabelSelector{}), UnorderedElementsAreArray(scan(LabelSelector{}, &ns)));
  EXPECT_THAT(store.list("no-such-ns", LabelSelector{}), IsEmpty());
}

TEST_F(SelectorListTest, EqualityAndInRequirementsWalkOnlyTheMostSelectiveCandidates) {
  LabelSelector sel = selector("app=web,shard=3");
  std::size_t shard3 = scan(selector("shard=3")).size();
  std::size_t web = scan(selector("app=web")).size();
  EXPECT_EQ(store.count_candidates(std::nullopt, sel), std::min(shard3, web));
  EXPECT_LT(store.count_candidates(std::nullopt, sel), all.size() / 10);
  std::size_t in = scan(selector("shard in (1,2)")).size();
  EXPECT_EQ(store.count_candidates(std::nullopt, selector("shard in (1,2),canary")), in);
  // The namespace's set is used when it is smaller than any label set.
  std::string ns = "ns4";
  std::size_t in_ns = scan(LabelSelector{}, &ns).size();
  EXPECT_EQ(store.count_candidates(ns, selector("app in (web,db,cache)")), in_ns);
  // Selectors without `=` or `in` scan.
  EXPECT_EQ(store.count_candidates(std::nullopt, selector("canary,app!=web")), all.size());
  EXPECT_EQ(store.count_candidates(std::nullopt, selector("app=nope")), 0u);
}

}  // namespace
}  // namespace kube::cache
