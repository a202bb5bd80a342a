// Concurrent use of the store and the delta FIFO. Run under TSan by the
// `concurrency` label. Every wait is bounded: a hang fails the test.
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kube/cache/delta_fifo.h"
#include "kube/cache/store.h"
#include "tests/unit/cache/test_objects.h"

namespace kube::cache {
namespace {

using testing::make_pod;
using testing::selector;
using namespace std::chrono_literals;

int rv_of(const ObjectPtr& o) { return std::stoi(std::string(o->resource_version())); }

// What an informer does with popped deltas.
void apply(const Deltas& deltas, ThreadSafeStore& store) {
  for (const Delta& d : deltas) {
    if (d.type == DeltaType::kDeleted) {
      store.delete_by_key(d.tombstone() ? d.tombstone()->key : object_key(*d.latest_object()));
    } else {
      ASSERT_TRUE(store.update(d.latest_object()).ok());
    }
  }
}

TEST(DeltaFifoConcurrency, ProducersAndConsumersKeepPerKeyOrderAndConverge) {
  constexpr int kProducers = 3, kKeysEach = 20, kStepsEach = 400, kConsumers = 2;
  ThreadSafeStore store;
  DeltaFifo fifo({.known_objects = &store});
  std::atomic<int> next_rv{0};
  std::mutex truth_mu;
  std::map<std::string, ObjectPtr> truth;  // final state per key, written by its producer

  std::mutex seen_mu;
  std::set<std::string> processing;     // keys inside a process function now
  std::map<std::string, int> last_rv;   // per key, the newest rv processed
  std::atomic<int> violations{0};

  auto process = [&](const Deltas& deltas, bool) {
    std::string key = deltas.back().tombstone() ? deltas.back().tombstone()->key
                                                : object_key(*deltas.back().latest_object());
    {
      std::lock_guard l(seen_mu);
      if (!processing.insert(key).second) ++violations;  // same key twice at once
      for (const Delta& d : deltas) {
        if (!d.latest_object()) continue;
        int rv = rv_of(d.latest_object());
        if (rv < last_rv[key]) ++violations;  // out of order
        last_rv[key] = rv;
      }
    }
    apply(deltas, store);
    std::lock_guard l(seen_mu);
    processing.erase(key);
    return Result<void>{};
  };
  // One consumer pops key by key, the other in batches (as the informer
  // does): neither may process a key the other has in flight.
  auto consume = [&](bool batches) {
    for (;;) {
      Result<void> r;
      if (batches) {
        auto n = fifo.pop_batch(process, 8);
        if (!n.ok()) r = n.error();
      } else {
        r = fifo.pop(process, 5s);
      }
      if (!r.ok() && is_pop_timeout(r.error())) continue;  // the main thread closes, bounded
      if (!r.ok()) {
        EXPECT_TRUE(is_fifo_closed(r.error())) << r.error().message;
        return;
      }
    }
  };

  {
    std::vector<std::jthread> consumers;
    for (int c = 0; c < kConsumers; ++c) consumers.emplace_back(consume, c % 2 == 1);
    {
      std::vector<std::jthread> producers;
      for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
          std::map<std::string, ObjectPtr> mine;
          unsigned x = 17 + p;
          for (int s = 0; s < kStepsEach; ++s) {
            x = x * 1103515245 + 12345;
            std::string name = "p" + std::to_string(p) + "-" + std::to_string((x >> 8) % kKeysEach);
            std::string key = "ns/" + name;
            ObjectPtr obj = make_pod("ns", name, {}, std::to_string(++next_rv));
            if ((x >> 4) % 4 == 0 && mine.contains(key)) {
              ASSERT_TRUE(fifo.delete_(obj).ok());
              mine.erase(key);
            } else {
              bool existed = mine.contains(key);
              ASSERT_TRUE((existed ? fifo.update(obj) : fifo.add(obj)).ok());
              mine[key] = obj;
            }
          }
          std::lock_guard l(truth_mu);
          truth.merge(mine);
        });
      }
    }  // producers joined
    // Let the consumers drain, bounded, then close so they return.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (fifo.size() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    fifo.close();
  }  // consumers joined

  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(fifo.size(), 0u);
  ASSERT_EQ(store.size(), truth.size());
  for (const auto& [k, o] : truth) EXPECT_EQ(store.get_by_key(k), o) << k;
}

TEST(DeltaFifoConcurrency, DeltasForAnInFlightKeyWaitUntilItsProcessingEnds) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "x", {}, "1")).ok());
  std::latch entered(1), release(1);
  std::vector<std::string> first;
  std::jthread consumer([&] {
    auto r = fifo.pop(
        [&](const Deltas& d, bool) {
          first.push_back(std::string(d.back().latest_object()->resource_version()));
          entered.count_down();
          release.wait();
          return Result<void>{};
        },
        5s);
    EXPECT_TRUE(r.ok());
  });
  entered.wait();
  ASSERT_TRUE(fifo.update(make_pod("a", "x", {}, "2")).ok());  // producer is not blocked
  EXPECT_EQ(fifo.size(), 1u);
  EXPECT_EQ(fifo.list_keys(), std::vector<std::string>{"a/x"});
  // No second pop may take a/x while the first is processing it.
  auto r = fifo.pop([](const Deltas&, bool) { return Result<void>{}; }, 50ms);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_pop_timeout(r.error()));
  release.count_down();
  consumer.join();
  std::string second;
  ASSERT_TRUE(fifo.pop(
                      [&](const Deltas& d, bool) {
                        second = std::string(d.back().latest_object()->resource_version());
                        return Result<void>{};
                      },
                      5s)
                  .ok());
  EXPECT_EQ(first, std::vector<std::string>{"1"});
  EXPECT_EQ(second, "2");
}

