// TypedLister: the user's struct from an informer's cache.
#include "kube/informers/typed_lister.h"

#include <gtest/gtest.h>

#include "kube/cache/index.h"
#include "kube/cache/store.h"

namespace kube::informers {
namespace {

struct Widget {
  ObjectMeta metadata;
  std::int32_t size = 0;
  static constexpr auto kube_fields() {
    return fields(field("metadata", &Widget::metadata), field("size", &Widget::size).required());
  }
};

ObjectPtr widget(const std::string& ns, const std::string& name, const std::string& size,
                 const std::string& labels = "{}") {
  auto o = Object::parse(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":")" +
                         name + R"(","namespace":")" + ns + R"(","labels":)" + labels +
                         R"(},"size":)" + size + "}");
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

class TypedListerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.add(widget("demo", "small", "1", R"({"app":"web"})")));
    ASSERT_TRUE(store_.add(widget("demo", "bad", R"("huge")")));
    ASSERT_TRUE(store_.add(widget("prod", "big", "9", R"({"app":"web"})")));
  }
  cache::ThreadSafeStore store_;
  TypedLister<Widget> widgets_{Lister(store_, "widgets")};
};

TEST_F(TypedListerTest, GetConvertsTheCachedObject) {
  Result<Widget> w = widgets_.namespace_("demo").get("small");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->size, 1);
  EXPECT_EQ(w->metadata.name, "small");
  EXPECT_EQ(w->metadata.labels.at("app"), "web");
}

TEST_F(TypedListerTest, ConversionErrorNamesTheObjectAndThePath) {
  Result<Widget> w = widgets_.namespace_("demo").get("bad");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, R"(demo/bad: .size: expected integer, got string "huge")");
}

TEST_F(TypedListerTest, MissingObjectIsNotFoundAsFromTheUntypedLister) {
  Result<Widget> w = widgets_.namespace_("demo").get("nope");
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().is_not_found());
  EXPECT_EQ(w.error().message, R"(widgets "nope" not found)");
}

TEST_F(TypedListerTest, ListGivesOneResultPerObjectSoOneBadObjectSpoilsNothing) {
  auto all = widgets_.list();
  ASSERT_EQ(all.size(), 3u);
  int ok = 0;
  for (const auto& w : all) ok += w.ok() ? 1 : 0;
  EXPECT_EQ(ok, 2);
  auto web = widgets_.list(*LabelSelector::parse("app=web"));
  ASSERT_EQ(web.size(), 2u);
  for (const auto& w : web) EXPECT_TRUE(w.ok());
  auto demo = widgets_.namespace_("demo").list(*LabelSelector::parse("app=web"));
  ASSERT_EQ(demo.size(), 1u);
  ASSERT_TRUE(demo[0]);
  EXPECT_EQ(demo[0]->metadata.name, "small");
}

TEST_F(TypedListerTest, ListByFieldSelectorConvertsTheMatches) {
  ASSERT_TRUE(store_.add_indexers({cache::field_indexer("size")}));
  auto nine = widgets_.list(*FieldSelector::parse("size=9"));
  ASSERT_EQ(nine.size(), 1u);
  ASSERT_TRUE(nine[0]);
  EXPECT_EQ(nine[0]->metadata.name, "big");
  auto demo = widgets_.namespace_("demo").list(*FieldSelector::parse("size!=1"));
  ASSERT_EQ(demo.size(), 1u);
  EXPECT_FALSE(demo[0]);  // "bad", which does not convert
  EXPECT_TRUE(widgets_.namespace_("demo")
                  .list(*FieldSelector::parse("size!=1"), *LabelSelector::parse("app"))
                  .empty());
}

// The typed handler converts each notification; what does not convert goes to
// conversion_error and is not delivered.
TEST(TypedEventHandlerFuncs, ConvertsEveryNotificationAndReportsWhatDoesNotConvert) {
  TypedEventHandlerFuncs<Widget> h;
  std::vector<std::string> seen, errors;
  h.add = [&](const Widget& w, bool initial) {
    seen.push_back("add " + w.metadata.name + " " + std::to_string(w.size) + (initial ? " initial" : ""));
  };
  h.update = [&](const Widget& a, const Widget& b) {
    seen.push_back("update " + std::to_string(a.size) + "->" + std::to_string(b.size));
  };
  h.del = [&](const Widget& w, bool unknown) {
    seen.push_back("delete " + w.metadata.name + (unknown ? " final-state-unknown" : ""));
  };
  h.conversion_error = [&](const Error& e) { errors.push_back(e.message); };

  h.on_add(widget("demo", "a", "1"), true);
  h.on_update(widget("demo", "a", "1"), widget("demo", "a", "2"));
  h.on_update(widget("demo", "a", "2"), widget("demo", "a", R"("huge")"));
  h.on_delete(DeletedObject(widget("demo", "a", "2")));
  h.on_delete(DeletedObject(DeletedFinalStateUnknown{"demo/b", widget("demo", "b", "3")}));
  h.on_delete(DeletedObject(DeletedFinalStateUnknown{"demo/c", nullptr}));  // no state: skipped

  EXPECT_EQ(seen, (std::vector<std::string>{"add a 1 initial", "update 1->2", "delete a",
                                            "delete b final-state-unknown"}));
  EXPECT_EQ(errors,
            (std::vector<std::string>{R"(demo/a: .size: expected integer, got string "huge")"}));
}

}  // namespace
}  // namespace kube::informers
