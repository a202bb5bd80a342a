// Per-handler options of SharedIndexInformer: coalescing, latency histograms,
// the backlog warning, and handlers added/removed while the informer relists.
#include <atomic>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "informers/fake_server.h"
#include "informers/informer_test_options.h"
#include "informers/recording_handler.h"
#include "kube/core/log.h"
#include "kube/informers/shared_informer.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::fast_informer_options;
using kube::testing::eventually;
using kube::testing::FakeServer;
using kube::testing::RecordingHandler;

std::map<std::string, std::string> cache_state(const SharedIndexInformer& inf) {
  std::map<std::string, std::string> s;
  for (const auto& o : inf.indexer().list()) s[object_key(*o)] = std::string(o->resource_version());
  return s;
}

// A RecordingHandler whose callbacks wait while the gate is closed; counts
// the callbacks currently waiting.
class GatedHandler : public RecordingHandler {
 public:
  explicit GatedHandler(bool open = true) : open_(open) {}
  void close() {
    MutexLock l(mu_);
    open_ = false;
  }
  void open() {
    MutexLock l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool waiting() const {
    MutexLock l(mu_);
    return waiting_;
  }

  void on_add(const ObjectPtr& obj, bool initial) override {
    wait();
    RecordingHandler::on_add(obj, initial);
  }
  void on_update(const ObjectPtr& o, const ObjectPtr& n) override {
    wait();
    RecordingHandler::on_update(o, n);
  }
  void on_delete(const DeletedObject& d) override {
    wait();
    RecordingHandler::on_delete(d);
  }

 private:
  void wait() {
    MutexLock l(mu_);
    waiting_ = true;
    while (!open_) cv_.wait(mu_);
    waiting_ = false;
  }
  mutable Mutex mu_;
  CondVar cv_;
  bool open_ KUBE_GUARDED_BY(mu_);
  bool waiting_ KUBE_GUARDED_BY(mu_) = false;
};

// Events of one key, from index `from` on.
std::vector<RecordingHandler::Event> events_of(const RecordingHandler& h, const std::string& key,
                                               std::size_t from = 0) {
  std::vector<RecordingHandler::Event> out;
  auto all = h.events();
  for (std::size_t i = from; i < all.size(); ++i)
    if (all[i].key == key) out.push_back(all[i]);
  return out;
}

std::string rv(const ObjectPtr& o) { return std::string(o->resource_version()); }

TEST(HandlerCoalescing, PendingChangesOfAnObjectMergeIntoItsNetChange) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "blocker");
  ObjectPtr upd0 = server->put("demo", "upd");
  server->put("demo", "del");
  ObjectPtr readd0 = server->put("demo", "readd");
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<GatedHandler>();
  auto reg = inf.add_event_handler(h, {.coalesce = true});  // the form the header shows
  inf.start();
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  const std::size_t before = h->count();

  // The handler stalls on the next notification; then everything queues.
  h->close();
  server->put("demo", "blocker", {{"v", "2"}});
  ASSERT_TRUE(eventually([&] { return h->waiting(); }));
  ObjectPtr upd;
  for (int i = 0; i < 50; ++i) upd = server->put("demo", "upd", {{"v", std::to_string(i)}});
  ObjectPtr fresh = server->put("demo", "new");
  for (int i = 0; i < 5; ++i) fresh = server->put("demo", "new", {{"v", std::to_string(i)}});
  server->put("demo", "gone");
  server->put("demo", "gone", {{"v", "2"}});
  server->remove("demo", "gone");
  server->put("demo", "del", {{"v", "2"}});
  server->remove("demo", "del");
  server->remove("demo", "readd");
  ObjectPtr readd = server->put("demo", "readd");
  readd = server->put("demo", "readd", {{"v", "2"}});
  ASSERT_TRUE(eventually([&] { return cache_state(inf) == server_state(*server); }));
  // One entry per object with a pending change; "gone" came and went unseen.
  EXPECT_EQ(reg->backlog(), 4u);
  // Never more than one entry per changed object (5 with "gone"): the FIFO
  // keeps each key's order, not the order across keys, so "gone"'s delete
  // may arrive after "del" and "readd" have queued (a key in flight is
  // queued again only once its processing ends).
  EXPECT_LE(reg->backlog_high_water(), 5u);

  h->open();
  ASSERT_TRUE(eventually([&] { return h->state() == server_state(*server); }));
  ASSERT_TRUE(eventually([&] { return reg->backlog() == 0; }));
  EXPECT_TRUE(h->violations().empty()) << h->violations().front();

  auto u = events_of(*h, "demo/upd", before);
  ASSERT_EQ(u.size(), 1u);  // update(first old, latest new)
  EXPECT_EQ(u[0].kind, "update");
  EXPECT_EQ(u[0].old_rv, rv(upd0));
  EXPECT_EQ(u[0].rv, rv(upd));
  auto n = events_of(*h, "demo/new", before);
  ASSERT_EQ(n.size(), 1u);  // an update after an add stays an add
  EXPECT_EQ(n[0].kind, "add");
  EXPECT_EQ(n[0].rv, rv(fresh));
  EXPECT_TRUE(events_of(*h, "demo/gone", before).empty());  // add + delete: nothing
  auto d = events_of(*h, "demo/del", before);
  ASSERT_EQ(d.size(), 1u);  // update + delete: the delete wins
  EXPECT_EQ(d[0].kind, "delete");
  auto r = events_of(*h, "demo/readd", before);
  ASSERT_EQ(r.size(), 2u);  // delete + add: both, in order
  EXPECT_EQ(r[0].kind, "delete");
  EXPECT_EQ(r[1].kind, "add");
  EXPECT_EQ(r[1].rv, rv(readd));
  EXPECT_NE(rv(readd0), rv(readd));
  // Every delivered notification was observed once in both histograms (a
  // delivery counts once the handler has returned, just after it recorded).
  ASSERT_TRUE(eventually([&] { return reg->delivered() == h->count(); }))
      << reg->delivered() << " vs " << h->count();
  EXPECT_EQ(reg->latency().count, reg->delivered());
  EXPECT_EQ(reg->handler_time().count, reg->delivered());
}

