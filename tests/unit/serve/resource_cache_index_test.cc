// ResourceCache's indexes: a list with label/field selectors is answered from
// the view's label and field indexes, and must return exactly what a scan of
// the view with LabelSelector::matches and FieldSelector::matches returns, in
// the same order, also after updates move objects between values and after
// deletes.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kube/core/key.h"
#include "src/serve/resource_cache.h"

namespace kube::serve::internal {
namespace {

struct PodSpec {
  std::string ns = {}, name = {};
  int rv = 1;
  std::string app = {};   // "" = no app label
  std::string tier = {};  // "" = no tier label
  std::string node = {};  // "" = unscheduled
  std::string phase = "Running";
};

ObjectPtr pod(const PodSpec& p) {
  std::string labels;
  if (!p.app.empty()) labels += R"("app":")" + p.app + R"(")";
  if (!p.tier.empty()) labels += std::string(labels.empty() ? "" : ",") + R"("tier":")" + p.tier + R"(")";
  std::string spec = p.node.empty() ? "{}" : R"({"nodeName":")" + p.node + R"("})";
  auto o = Object::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + p.name +
                         R"(","namespace":")" + p.ns + R"(","resourceVersion":")" +
                         std::to_string(p.rv) + R"(","labels":{)" + labels + R"(}},"spec":)" +
                         spec + R"(,"status":{"phase":")" + p.phase + R"("}})");
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

ResourceCache make_pods_cache() {
  // No informer: the field indexes come from the factory's defaults for pods.
  return ResourceCache(
      ServedResource{.informer = {{{"", "v1", "pods"}, true}, nullptr}, .kind = "Pod"}, 1000);
}

std::vector<std::string> keys(const std::vector<ObjectPtr>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.push_back(object_key(*o));
  return out;
}

// What the server answered before the indexes: the namespace's range,
// filtered object by object.
std::vector<std::string> brute_force(const ResourceCache& c, std::string_view ns,
                                     const FieldSelector& f, const LabelSelector& l) {
  std::vector<ObjectPtr> out;
  for (const auto& o : c.list(ns).items) {
    if (l.matches(*o) && f.matches(*o)) out.push_back(o);
  }
  return keys(out);
}

const std::vector<std::pair<std::string, std::string>>& selectors() {
  // {labelSelector, fieldSelector}
  static const std::vector<std::pair<std::string, std::string>> s = {
      {"", ""},
      {"app=web", ""},
      {"app==api", ""},
      {"app=nope", ""},
      {"app in (web,db)", ""},
      {"app!=web", ""},
      {"app notin (web,api)", ""},
      {"tier", ""},
      {"!tier", ""},
      {"app=web,tier=edge", ""},
      {"app in (web,api),tier!=edge", ""},
      {"", "spec.nodeName=node-1"},
      {"", "spec.nodeName=="},
      {"", "spec.nodeName!=node-1"},
      {"", "status.phase=Pending"},
      {"", "metadata.name=p3"},
      {"", "metadata.namespace=a"},
      {"", "metadata.namespace!=a"},
      {"", "spec.nodeName=node-1,status.phase!=Pending"},
      {"app=web", "spec.nodeName=node-0"},
      {"app in (web,db)", "spec.nodeName!=node-0,metadata.name!=p4"},
      {"tier", "metadata.name=p7"},
  };
  return s;
}

void expect_indexed_equals_brute_force(const ResourceCache& c, const std::string& when) {
  for (std::string ns : {"", "a", "a-b", "b", "none"}) {
    for (const auto& [ltext, ftext] : selectors()) {
      auto l = LabelSelector::parse(ltext);
      auto f = FieldSelector::parse(ftext);
      ASSERT_TRUE(l && f) << ltext << " / " << ftext;
      EXPECT_EQ(keys(c.list(ns, *f, *l).items), brute_force(c, ns, *f, *l))
          << when << ": namespace \"" << ns << "\" labelSelector \"" << ltext
          << "\" fieldSelector \"" << ftext << "\"";
    }
  }
}

void fill(ResourceCache& c) {
  const char* apps[] = {"web", "api", "db", ""};
  const char* nss[] = {"a", "a-b", "b"};  // "a-b/" sorts before "a/"
  for (int i = 0; i < 24; ++i) {
    c.on_add(pod({.ns = nss[i % 3],
                  .name = "p" + std::to_string(i),
                  .rv = i + 1,
                  .app = apps[i % 4],
                  .tier = i % 5 == 0 ? "edge" : (i % 5 == 1 ? "core" : ""),
                  .node = i % 6 == 0 ? "" : "node-" + std::to_string(i % 2),
                  .phase = i % 7 == 0 ? "Pending" : "Running"}),
             true);
  }
}

