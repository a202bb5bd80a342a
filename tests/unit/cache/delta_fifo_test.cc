#include "kube/cache/delta_fifo.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/cache/test_objects.h"

namespace kube::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::make_pod;
using namespace std::chrono_literals;

// "Added demo/web@1", "Deleted tombstone demo/web@1", "Deleted tombstone demo/web@-".
std::string describe(const Delta& d) {
  std::string out(to_string(d.type));
  out += ' ';
  if (const auto* t = d.tombstone()) {
    out += "tombstone " + t->key + "@" + (t->object ? std::string(t->object->resource_version()) : "-");
  } else {
    out += object_key(*d.latest_object()) + "@" + std::string(d.latest_object()->resource_version());
  }
  return out;
}

struct Popped {
  std::vector<std::string> deltas;
  bool initial = false;
};

// Pops one key (failing the test instead of hanging), returning what process saw.
Popped pop_one(DeltaFifo& fifo, Result<void> answer = {}) {
  Popped p;
  auto r = fifo.pop(
      [&](const Deltas& deltas, bool initial) {
        for (const auto& d : deltas) p.deltas.push_back(describe(d));
        p.initial = initial;
        return answer;
      },
      2s);
  if (!r.ok()) {
    EXPECT_FALSE(answer.ok()) << r.error().message;
  }
  return p;
}

TEST(DeltaFifo, AddQueuesAnAddedDeltaAndPopHandsTheKeysDeltasOldestFirst) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("demo", "web", {}, "1")).ok());
  ASSERT_TRUE(fifo.update(make_pod("demo", "web", {}, "2")).ok());
  ASSERT_TRUE(fifo.delete_(make_pod("demo", "web", {}, "3")).ok());
  EXPECT_THAT(fifo.list_keys(), ElementsAre("demo/web"));
  EXPECT_THAT(pop_one(fifo).deltas,
              ElementsAre("Added demo/web@1", "Updated demo/web@2", "Deleted demo/web@3"));
  EXPECT_EQ(fifo.size(), 0u);
}

TEST(DeltaFifo, KeysPopInTheOrderTheyWereFirstQueued) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  ASSERT_TRUE(fifo.add(make_pod("a", "2")).ok());
  ASSERT_TRUE(fifo.update(make_pod("a", "1", {}, "2")).ok());
  EXPECT_THAT(fifo.list_keys(), ElementsAre("a/1", "a/2"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@1", "Updated a/1@2"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/2@1"));
}

TEST(DeltaFifo, AddRejectsAnObjectWithoutName) {
  DeltaFifo fifo;
  auto nameless = Object::parse(R"({"kind":"Pod","metadata":{}})");
  ASSERT_TRUE(nameless.ok());
  auto r = fifo.add(*nameless);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("metadata.name"));
  EXPECT_FALSE(fifo.add(nullptr).ok());
}

TEST(DeltaFifo, ConsecutiveDeletesCollapseKeepingTheOneThatIsNotATombstone) {
  ThreadSafeStore known;
  ASSERT_TRUE(known.add(make_pod("a", "x", {}, "1")).ok());
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.replace({}, "5").ok());  // tombstone for a/x
  ASSERT_TRUE(fifo.delete_(make_pod("a", "x", {}, "4")).ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Deleted a/x@4"));

  ASSERT_TRUE(fifo.delete_(make_pod("a", "x", {}, "4")).ok());
  ASSERT_TRUE(fifo.replace({}, "6").ok());  // the later tombstone carries less
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Deleted a/x@4"));

  ASSERT_TRUE(fifo.delete_(make_pod("a", "x", {}, "4")).ok());
  // Both real: client-go's isDeletionDup keeps the earlier one.
  ASSERT_TRUE(fifo.delete_(make_pod("a", "x", {}, "7")).ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Deleted a/x@4"));
}

TEST(DeltaFifo, DeleteOfAnObjectNeitherQueuedNorKnownIsDropped) {
  ThreadSafeStore known;
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.delete_(make_pod("a", "ghost")).ok());
  EXPECT_EQ(fifo.size(), 0u);
  ASSERT_TRUE(known.add(make_pod("a", "real")).ok());
  ASSERT_TRUE(fifo.delete_(make_pod("a", "real", {}, "2")).ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Deleted a/real@2"));

  DeltaFifo alone;  // without known objects, only queued keys count
  ASSERT_TRUE(alone.delete_(make_pod("a", "ghost")).ok());
  EXPECT_EQ(alone.size(), 0u);
}

TEST(DeltaFifo, ReplaceEmitsReplacedForEveryListedObject) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.replace({make_pod("a", "1"), make_pod("a", "2")}, "10").ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Replaced a/1@1"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Replaced a/2@1"));
}