TEST(HandlerCoalescing, StalledHandlerHoldsAtMostOneEntryPerObject) {
  constexpr int kObjects = 20;
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options());
  auto coalescing = std::make_shared<GatedHandler>(false);
  auto fifo = std::make_shared<GatedHandler>(false);
  auto creg = inf.add_event_handler(coalescing, HandlerOptions{.coalesce = true});
  auto freg = inf.add_event_handler(fifo, HandlerOptions{});
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  std::mt19937 rng(11);
  int writes = 0;
  for (int i = 0; i < 2000; ++i, ++writes) {
    std::string name = "o" + std::to_string(rng() % kObjects);
    if (rng() % 10 == 0) {
      server->remove("demo", name);
    } else {
      server->put("demo", name, {{"i", std::to_string(i)}});
    }
  }
  ASSERT_TRUE(eventually([&] { return cache_state(inf) == server_state(*server); }));
  ASSERT_TRUE(eventually([&] { return freg->backlog() > 1000; }));
  EXPECT_LE(creg->backlog(), std::size_t(kObjects));
  EXPECT_LE(creg->backlog_high_water(), std::size_t(kObjects));

  coalescing->open();
  fifo->open();
  auto want = server_state(*server);
  ASSERT_TRUE(eventually([&] { return coalescing->state() == want && fifo->state() == want; }));
  ASSERT_TRUE(eventually([&] { return creg->backlog() == 0 && freg->backlog() == 0; }));
  EXPECT_TRUE(coalescing->violations().empty()) << coalescing->violations().front();
  EXPECT_TRUE(fifo->violations().empty()) << fifo->violations().front();
  ASSERT_TRUE(eventually([&] {
    return creg->delivered() == coalescing->count() && freg->delivered() == fifo->count();
  }));
  EXPECT_LT(creg->delivered(), freg->delivered());
  EXPECT_EQ(creg->latency().count, creg->delivered());
  EXPECT_EQ(freg->latency().count, freg->delivered());
}