TEST(ResourceCacheIndex, SelectorListsEqualAScanInTheSameOrder) {
  auto c = make_pods_cache();
  fill(c);
  expect_indexed_equals_brute_force(c, "initial");
}

TEST(ResourceCacheIndex, EqualityAndInRequirementsNarrowTheCandidates) {
  auto c = make_pods_cache();
  fill(c);
  auto total = c.list("").items.size();
  auto web = LabelSelector::parse("app=web");
  auto on_node = FieldSelector::parse("spec.nodeName=node-1");
  auto everything = FieldSelector::parse("");
  EXPECT_EQ(c.count_candidates("", *everything, *web), 6u);  // p0, p4, ... p20
  EXPECT_EQ(c.count_candidates("", *on_node, *LabelSelector::parse("")), 12u);
  EXPECT_EQ(c.count_candidates("", *FieldSelector::parse("metadata.name=p3"),
                               *LabelSelector::parse("")),
            1u);
  // Neither `!=` nor `notin` nor exists can use an index: a scan.
  EXPECT_EQ(c.count_candidates("", *everything, *LabelSelector::parse("app!=web")), total);
  EXPECT_EQ(c.count_candidates("", *everything, *LabelSelector::parse("tier")), total);
}

TEST(ResourceCacheIndex, UpdatesMoveObjectsBetweenIndexValues) {
  auto c = make_pods_cache();
  fill(c);
  // p0 (a, web, edge, unscheduled, Pending): relabelled, scheduled, running.
  c.on_update(c.get("a", "p0"), pod({.ns = "a", .name = "p0", .rv = 100, .app = "db",
                                     .tier = "", .node = "node-1"}));
  // p1 (a-b, api): loses its app label.
  c.on_update(c.get("a-b", "p1"), pod({.ns = "a-b", .name = "p1", .rv = 101, .app = "",
                                       .tier = "core", .node = "node-0"}));
  // A relist's add for a served key (stamped as a modification).
  c.on_add(pod({.ns = "b", .name = "p2", .rv = 102, .app = "web", .tier = "edge",
                .node = "node-0", .phase = "Pending"}),
           false);
  expect_indexed_equals_brute_force(c, "after updates");
  auto web = *LabelSelector::parse("app=web");
  auto none = *FieldSelector::parse("");
  auto web_keys = keys(c.list("", none, web).items);
  EXPECT_EQ(std::count(web_keys.begin(), web_keys.end(), "a/p0"), 0);
  EXPECT_EQ(std::count(web_keys.begin(), web_keys.end(), "b/p2"), 1);
  // The old value's bucket no longer holds p0: 6 web pods - p0 + p2.
  EXPECT_EQ(c.count_candidates("", none, web), 6u);
}

TEST(ResourceCacheIndex, DeletesLeaveNoStaleKeys) {
  auto c = make_pods_cache();
  fill(c);
  auto web = *LabelSelector::parse("app=web");
  auto none = *FieldSelector::parse("");
  // Every web pod goes: half by their last state, half by tombstones.
  int n = 0;
  for (const auto& o : c.list("", none, web).items) {
    if (n++ % 2 == 0) {
      c.on_delete(o);
    } else {
      c.on_delete(DeletedFinalStateUnknown{object_key(*o), nullptr});
    }
  }
  EXPECT_TRUE(c.list("", none, web).items.empty());
  EXPECT_EQ(c.count_candidates("", none, web), 0u);
  expect_indexed_equals_brute_force(c, "after deletes");
  // Re-adding one under the same key files it again, once.
  c.on_add(pod({.ns = "a", .name = "p0", .rv = 200, .app = "web"}), false);
  EXPECT_EQ(keys(c.list("", none, web).items), std::vector<std::string>{"a/p0"});
  expect_indexed_equals_brute_force(c, "after re-add");
}

TEST(ResourceCacheIndex, ListWithSelectorsIsAtTheViewsResourceVersion) {
  auto c = make_pods_cache();
  fill(c);
  c.on_add(pod({.ns = "a", .name = "late", .rv = 77, .app = "web"}), false);
  auto snap = c.list("a", *FieldSelector::parse(""), *LabelSelector::parse("app=web"));
  EXPECT_EQ(snap.rv, 77u);
  EXPECT_EQ(snap.rv, c.list("").rv);
}

}  // namespace
}  // namespace kube::serve::internal