TEST(DeltaFifo, ReplaceEmitsTombstoneForKeysMissingFromNewList) {
  ThreadSafeStore known;
  ASSERT_TRUE(known.add(make_pod("a", "kept", {}, "3")).ok());
  ASSERT_TRUE(known.add(make_pod("a", "gone", {}, "4")).ok());
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.replace({make_pod("a", "kept", {}, "5")}, "10").ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Replaced a/kept@5"));
  // The tombstone carries the last state the known objects had.
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Deleted tombstone a/gone@4"));
}

TEST(DeltaFifo, ReplaceEmitsTombstoneForQueuedKeysThatAreNotKnown) {
  ThreadSafeStore known;
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.add(make_pod("a", "new", {}, "7")).ok());
  ASSERT_TRUE(fifo.replace({}, "10").ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/new@7", "Deleted tombstone a/new@7"));
}

TEST(DeltaFifo, ReplaceTombstoneCarriesTheObjectInsideAnEarlierTombstone) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "x", {}, "7")).ok());
  ASSERT_TRUE(fifo.replace({}, "10").ok());
  ASSERT_TRUE(fifo.update(make_pod("a", "x", {}, "8")).ok());
  ASSERT_TRUE(fifo.replace({}, "11").ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/x@7", "Deleted tombstone a/x@7",
                                                "Updated a/x@8", "Deleted tombstone a/x@8"));
}

TEST(DeltaFifo, ResyncQueuesSyncForKnownObjectsWithoutPendingDeltas) {
  ThreadSafeStore known;
  ASSERT_TRUE(known.add(make_pod("a", "idle", {}, "1")).ok());
  ASSERT_TRUE(known.add(make_pod("a", "busy", {}, "1")).ok());
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.update(make_pod("a", "busy", {}, "2")).ok());
  fifo.resync();
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Updated a/busy@2"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Sync a/idle@1"));
  EXPECT_EQ(fifo.size(), 0u);

  DeltaFifo no_known;
  no_known.resync();
  EXPECT_EQ(no_known.size(), 0u);
}

TEST(DeltaFifo, PopRequeuesTheDeltasWhenProcessAsksForIt) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  ASSERT_TRUE(fifo.add(make_pod("a", "2")).ok());
  Popped first = pop_one(fifo, requeue_error("handler busy"));
  EXPECT_THAT(first.deltas, ElementsAre("Added a/1@1"));
  EXPECT_THAT(fifo.list_keys(), ElementsAre("a/2", "a/1"));  // requeued at the back
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/2@1"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@1"));
}

TEST(DeltaFifo, PopReturnsTheProcessError) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  auto r = fifo.pop([](const Deltas&, bool) -> Result<void> { return Error::internal("boom"); }, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "boom");
  EXPECT_EQ(fifo.size(), 0u);  // not requeued
}

TEST(DeltaFifo, AddIfNotPresentIgnoresAKeyWithPendingDeltas) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1", {}, "2")).ok());
  Deltas old{Delta{DeltaType::kAdded, make_pod("a", "1", {}, "1")}};
  ASSERT_TRUE(fifo.add_if_not_present(old).ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@2"));
  ASSERT_TRUE(fifo.add_if_not_present(old).ok());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@1"));
  EXPECT_FALSE(fifo.add_if_not_present({}).ok());
}

TEST(DeltaFifo, HasSyncedOnlyOnceTheFirstReplaceIsFullyPopped) {
  ThreadSafeStore known;
  ASSERT_TRUE(known.add(make_pod("a", "stale")).ok());
  DeltaFifo fifo({.known_objects = &known});
  EXPECT_FALSE(fifo.has_synced());
  ASSERT_TRUE(fifo.replace({make_pod("a", "1"), make_pod("a", "2")}, "5").ok());
  ASSERT_TRUE(fifo.add(make_pod("a", "3")).ok());  // after the list: not part of it
  EXPECT_FALSE(fifo.has_synced());
  EXPECT_TRUE(pop_one(fifo).initial);
  EXPECT_TRUE(pop_one(fifo).initial);
  EXPECT_FALSE(fifo.has_synced());  // the tombstone for a/stale is still queued
  EXPECT_TRUE(pop_one(fifo).initial);
  EXPECT_TRUE(fifo.has_synced());
  EXPECT_FALSE(pop_one(fifo).initial);
}

