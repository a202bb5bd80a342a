// Property test: random operation sequences against the DeltaFifo and a
// tiny model of client-go's DeltaFIFO written here, plus the property an
// informer relies on: once the FIFO is drained into the store, the store
// holds exactly what the server holds.
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "kube/cache/delta_fifo.h"
#include "tests/unit/cache/test_objects.h"

namespace kube::cache {
namespace {

using testing::make_pod;
using namespace std::chrono_literals;

// Model of client-go's DeltaFIFO with knownObjects = the consumer's store,
// popping under the lock (one thread, so the same thing).
struct Model {
  std::map<std::string, Deltas> items;
  std::vector<std::string> queue;
  std::map<std::string, ObjectPtr>& known;

  void queue_action(DeltaType t, const std::string& key,
                    std::variant<ObjectPtr, DeletedFinalStateUnknown> obj) {
    auto& d = items[key];
    if (d.empty()) queue.push_back(key);
    d.push_back(Delta{t, std::move(obj)});
    std::size_t n = d.size();
    if (n >= 2 && d[n - 1].type == DeltaType::kDeleted && d[n - 2].type == DeltaType::kDeleted) {
      if (d[n - 2].tombstone() != nullptr) d[n - 2] = d[n - 1];
      d.pop_back();
    }
  }
  void delete_(const std::string& key, ObjectPtr obj) {
    if (!items.contains(key) && !known.contains(key)) return;
    queue_action(DeltaType::kDeleted, key, std::move(obj));
  }
  void replace(const std::map<std::string, ObjectPtr>& listed) {
    for (const auto& [k, o] : listed) queue_action(DeltaType::kReplaced, k, o);
    std::map<std::string, ObjectPtr> gone;  // queued in key order
    for (const auto& [k, d] : items) {
      if (!listed.contains(k)) gone[k] = d.back().latest_object();
    }
    for (const auto& [k, o] : known) {
      if (!listed.contains(k) && !items.contains(k)) gone[k] = o;
    }
    for (const auto& [k, o] : gone) queue_action(DeltaType::kDeleted, k, DeletedFinalStateUnknown{k, o});
  }
  // Sync in the order the known objects list their keys.
  void resync(const std::vector<std::string>& known_keys) {
    for (const auto& k : known_keys) {
      if (!items.contains(k)) queue_action(DeltaType::kSync, k, known.at(k));
    }
  }
  Deltas pop() {
    std::string k = queue.front();
    queue.erase(queue.begin());
    Deltas d = std::move(items[k]);
    items.erase(k);
    return d;
  }
};

// What an informer does with popped deltas.
void apply(const Deltas& deltas, ThreadSafeStore& store, std::map<std::string, ObjectPtr>& known) {
  for (const Delta& d : deltas) {
    if (d.type == DeltaType::kDeleted) {
      std::string key = d.tombstone() ? d.tombstone()->key : object_key(*d.latest_object());
      store.delete_by_key(key);
      known.erase(key);
    } else {
      ASSERT_TRUE(store.update(d.latest_object()).ok());
      known[object_key(*d.latest_object())] = d.latest_object();
    }
  }
}

bool same(const Deltas& a, const Deltas& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].latest_object() != b[i].latest_object()) return false;
    if ((a[i].tombstone() == nullptr) != (b[i].tombstone() == nullptr)) return false;
    if (a[i].tombstone() && a[i].tombstone()->key != b[i].tombstone()->key) return false;
  }
  return true;
}

std::string show(const Deltas& ds) {
  std::string out;
  for (const auto& d : ds) {
    out += std::string(to_string(d.type)) + (d.tombstone() ? "(tombstone " + d.tombstone()->key + ")" : "");
    if (d.latest_object()) out += "@" + std::string(d.latest_object()->resource_version());
    out += " ";
  }
  return out;
}

TEST(DeltaFifoProperty, RandomOperationsMatchTheModelAndTheStoreConvergesToTheServer) {
  for (unsigned seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    ThreadSafeStore store;
    DeltaFifo fifo({.known_objects = &store});
    std::map<std::string, ObjectPtr> model_known;  // the model's view of the store
    Model model{.items = {}, .queue = {}, .known = model_known};
    std::map<std::string, ObjectPtr> server;  // the truth
    int rv = 0;

    for (int step = 0; step < 300; ++step) {
      std::string name = "p" + std::to_string(rng() % 8);
      std::string key = "ns/" + name;
      // The watch may miss events (it was down): only a relist tells then.
      bool watch_sees = rng() % 5 != 0;
      switch (rng() % 6) {
        case 0:
        case 1: {  // create or modify
          ObjectPtr obj = make_pod("ns", name, {}, std::to_string(++rv));
          bool existed = server.contains(key);
          server[key] = obj;
          if (!watch_sees) break;
          ASSERT_TRUE((existed ? fifo.update(obj) : fifo.add(obj)).ok());
          model.queue_action(existed ? DeltaType::kUpdated : DeltaType::kAdded, key, obj);
          break;
        }
        case 2: {  // delete
          if (!server.contains(key)) break;
          ObjectPtr last = make_pod("ns", name, {}, std::to_string(++rv));
          server.erase(key);
          if (!watch_sees) break;
          ASSERT_TRUE(fifo.delete_(last).ok());
          model.delete_(key, last);
          break;
        }
        case 3: {  // relist
          if (rng() % 3 != 0) break;
          std::vector<ObjectPtr> list;
          for (const auto& [k, o] : server) list.push_back(o);
          ASSERT_TRUE(fifo.replace(list, std::to_string(rv)).ok());
          model.replace(server);
          break;
        }
        case 4: {  // resync
          if (rng() % 4 != 0) break;
          fifo.resync();
          model.resync(store.list_keys());
          break;
        }
        default: {  // pop
          if (model.queue.empty()) {
            ASSERT_EQ(fifo.size(), 0u);
            break;
          }
          Deltas expected = model.pop();
          Deltas got;
          auto r = fifo.pop(
              [&](const Deltas& d, bool) {
                got = d;
                apply(d, store, model_known);
                return Result<void>{};
              },
              1s);
          ASSERT_TRUE(r.ok()) << r.error().message;
          ASSERT_TRUE(same(got, expected)) << "got " << show(got) << "\nwant " << show(expected);
          for (std::size_t i = 1; i < got.size(); ++i) {
            ASSERT_FALSE(got[i].type == DeltaType::kDeleted && got[i - 1].type == DeltaType::kDeleted);
          }
        }
      }
      ASSERT_EQ(fifo.list_keys(), model.queue);
    }

    // Relist, drain: the store must now hold exactly the server's objects.
    std::vector<ObjectPtr> list;
    for (const auto& [k, o] : server) list.push_back(o);
    ASSERT_TRUE(fifo.replace(list, std::to_string(rv)).ok());
    while (fifo.size() > 0) {
      auto r = fifo.pop(
          [&](const Deltas& d, bool) {
            apply(d, store, model_known);
            return Result<void>{};
          },
          1s);
      ASSERT_TRUE(r.ok()) << r.error().message;
    }
    ASSERT_EQ(store.size(), server.size());
    for (const auto& [k, o] : server) ASSERT_EQ(store.get_by_key(k), o) << k;
    EXPECT_TRUE(fifo.has_synced());
  }
}

}  // namespace
}  // namespace kube::cache
