// ResourceCache::list_page: paged lists in key order, every page at the
// first page's resourceVersion (rebuilt from the history), as kube-apiserver
// serves them.
#include <gtest/gtest.h>

#include "tests/unit/serve/resource_cache_support.h"

namespace kube::serve::internal {
namespace {

using test_support::cm;
using test_support::make;
using test_support::names;
using test_support::rvs;

TEST(ResourceCachePage, PagesInKeyOrderWithTheRemainingCount) {
  auto c = make();
  for (int i = 0; i < 5; ++i) c.on_add(cm("a", "n" + std::to_string(i), 10 + i), true);
  c.on_add(cm("b", "n9", 20), true);
  auto p = c.list_page({.ns = "a", .limit = 2});
  ASSERT_TRUE(p);
  EXPECT_EQ(names(p->items), (std::vector<std::string>{"n0", "n1"}));
  EXPECT_TRUE(p->more);
  EXPECT_EQ(p->remaining, 3u);  // in namespace a only
  EXPECT_EQ(p->rv, 20u);
  auto last = c.list_page({.ns = "a", .start = std::string("a/n3") + '\0', .limit = 2});
  ASSERT_TRUE(last);
  EXPECT_EQ(names(last->items), (std::vector<std::string>{"n4"}));
  EXPECT_FALSE(last->more);
  EXPECT_FALSE(last->remaining);
  auto all = c.list_page({.ns = "", .start = "a/n4", .limit = 0});
  EXPECT_EQ(names(all->items), (std::vector<std::string>{"n4", "n9"}));
}

TEST(ResourceCachePage, ALaterPageAtTheFirstPagesVersionUndoesTheChangesSince) {
  auto c = make();
  c.on_add(cm("a", "n1", 10), true);
  c.on_add(cm("a", "n2", 11), true);
  c.on_add(cm("a", "n3", 12), true);
  auto first = c.list_page({.ns = "a", .limit = 1});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->rv, 12u);
  c.on_update(cm("a", "n2", 11), cm("a", "n2", 13));  // modified
  c.on_delete(cm("a", "n3", 12));                     // deleted
  c.on_add(cm("a", "n4", 15), false);                 // added
  c.on_update(cm("a", "n2", 13), cm("a", "n2", 16));  // modified twice: the first prev wins
  auto second = c.list_page({.ns = "a", .start = std::string("a/n1") + '\0', .at_rv = 12});
  ASSERT_TRUE(second);
  EXPECT_EQ(names(second->items), (std::vector<std::string>{"n2", "n3"}));
  EXPECT_EQ(rvs(second->items), (std::vector<std::string>{"11", "12"}));
  EXPECT_EQ(second->rv, 12u);
  // Without a version: the current state after the key.
  auto now = c.list_page({.ns = "a", .start = std::string("a/n1") + '\0'});
  EXPECT_EQ(names(now->items), (std::vector<std::string>{"n2", "n4"}));
  EXPECT_EQ(now->rv, 16u);
}

TEST(ResourceCachePage, SelectorsAreCheckedOnThePastStateAndOmitTheRemainingCount) {
  auto c = make();
  c.on_add(cm("a", "n1", 10, "web"), true);
  c.on_add(cm("a", "n2", 11, "db"), true);
  c.on_add(cm("a", "n3", 12, "web"), true);
  c.on_add(cm("a", "n4", 13, "web"), true);
  c.on_update(cm("a", "n2", 11, "db"), cm("a", "n2", 14, "web"));  // joins after rv 13
  auto web = LabelSelector::parse("app=web");
  ASSERT_TRUE(web);
  auto p = c.list_page({.ns = "a", .labels = &*web, .at_rv = 13, .limit = 2});
  ASSERT_TRUE(p);
  EXPECT_EQ(names(p->items), (std::vector<std::string>{"n1", "n3"}));
  EXPECT_TRUE(p->more);
  EXPECT_FALSE(p->remaining);
}

TEST(ResourceCachePage, AVersionTheHistoryNoLongerReachesIsExpired) {
  auto c = make(/*history=*/2);
  c.on_add(cm("a", "n1", 10), true);
  c.on_add(cm("a", "n2", 11), false);
  c.on_add(cm("a", "n3", 12), false);
  c.on_add(cm("a", "n4", 13), false);  // drops rv 11 from the history
  auto p = c.list_page({.ns = "a", .at_rv = 10, .limit = 1});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, 410);
  EXPECT_EQ(p.error().reason, "Expired");
  EXPECT_TRUE(c.list_page({.ns = "a", .at_rv = 11, .limit = 1}));
  // A relist's change to a served key has no previous state to undo.
  c.on_add(cm("a", "n1", 14), false);
  EXPECT_FALSE(c.list_page({.ns = "a", .at_rv = 13, .limit = 1}));
}

}  // namespace
}  // namespace kube::serve::internal
