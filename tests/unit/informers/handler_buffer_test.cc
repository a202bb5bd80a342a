// The coalescing handler buffer against a tiny model: whatever consistent
// stream goes in, and wherever the handler takes entries out, the handler's
// view stays consistent and ends equal to the stream's final state.
#include "src/informers/handler_buffer.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

namespace kube::informers::detail {
namespace {

ObjectPtr make(int key, int version) {
  std::string json =
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"demo","name":"o)" +
      std::to_string(key) + R"(","resourceVersion":")" + std::to_string(version) + R"("}})";
  return *Object::parse(json);
}

// What a handler holds, checked as notifications are applied.
struct View {
  std::map<std::string, std::string> objects;  // key → resourceVersion
  std::vector<std::string> violations;

  void apply(const Notification& n) {
    if (const auto* a = std::get_if<AddNote>(&n)) {
      std::string k = object_key(*a->obj);
      if (objects.contains(k)) violations.push_back("add of held " + k);
      objects[k] = std::string(a->obj->resource_version());
    } else if (const auto* u = std::get_if<UpdateNote>(&n)) {
      std::string k = object_key(*u->new_obj);
      auto it = objects.find(k);
      if (it == objects.end()) {
        violations.push_back("update of absent " + k);
      } else if (std::string(u->old_obj->resource_version()) != it->second) {
        violations.push_back("update whose old object is not the one held " + k);
      }
      objects[k] = std::string(u->new_obj->resource_version());
    } else {
      std::string k = object_key(*std::get<ObjectPtr>(std::get<DeleteNote>(n).obj));
      if (!objects.erase(k)) violations.push_back("delete of absent " + k);
    }
  }
};

TEST(HandlerBuffer, CoalescedDeliveryIsConsistentAndEndsInTheLatestStateAgainstAModel) {
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    HandlerBuffer buffer(/*coalesce=*/true);
    View handler;
    std::map<int, ObjectPtr> truth;  // the informer's store
    int version = 0;
    std::size_t delivered = 0, pushed = 0;
    for (int step = 0; step < 400; ++step) {
      int key = static_cast<int>(rng() % 6);
      auto it = truth.find(key);
      if (rng() % 4 == 0 && !buffer.empty()) {  // the handler takes one entry
        Pending p = buffer.pop();
        handler.apply(*p.first);
        ++delivered;
        if (p.second) handler.apply(*p.second), ++delivered;
      } else if (it == truth.end()) {
        ObjectPtr o = make(key, ++version);
        truth[key] = o;
        buffer.push(AddNote{o, false}, {});
        ++pushed;
      } else if (rng() % 3 == 0) {
        buffer.push(DeleteNote{it->second}, {});
        truth.erase(it);
        ++pushed;
      } else {
        ObjectPtr o = make(key, ++version);
        buffer.push(UpdateNote{it->second, o}, {});
        it->second = o;
        ++pushed;
      }
      ASSERT_LE(buffer.size(), 6u) << "seed " << seed;  // one entry per key at most
    }
    while (!buffer.empty()) {
      Pending p = buffer.pop();
      handler.apply(*p.first);
      if (p.second) handler.apply(*p.second);
    }
    std::map<std::string, std::string> want;
    for (const auto& [k, o] : truth) want[object_key(*o)] = std::string(o->resource_version());
    EXPECT_EQ(handler.objects, want) << "seed " << seed;
    EXPECT_TRUE(handler.violations.empty())
        << "seed " << seed << ": " << handler.violations.front();
    EXPECT_LT(delivered, pushed) << "seed " << seed;
  }
}

TEST(HandlerBuffer, InitialAddsCountOnceWhenMergedAndNotAtAllWhenCancelled) {
  HandlerBuffer buffer(/*coalesce=*/true);
  ObjectPtr a1 = make(1, 1), b1 = make(2, 2);
  buffer.push(AddNote{a1, true}, {});
  buffer.push(AddNote{b1, true}, {});
  EXPECT_EQ(buffer.initial_adds(), 2u);
  buffer.push(UpdateNote{a1, make(1, 3)}, {});
  EXPECT_EQ(buffer.initial_adds(), 2u);  // still one initial add for o1, of its latest state
  buffer.push(DeleteNote{b1}, {});
  EXPECT_EQ(buffer.initial_adds(), 1u);  // o2 came and went unseen
  EXPECT_EQ(buffer.size(), 1u);
  Pending p = buffer.pop();
  EXPECT_EQ(buffer.initial_adds(), 0u);
  const auto& add = std::get<AddNote>(*p.first);
  EXPECT_TRUE(add.initial);
  EXPECT_EQ(add.obj->resource_version(), "3");
  EXPECT_FALSE(p.second.has_value());
}

TEST(HandlerBuffer, DefaultModeKeepsEveryNotificationInOrder) {
  HandlerBuffer buffer(/*coalesce=*/false);
  ObjectPtr a1 = make(1, 1), a2 = make(1, 2);
  buffer.push(AddNote{a1, true}, {});
  buffer.push(UpdateNote{a1, a2}, {});
  buffer.push(DeleteNote{a2}, {});
  EXPECT_EQ(buffer.size(), 3u);
  EXPECT_EQ(buffer.initial_adds(), 1u);
  EXPECT_TRUE(std::holds_alternative<AddNote>(*buffer.pop().first));
  EXPECT_EQ(buffer.initial_adds(), 0u);
  EXPECT_TRUE(std::holds_alternative<UpdateNote>(*buffer.pop().first));
  EXPECT_TRUE(std::holds_alternative<DeleteNote>(*buffer.pop().first));
  EXPECT_TRUE(buffer.empty());
}

}  // namespace
}  // namespace kube::informers::detail
