// Field indexes (kube/cache/index.h) and ThreadSafeStore::list(namespace,
// fields, labels): the indexed answer must equal a scan with
// FieldSelector::matches and LabelSelector::matches, for every selector.
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/cache/index.h"
#include "kube/cache/store.h"
#include "kube/core/key.h"
#include "tests/unit/cache/test_objects.h"

namespace kube::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::keys_of;
using testing::selector;

FieldSelector fields(const std::string& text) {
  auto s = FieldSelector::parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : FieldSelector{};
}

// A pod; a null node / phase leaves the field out, "null" writes JSON null.
ObjectPtr pod(const std::string& ns, const std::string& name, std::optional<std::string> node,
              std::optional<std::string> phase, const std::string& app = "web", int priority = 0) {
  boost::json::object meta{{"name", name}, {"labels", boost::json::object{{"app", app}}}};
  if (!ns.empty()) meta["namespace"] = ns;
  boost::json::object spec{{"priority", priority}};
  if (node)
    spec["nodeName"] = *node == "null" ? boost::json::value(nullptr) : boost::json::value(*node);
  boost::json::object status;
  if (phase) status["phase"] = *phase;
  boost::json::value v{{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", std::move(meta)},
                       {"spec", std::move(spec)},
                       {"status", status}};
  auto r = Object::from_value(v);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

Indexers pod_field_indexes() {
  return {field_indexer("spec.nodeName"), field_indexer("status.phase"),
          field_indexer("spec.priority")};
}

TEST(FieldIndex, IsNamedAfterItsPathAndFilesTheFieldSelectorValue) {
  EXPECT_EQ(field_index_name("spec.nodeName"), "field:spec.nodeName");
  auto [name, func] = field_indexer("spec.nodeName");
  EXPECT_EQ(name, "field:spec.nodeName");
  EXPECT_THAT(func(*pod("demo", "a", "node-1", "Running")), ElementsAre("node-1"));
  // A missing field, and JSON null, are "" (FieldSelector::matches compares
  // them as ""), so every object is filed exactly once.
  EXPECT_THAT(func(*pod("demo", "b", std::nullopt, "Pending")), ElementsAre(""));
  EXPECT_THAT(func(*pod("demo", "c", "null", "Pending")), ElementsAre(""));
  // Numbers are filed as printed, as field selectors compare them.
  EXPECT_THAT(field_index_func("spec.priority")(*pod("demo", "d", "n", "x", "web", 42)),
              ElementsAre("42"));
}

TEST(FieldIndex, AddIndexersTakesFieldIndexers) {
  ThreadSafeStore store;
  ASSERT_TRUE(store.add(pod("demo", "a", "node-1", "Running")).ok());
  ASSERT_TRUE(store.add_indexers({field_indexer("spec.nodeName")}).ok());
  EXPECT_THAT(keys_of(*store.by_index(field_index_name("spec.nodeName"), "node-1")),
              ElementsAre("demo/a"));
}

// Random pods over few values, so that every selector matches some and
// misses some; some pods lack the indexed fields, some are cluster-scoped.
class FieldListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    const std::vector<std::optional<std::string>> nodes = {"node-0",     "node-1", "node-2",
                                                           std::nullopt, "null",   ""};
    const std::vector<std::optional<std::string>> phases = {"Running", "Pending", "Succeeded",
                                                            std::nullopt};
    const std::vector<std::string> namespaces = {"ns-0", "ns-1", "ns-2", ""};
    const std::vector<std::string> apps = {"web", "db"};
    for (int i = 0; i < 600; ++i) {
      auto p = pod(namespaces[rng() % namespaces.size()], "p" + std::to_string(i % 200),
                   nodes[rng() % nodes.size()], phases[rng() % phases.size()],
                   apps[rng() % apps.size()], static_cast<int>(rng() % 3));
      ASSERT_TRUE(store.add(p).ok());
    }
    ASSERT_TRUE(store.add(pod("ns-1", "p7", "node-1", "Running")).ok());
  }

  std::vector<std::string> scan(std::optional<std::string_view> ns, const FieldSelector& fs,
                                const LabelSelector& ls) const {
    std::vector<ObjectPtr> out;
    for (const ObjectPtr& o : store.list()) {
      if (ns && o->namespace_() != *ns) continue;
      if (fs.matches(*o) && ls.matches(*o)) out.push_back(o);
    }
    return keys_of(out);
  }

  ThreadSafeStore store{pod_field_indexes()};
};

