// ResourceCache: the served view and its change history (src/serve), the
// part of the cache service that decides what a list and a watch from a
// resourceVersion see.
#include "src/serve/resource_cache.h"

#include <gtest/gtest.h>

#include "tests/unit/serve/resource_cache_support.h"

namespace kube::serve::internal {
namespace {

using test_support::cm;
using test_support::make;
using test_support::names;

TEST(ResourceCache, ListsOneNamespaceAsARangeSortedAsEtcdKeys) {
  auto c = make();
  c.on_add(cm("b", "x", 3), true);
  c.on_add(cm("a", "z", 5), true);
  c.on_add(cm("a", "y", 4), true);
  c.on_add(cm("a-b", "w", 2), true);  // "a-b/" sorts before "a/", as in etcd
  EXPECT_EQ(names(c.list("").items), (std::vector<std::string>{"w", "y", "z", "x"}));
  EXPECT_EQ(names(c.list("a").items), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(c.list("").rv, 5u);  // the highest resourceVersion seen
  EXPECT_EQ(c.get("a", "y")->resource_version(), "4");
  EXPECT_EQ(c.get("a", "nope"), nullptr);
}

TEST(ResourceCache, AWatchFromAListsResourceVersionGetsExactlyTheLaterChanges) {
  auto c = make();
  c.on_add(cm("a", "x", 10), true);
  auto list = c.list("");
  c.on_add(cm("a", "y", 11), false);
  c.on_update(cm("a", "x", 10), cm("a", "x", 12));
  c.on_delete(cm("a", "y", 13));
  auto w = c.start_watch(list.rv, false, [] {});
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->initial.empty());
  auto b = c.read(w->next_seq, 100);
  ASSERT_EQ(b.changes.size(), 3u);
  EXPECT_EQ(b.changes[0].type, ChangeType::kAdded);
  EXPECT_EQ(b.changes[1].type, ChangeType::kModified);
  EXPECT_EQ(b.changes[1].prev->resource_version(), "10");
  EXPECT_EQ(b.changes[2].type, ChangeType::kDeleted);
  EXPECT_EQ(b.rv, 13u);
  // From the middle: only what came after.
  auto mid = c.start_watch(11, false, [] {});
  ASSERT_TRUE(mid);
  EXPECT_EQ(c.read(mid->next_seq, 100).changes.size(), 2u);
}

TEST(ResourceCache, WithoutAResourceVersionAWatchStartsFromTheCurrentState) {
  auto c = make();
  c.on_add(cm("a", "x", 10), true);
  c.on_add(cm("a", "y", 11), false);
  auto w = c.start_watch(std::nullopt, false, [] {});
  ASSERT_TRUE(w);
  EXPECT_EQ(names(w->initial), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(w->rv, 11u);
  EXPECT_TRUE(c.read(w->next_seq, 100).changes.empty());
  c.on_add(cm("a", "z", 12), false);
  EXPECT_EQ(c.read(w->next_seq, 100).changes.size(), 1u);
}

TEST(ResourceCache, AResourceVersionOlderThanTheHistoryIsExpired) {
  auto c = make(/*history=*/2);
  c.on_add(cm("a", "x", 10), true);
  EXPECT_EQ(c.start_watch(9, false, [] {}).error().code, 410);  // before the initial state
  EXPECT_TRUE(c.start_watch(10, false, [] {}));
  for (int rv = 11; rv <= 14; ++rv) c.on_update(cm("a", "x", rv - 1), cm("a", "x", rv));
  auto old = c.start_watch(11, false, [] {});
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, 410);
  EXPECT_EQ(old.error().reason, "Expired");
  EXPECT_EQ(old.error().message, "too old resource version: 11 (12)");
  auto kept = c.start_watch(12, false, [] {});
  ASSERT_TRUE(kept);
  EXPECT_EQ(c.read(kept->next_seq, 100).changes.size(), 2u);  // 13 and 14
}

TEST(ResourceCache, AWatchThatFellBehindTheHistoryIsOverrun) {
  auto c = make(/*history=*/2);
  c.on_add(cm("a", "x", 10), true);
  auto w = c.start_watch(10, false, [] {});
  ASSERT_TRUE(w);
  for (int rv = 11; rv <= 14; ++rv) c.on_update(cm("a", "x", rv - 1), cm("a", "x", rv));
  EXPECT_TRUE(c.read(w->next_seq, 100).overrun);
}

TEST(ResourceCache, EveryChangeWakesEveryWatchUntilItEnds) {
  auto c = make();
  int woken = 0;
  auto w = c.start_watch(std::nullopt, false, [&] { ++woken; });
  ASSERT_TRUE(w);
  c.on_add(cm("a", "x", 1), false);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(c.stats().watches, 1u);
  c.end_watch(w->id);
  c.on_add(cm("a", "y", 2), false);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(c.stats().watches, 0u);
}

TEST(ResourceCache, ResyncsAreNotChangesAndARelistAddOfAKnownKeyIsAModification) {
  auto c = make();
  auto x = cm("a", "x", 10);
  c.on_add(x, true);
  c.on_update(x, x);                  // a periodic resync
  c.on_add(cm("a", "x", 12), false);  // a relist found it changed
  auto w = c.start_watch(10, false, [] {});
  ASSERT_TRUE(w);
  auto b = c.read(w->next_seq, 100);
  ASSERT_EQ(b.changes.size(), 1u);
  EXPECT_EQ(b.changes[0].type, ChangeType::kModified);
  EXPECT_EQ(c.stats().modified, 1u);
}

TEST(ResourceCache, ATombstoneDeletesTheServedObjectAndAnUnknownKeyIsIgnored) {
  auto c = make(100, [] { return std::string("15"); });  // the informer relisted at 15
  c.on_add(cm("a", "x", 10), true);
  c.on_delete(DeletedFinalStateUnknown{"a/x", nullptr});
  c.on_delete(DeletedFinalStateUnknown{"a/never", nullptr});
  EXPECT_TRUE(c.list("").items.empty());
  auto w = c.start_watch(10, false, [] {});
  ASSERT_TRUE(w);
  auto b = c.read(w->next_seq, 100);
  ASSERT_EQ(b.changes.size(), 1u);  // the tombstone carries the last state served
  EXPECT_EQ(b.changes[0].type, ChangeType::kDeleted);
  EXPECT_EQ(b.changes[0].object->name(), "x");
  EXPECT_EQ(b.changes[0].rv, 15u);  // past the list a client may hold (10)
  EXPECT_EQ(c.list("").rv, 15u);
}

TEST(ResourceCache, StampsNeverGoBackwardsAndOutOfOrderChangesTakeTheUpstreamResourceVersion) {
  std::string upstream = "0";
  auto c = make(100, [&] { return upstream; });
  c.on_add(cm("a", "x", 20), false);
  c.on_add(cm("a", "y", 15), false);  // out of order, upstream not past it: the current stamp
  upstream = "30";                    // a relist at 30
  c.on_add(cm("a", "z", 25), false);
  c.on_add(cm("a", "w", 21), false);
  auto w = c.start_watch(1, false, [] {});
  ASSERT_TRUE(w);
  auto b = c.read(w->next_seq, 100);
  ASSERT_EQ(b.changes.size(), 4u);
  EXPECT_EQ(b.changes[0].rv, 20u);
  EXPECT_EQ(b.changes[1].rv, 20u);
  EXPECT_EQ(b.changes[2].rv, 25u);  // in order: its own
  EXPECT_EQ(b.changes[3].rv, 30u);  // out of order: the relist's
  EXPECT_EQ(c.list("").rv, 30u);
}

TEST(ParseResourceVersion, OnlyDecimalNumbers) {
  EXPECT_EQ(parse_resource_version("123"), 123u);
  EXPECT_EQ(parse_resource_version(""), std::nullopt);
  EXPECT_EQ(parse_resource_version("12a"), std::nullopt);
  EXPECT_EQ(parse_resource_version("-1"), std::nullopt);
}

}  // namespace
}  // namespace kube::serve::internal