TEST(DeltaFifo, HasSyncedAfterAnEmptyFirstReplace) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.replace({}, "1").ok());
  EXPECT_TRUE(fifo.has_synced());
}

TEST(DeltaFifo, HasSyncedWhenTheFirstAddIsPoppedIfNoReplaceCameFirst) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  EXPECT_FALSE(fifo.has_synced());
  pop_one(fifo);
  EXPECT_TRUE(fifo.has_synced());
  ASSERT_TRUE(fifo.replace({make_pod("a", "2")}, "3").ok());  // a later replace does not unsync
  EXPECT_TRUE(fifo.has_synced());
}

TEST(DeltaFifo, PopTimesOutOnAnEmptyQueue) {
  DeltaFifo fifo;
  auto r = fifo.pop([](const Deltas&, bool) { return Result<void>{}; }, 20ms);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_pop_timeout(r.error()));
}

TEST(DeltaFifo, PopAfterCloseDrainsWhatIsQueuedThenFailsClosed) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  fifo.close();
  EXPECT_TRUE(fifo.is_closed());
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@1"));
  auto r = fifo.pop([](const Deltas&, bool) { return Result<void>{}; }, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_fifo_closed(r.error()));
}

// pop_batch is what the informer uses: the same keys, deltas, initial flags
// and requeues as one pop() per key.
TEST(DeltaFifo, PopBatchProcessesKeysInOrderWithTheInitialFlagsPopWouldGive) {
  ThreadSafeStore known;
  ASSERT_TRUE(known.add(make_pod("a", "stale")).ok());
  DeltaFifo fifo({.known_objects = &known});
  ASSERT_TRUE(fifo.replace({make_pod("a", "1"), make_pod("a", "2")}, "5").ok());
  ASSERT_TRUE(fifo.add(make_pod("a", "3")).ok());  // after the list: not initial
  ASSERT_TRUE(fifo.update(make_pod("a", "1", {}, "6")).ok());
  std::vector<std::string> seen;
  auto record = [&](const Deltas& deltas, bool initial) {
    std::string line = initial ? "initial:" : "later:";
    for (const auto& d : deltas) line += " " + describe(d);
    seen.push_back(line);
    return Result<void>{};
  };
  auto n = fifo.pop_batch(record, 2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_FALSE(fifo.has_synced());  // the tombstone for a/stale is still queued
  n = fifo.pop_batch(record, 10);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_TRUE(fifo.has_synced());
  EXPECT_THAT(seen, ElementsAre("initial: Replaced a/1@1 Updated a/1@6", "initial: Replaced a/2@1",
                                "initial: Deleted tombstone a/stale@1", "later: Added a/3@1"));
  EXPECT_EQ(fifo.unprocessed(), 0u);
}

TEST(DeltaFifo, PopBatchRequeuesWhatProcessAsksForAndKeepsDeltasThatArrivedMeanwhile) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  ASSERT_TRUE(fifo.add(make_pod("a", "2")).ok());
  auto n = fifo.pop_batch(
      [&](const Deltas& deltas, bool) -> Result<void> {
        if (object_key(*deltas.back().latest_object()) != "a/1") return {};
        // A newer delta for a key in flight waits for the batch to finish.
        EXPECT_TRUE(fifo.update(make_pod("a", "1", {}, "2")).ok());
        return requeue_error("busy");
      },
      8);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_THAT(fifo.list_keys(), ElementsAre("a/1"));
  EXPECT_THAT(pop_one(fifo).deltas, ElementsAre("Added a/1@1", "Updated a/1@2"));
}

TEST(DeltaFifo, GetByKeyCopiesThePendingDeltas) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "1")).ok());
  auto d = fifo.get_by_key("a/1");
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ(describe(d->front()), "Added a/1@1");
  EXPECT_FALSE(fifo.get_by_key("a/2").has_value());
}

TEST(DeltaType, NamesAreClientGos) {
  EXPECT_EQ(to_string(DeltaType::kAdded), "Added");
  EXPECT_EQ(to_string(DeltaType::kUpdated), "Updated");
  EXPECT_EQ(to_string(DeltaType::kDeleted), "Deleted");
  EXPECT_EQ(to_string(DeltaType::kReplaced), "Replaced");
  EXPECT_EQ(to_string(DeltaType::kSync), "Sync");
}

}  // namespace
}  // namespace kube::cache