TEST(HandlerCoalescing, HasSyncedCountsMergedAndCancelledInitialAddsRight) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 10; ++i) server->put("demo", "o" + std::to_string(i));
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<GatedHandler>(false);
  auto reg = inf.add_event_handler(h, HandlerOptions{.coalesce = true});
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return h->waiting(); }));  // stalled on its first initial add
  for (int i = 0; i < 10; ++i) server->put("demo", "o" + std::to_string(i), {{"v", "2"}});
  for (int i = 5; i < 8; ++i) server->remove("demo", "o" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return cache_state(inf) == server_state(*server); }));
  ASSERT_EQ(h->events().size(), 0u);
  EXPECT_FALSE(reg->has_synced());
  // o0's update (the handler holds o0), o1..o4, o8, o9 as adds of their
  // latest state; o5..o7 were added and deleted unseen.
  EXPECT_EQ(reg->backlog(), 7u);
  h->open();
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  ASSERT_TRUE(eventually([&] { return h->state() == server_state(*server); }));
  EXPECT_TRUE(h->violations().empty()) << h->violations().front();
  ASSERT_EQ(h->events().front().key, "demo/o0");  // the one in flight: the list's first
  std::size_t initial = 0, updates = 0;
  for (const auto& e : h->events()) {
    initial += e.kind == "add-initial";
    updates += e.kind == "update";
  }
  // o0 (in flight) and the 6 survivors, as initial adds of their latest state.
  EXPECT_EQ(initial, 7u);
  EXPECT_EQ(updates, 1u);  // only o0, which the handler had seen
}

TEST(HandlerMetrics, HistogramsCountEveryDeliveryInTheRightBucket) {
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options());
  auto slow = std::make_shared<ResourceEventHandlerFuncs>();
  slow->add = [](const ObjectPtr&, bool) { std::this_thread::sleep_for(3ms); };  // a slow handler
  auto reg = inf.add_event_handler(slow);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  for (int i = 0; i < 10; ++i) server->put("demo", "o" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return reg->delivered() == 10; }));
  LatencyHistogram run = reg->handler_time();
  LatencyHistogram lat = reg->latency();
  EXPECT_EQ(run.count, 10u);
  EXPECT_EQ(lat.count, 10u);
  EXPECT_EQ(run.cumulative(LatencyHistogram::kBounds.size()), 10u);
  EXPECT_EQ(run.cumulative(1), 0u);  // none within 2.5 ms
  EXPECT_GE(run.sum_seconds, 0.030);
  EXPECT_GE(lat.sum_seconds, run.sum_seconds);  // queueing time comes on top
}

// Captures the records of one component.
class CaptureSink : public log::Sink {
 public:
  struct Captured {
    std::string message;
    std::map<std::string, std::string> fields;
  };
  void write(const log::Record& r) override {
    if (r.component != "informer") return;
    Captured c{std::string(r.message), {}};
    for (const log::Field& f : r.fields) c.fields[std::string(f.key)] = f.value;
    MutexLock l(mu_);
    records_.push_back(std::move(c));
  }
  std::vector<Captured> records(std::string_view message) const {
    MutexLock l(mu_);
    std::vector<Captured> out;
    for (const auto& c : records_)
      if (c.message == message) out.push_back(c);
    return out;
  }

 private:
  mutable Mutex mu_;
  std::vector<Captured> records_ KUBE_GUARDED_BY(mu_);
};

class HandlerLogTest : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = log::set_sink(sink_); }
  void TearDown() override { log::set_sink(previous_); }
  std::shared_ptr<CaptureSink> sink_ = std::make_shared<CaptureSink>();
  std::shared_ptr<log::Sink> previous_;
};

TEST_F(HandlerLogTest, BacklogAboveThresholdIsLoggedOncePerInterval) {
  FakeClock clock;  // outlives the informer
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<GatedHandler>(false);
  auto reg = inf.add_event_handler(h, HandlerOptions{.backlog_warning = 5, .clock = &clock});
  // Registered after `h`: once it has an event, h's push of it (and the log
  // record) is done — the informer distributes to handlers in order.
  auto after = std::make_shared<RecordingHandler>();
  inf.add_event_handler(after);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  const char* kMessage = "event handler backlog above threshold";
  server->put("demo", "o0");
  ASSERT_TRUE(eventually([&] { return h->waiting(); }));  // o0 is in the handler
  for (int i = 1; i < 21; ++i) server->put("demo", "o" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return after->count() == 21; }));
  EXPECT_EQ(reg->backlog(), 20u);
  auto got = sink_->records(kMessage);
  ASSERT_EQ(got.size(), 1u);  // backlogs 6..20: one record per interval
  EXPECT_EQ(got[0].fields["informer"], "configmaps");
  EXPECT_EQ(got[0].fields["backlog"], "6");
  EXPECT_EQ(got[0].fields["threshold"], "5");

  clock.step(31s);
  server->put("demo", "late");
  ASSERT_TRUE(eventually([&] { return after->count() == 22; }));
  got = sink_->records(kMessage);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].fields["backlog"], "21");
  EXPECT_EQ(got[1].fields["suppressed"], "14");
  h->open();
}