TEST_F(FieldListTest, IndexedListReturnsExactlyWhatAScanMatches) {
  const std::vector<std::string> field_texts = {
      "",
      "spec.nodeName=node-1",
      "spec.nodeName==node-2,status.phase=Running",
      "spec.nodeName=",  // missing, null and "" alike
      "spec.nodeName!=node-1",
      "spec.nodeName!=",
      "spec.nodeName=node-0,spec.nodeName!=node-0",
      "spec.nodeName=node-0,spec.nodeName=node-1",
      "status.phase=Pending,spec.nodeName!=node-2",
      "status.phase!=Succeeded",
      "spec.nodeName=no-such-node",
      "spec.priority=2",
      "spec.schedulerName=",  // no index: scan; missing everywhere so all match
      "spec.schedulerName=x",
      "metadata.namespace=ns-1",
      "metadata.namespace=",  // cluster-scoped
      "metadata.namespace!=ns-1,spec.nodeName=node-0",
      "metadata.name=p7",
      "metadata.name=p7,metadata.namespace=ns-2",
      "metadata.name=p7,metadata.namespace=ns-2,metadata.namespace=ns-1",
      "metadata.name!=p7,metadata.namespace=ns-0",
      "metadata.name=p7,spec.nodeName=node-1",
  };
  const std::vector<std::string> label_texts = {"", "app=web", "app!=db", "app in (db)"};
  const std::vector<std::optional<std::string_view>> namespaces = {std::nullopt, "ns-0", "ns-2", "",
                                                                   "no-such-ns"};
  int nonempty = 0;
  for (const auto& ft : field_texts) {
    for (const auto& lt : label_texts) {
      for (const auto& ns : namespaces) {
        FieldSelector fs = fields(ft);
        LabelSelector ls = selector(lt);
        std::vector<std::string> want = scan(ns, fs, ls);
        nonempty += want.empty() ? 0 : 1;
        EXPECT_EQ(keys_of(store.list(ns, fs, ls)), want)
            << "fields '" << ft << "' labels '" << lt << "' namespace " << (ns ? *ns : "(all)");
      }
    }
  }
  EXPECT_GT(nonempty, 150);  // the selectors do select
}

TEST_F(FieldListTest, EqualityOnAnIndexedFieldWalksOnlyThatBucket) {
  std::size_t on_node1 = scan(std::nullopt, fields("spec.nodeName=node-1"), {}).size();
  std::size_t running = scan(std::nullopt, fields("status.phase=Running"), {}).size();
  ASSERT_GT(on_node1, 0u);
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.nodeName=node-1"), {}), on_node1);
  // The smallest bucket of the field and label requirements is walked.
  EXPECT_EQ(
      store.count_candidates(std::nullopt, fields("spec.nodeName=node-1,status.phase=Running"), {}),
      std::min(on_node1, running));
  std::size_t in_ns1 = scan("ns-1", {}, {}).size();
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("metadata.namespace=ns-1"), {}), in_ns1);
  EXPECT_EQ(store.count_candidates("ns-1", fields("metadata.name=p7"), {}), 1u);
  EXPECT_EQ(store.count_candidates("ns-1", fields("metadata.name=nope"), {}), 0u);
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.nodeName=nope"), selector("app=web")),
            0u);
  // `!=`, fields without an index and metadata.name without a namespace scan.
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.nodeName!=node-1"), {}),
            store.size());
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.schedulerName=x"), {}), store.size());
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("metadata.name=p7"), {}), store.size());
}

TEST_F(FieldListTest, MetadataNameWithoutANamespaceUsesItsFieldIndexWhenThereIsOne) {
  std::size_t named_p7 = scan(std::nullopt, fields("metadata.name=p7"), {}).size();
  ASSERT_GT(named_p7, 1u);  // in several namespaces
  ASSERT_TRUE(store.add_indexers({field_indexer("metadata.name")}).ok());
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("metadata.name=p7"), {}), named_p7);
  EXPECT_EQ(keys_of(store.list(std::nullopt, fields("metadata.name=p7"), selector("app=web"))),
            scan(std::nullopt, fields("metadata.name=p7"), selector("app=web")));
  EXPECT_EQ(store.count_candidates("ns-1", fields("metadata.name=p7"), {}), 1u);  // still a key
}

TEST(FieldIndex, UpdateAndDeleteRefileTheObject) {
  ThreadSafeStore store(pod_field_indexes());
  ASSERT_TRUE(store.add(pod("demo", "a", std::nullopt, "Pending")).ok());
  EXPECT_THAT(keys_of(store.list(std::nullopt, fields("spec.nodeName="), {})),
              ElementsAre("demo/a"));
  ASSERT_TRUE(store.update(pod("demo", "a", "node-1", "Running")).ok());  // scheduled, started
  EXPECT_THAT(store.list(std::nullopt, fields("spec.nodeName="), {}), IsEmpty());
  EXPECT_THAT(store.list_index_func_values(field_index_name("spec.nodeName")),
              ElementsAre("node-1"));
  EXPECT_THAT(keys_of(store.list("demo", fields("spec.nodeName=node-1,status.phase=Running"), {})),
              ElementsAre("demo/a"));
  ASSERT_TRUE(store.delete_(*pod("demo", "a", std::nullopt, std::nullopt)).ok());
  EXPECT_THAT(store.list(std::nullopt, fields("spec.nodeName=node-1"), {}), IsEmpty());
  EXPECT_THAT(store.list_index_func_values(field_index_name("spec.nodeName")), IsEmpty());
}

}  // namespace
}  // namespace kube::cache