TEST(DeltaFifoConcurrency, RequeuedDeltasGoBeforeThoseThatArrivedWhileProcessing) {
  DeltaFifo fifo;
  ASSERT_TRUE(fifo.add(make_pod("a", "x", {}, "1")).ok());
  std::latch entered(1), release(1);
  std::jthread consumer([&] {
    auto r = fifo.pop(
        [&](const Deltas&, bool) -> Result<void> {
          entered.count_down();
          release.wait();
          return requeue_error("try later");
        },
        5s);
    EXPECT_FALSE(r.ok());
  });
  entered.wait();
  ASSERT_TRUE(fifo.update(make_pod("a", "x", {}, "2")).ok());
  release.count_down();
  consumer.join();
  std::vector<std::string> got;
  ASSERT_TRUE(fifo.pop(
                      [&](const Deltas& d, bool) {
                        for (const auto& x : d) got.push_back(std::string(to_string(x.type)));
                        return Result<void>{};
                      },
                      5s)
                  .ok());
  EXPECT_EQ(got, (std::vector<std::string>{"Added", "Updated"}));
}

TEST(DeltaFifoConcurrency, ReplaceWhileAnAddIsInFlightStillEmitsItsTombstone) {
  ThreadSafeStore store;
  DeltaFifo fifo({.known_objects = &store});
  ASSERT_TRUE(fifo.add(make_pod("a", "x", {}, "1")).ok());
  std::latch entered(1), release(1);
  std::jthread consumer([&] {
    auto r = fifo.pop(
        [&](const Deltas& d, bool) {
          entered.count_down();
          release.wait();
          apply(d, store);  // the store learns of a/x only now
          return Result<void>{};
        },
        5s);
    EXPECT_TRUE(r.ok());
  });
  entered.wait();
  ASSERT_TRUE(fifo.replace({}, "9").ok());  // a/x is gone on the server
  release.count_down();
  consumer.join();
  ASSERT_TRUE(fifo.pop(
                      [&](const Deltas& d, bool) {
                        EXPECT_EQ(d.size(), 1u);
                        EXPECT_NE(d.back().tombstone(), nullptr);
                        apply(d, store);
                        return Result<void>{};
                      },
                      5s)
                  .ok());
  EXPECT_EQ(store.size(), 0u);
}

TEST(DeltaFifoConcurrency, PopBatchBlocksUntilAKeyIsReadyAndFailsClosedOnceDrained) {
  DeltaFifo fifo;
  std::atomic<int> processed{0};
  std::thread consumer([&] {
    while (true) {
      auto n = fifo.pop_batch([&](const Deltas&, bool) { ++processed; return Result<void>{}; }, 4);
      if (!n.ok()) {
        EXPECT_TRUE(is_fifo_closed(n.error()));
        return;
      }
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(fifo.add(make_pod("a", std::to_string(i))).ok());
  fifo.close();
  consumer.join();
  EXPECT_EQ(processed.load(), 20);
}

TEST(DeltaFifoConcurrency, CloseUnblocksAWaitingPop) {
  DeltaFifo fifo;
  std::atomic<bool> closed_seen{false};
  std::jthread consumer([&] {
    auto r = fifo.pop([](const Deltas&, bool) { return Result<void>{}; }, 10s);
    closed_seen = !r.ok() && is_fifo_closed(r.error());
  });
  std::this_thread::sleep_for(20ms);
  fifo.close();
  consumer.join();
  EXPECT_TRUE(closed_seen.load());
}

TEST(ThreadSafeStoreConcurrency, ReadersSeeConsistentResultsWhileAWriterChurns) {
  ThreadSafeStore store;
  const std::vector<std::string> apps{"web", "db", "cache"};
  auto pod = [&](int i, int gen) {
    return make_pod("ns" + std::to_string(i % 4), "pod-" + std::to_string(i),
                    {{"app", apps[(i + gen) % 3]}, {"gen", std::to_string(gen % 5)}}, std::to_string(gen));
  };
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(store.add(pod(i, 0)).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  {
    std::vector<std::jthread> readers;
    for (int r = 0; r < 3; ++r) {
      readers.emplace_back([&, r] {
        LabelSelector web = selector("app=web");
        LabelSelector in = selector("app in (db,cache),gen!=3");
        while (!stop) {
          for (const auto& o : store.list(web)) bad += o->label("app") != "web";
          for (const auto& o : store.list("ns1", in)) {
            bad += o->namespace_() != "ns1" || !in.matches(*o);
          }
          auto ns = store.by_index(kNamespaceIndex, "ns" + std::to_string(r));
          if (!ns.ok()) ++bad;
          for (const auto& o : *ns) bad += o->namespace_() != "ns" + std::to_string(r);
          for (const auto& k : store.list_keys()) {
            auto o = store.get_by_key(k);
            if (o) bad += object_key(*o) != k;
          }
        }
      });
    }
    for (int gen = 1; gen <= 150; ++gen) {
      for (int i = gen % 7; i < 200; i += 7) ASSERT_TRUE(store.update(pod(i, gen)).ok());
      if (gen % 10 == 0) store.delete_by_key("ns" + std::to_string(gen % 4) + "/pod-" + std::to_string(gen));
      if (gen % 50 == 0) {
        std::vector<ObjectPtr> all;
        for (int i = 0; i < 200; ++i) all.push_back(pod(i, gen));
        ASSERT_TRUE(store.replace(all, std::to_string(gen)).ok());
      }
      if (gen == 75) {
        ASSERT_TRUE(store.add_indexers({{"app", [](const Object& o) {
                                           return std::vector<std::string>{std::string(o.label("app").value_or(""))};
                                         }}}).ok());
      }
    }
    stop = true;
  }
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(store.size(), 200u);
}

}  // namespace
}  // namespace kube::cache