TEST_F(HandlerLogTest, ThrowingHandlerIsLoggedCountedAndStillSyncs) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->put("demo", "b");
  SharedIndexInformer inf(server, fast_informer_options());
  auto thrower = std::make_shared<ResourceEventHandlerFuncs>();
  thrower->add = [](const ObjectPtr&, bool) { throw std::runtime_error("handler bug"); };
  auto reg = inf.add_event_handler(thrower, HandlerOptions{.coalesce = true});
  inf.start();
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  EXPECT_EQ(reg->handler_exceptions(), 2u);
  auto got = sink_->records("event handler threw");
  ASSERT_EQ(got.size(), 1u);  // the second within the interval is suppressed
  EXPECT_EQ(got[0].fields["informer"], "configmaps");
  EXPECT_EQ(got[0].fields["error"], "handler bug");
}

// Handlers join and leave at any moment while writes flow and the informer
// relists (compaction turns every re-watch into a 410 and a relist): each one
// sees a consistent stream, and the ones still registered converge.
TEST(SharedInformer, HandlersAddedAndRemovedDuringRelistsEachSeeAConsistentStream) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 30; ++i) server->put("demo", "o" + std::to_string(i));
  SharedIndexInformer inf(server, fast_informer_options());
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));

  std::atomic<bool> running{true};
  std::thread writer([&] {
    std::mt19937 rng(5);
    for (int i = 0; running; ++i) {
      std::string name = "o" + std::to_string(rng() % 30);
      if (rng() % 5 == 0) {
        server->remove("demo", name);
      } else {
        server->put("demo", name, {{"i", std::to_string(i)}});
      }
      if (i % 50 == 0) {
        server->compact();
        server->break_watches();
      }
    }
  });
  struct Joined {
    std::shared_ptr<RecordingHandler> handler;
    std::shared_ptr<HandlerRegistration> reg;
  };
  std::vector<Joined> live, removed;
  std::mt19937 rng(9);
  for (int step = 0; step < 60; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      auto h = std::make_shared<RecordingHandler>();
      live.push_back({h, inf.add_event_handler(h, HandlerOptions{.coalesce = step % 2 == 0})});
    } else {
      std::size_t i = rng() % live.size();
      ASSERT_TRUE(inf.remove_event_handler(live[i].reg).ok());
      removed.push_back(live[i]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    std::this_thread::sleep_for(1ms);
  }
  // Relists did happen while handlers were registered: on a loaded machine
  // the 60 steps can end before the reflector's second relist, so the writer
  // goes on until it has.
  const bool relisted = eventually([&] { return inf.reflector_stats().lists > 2u; });
  running = false;
  writer.join();
  ASSERT_TRUE(relisted) << "lists=" << inf.reflector_stats().lists;
  auto want = server_state(*server);
  ASSERT_TRUE(eventually([&] { return cache_state(inf) == want; }));
  std::vector<std::size_t> removed_counts;
  for (const auto& j : removed) removed_counts.push_back(j.handler->count());
  server->put("demo", "after-removal");
  want = server_state(*server);
  for (const auto& j : live) {
    ASSERT_TRUE(eventually([&] { return j.handler->state() == want; }));
    EXPECT_TRUE(j.reg->has_synced());
    EXPECT_TRUE(j.handler->violations().empty()) << j.handler->violations().front();
  }
  for (std::size_t i = 0; i < removed.size(); ++i) {
    EXPECT_TRUE(removed[i].handler->violations().empty())
        << removed[i].handler->violations().front();
    EXPECT_EQ(removed[i].handler->count(), removed_counts[i]);  // nothing after removal
  }
}

}  // namespace
}  // namespace kube::informers
