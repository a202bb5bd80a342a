#include "kube/workqueue/rate_limiting_queue.h"

#include <string>

#include <gtest/gtest.h>

#include "support/wait.h"

namespace kube::workqueue {
namespace {

using namespace std::chrono_literals;
using kube::testing::eventually;

TEST(DelayingQueue, ItemBecomesReadyOnlyWhenItsTimeComes) {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.add_after("a", 10s);
  EXPECT_EQ(q.waiting(), 1u);
  ASSERT_TRUE(eventually([&] { return clock.waiters() == 1; }));  // the loop is asleep
  clock.step(9s);
  ASSERT_TRUE(eventually([&] { return clock.waiters() == 1; }));
  EXPECT_EQ(q.len(), 0u);
  clock.step(1s);
  EXPECT_TRUE(eventually([&] { return q.len() == 1; }));
  EXPECT_EQ(q.waiting(), 0u);
  EXPECT_EQ(q.get(), "a");
}

TEST(DelayingQueue, EarlierReadyTimeWinsForTheSameItem) {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.add_after("a", 10s);
  q.add_after("a", 2s);
  q.add_after("a", 5s);  // later than the 2 s one: ignored
  EXPECT_EQ(q.waiting(), 1u);
  clock.step(2s);
  EXPECT_TRUE(eventually([&] { return q.len() == 1; }));
  ASSERT_EQ(q.get(), "a");
  q.done("a");
  clock.step(20s);  // the stale 10 s and 5 s entries must not re-add it
  ASSERT_TRUE(eventually([&] { return clock.waiters() == 1; }));
  EXPECT_EQ(q.len(), 0u);
}

TEST(DelayingQueue, ItemsComeOutInReadyOrder) {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.add_after("c", 3s);
  q.add_after("a", 1s);
  q.add_after("b", 2s);
  clock.step(5s);
  EXPECT_TRUE(eventually([&] { return q.len() == 3; }));
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.get(), "c");
}

TEST(DelayingQueue, ZeroOrNegativeDelayAddsAtOnce) {
  DelayingQueue<std::string> q;
  q.add_after("a", 0s);
  q.add_after("b", -1s);
  EXPECT_EQ(q.len(), 2u);
}

TEST(DelayingQueue, ShutDownStopsWaitingAndRefusesAdds) {
  DelayingQueue<std::string> q;
  q.add_after("a", 1h);
  q.shut_down();
  q.add_after("b", 0s);
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.get(), std::nullopt);
}

TEST(RateLimiter, ExponentialDoublesPerFailureUpToMaxAndForgets) {
  ItemExponentialFailureRateLimiter<std::string> l(5ms, 40ms);
  EXPECT_EQ(l.when("a"), 5ms);
  EXPECT_EQ(l.when("a"), 10ms);
  EXPECT_EQ(l.when("a"), 20ms);
  EXPECT_EQ(l.when("a"), 40ms);
  EXPECT_EQ(l.when("a"), 40ms);
  EXPECT_EQ(l.when("b"), 5ms);  // per item
  EXPECT_EQ(l.num_requeues("a"), 5);
  l.forget("a");
  EXPECT_EQ(l.num_requeues("a"), 0);
  EXPECT_EQ(l.when("a"), 5ms);
}

TEST(RateLimiter, ExponentialSaturatesInsteadOfOverflowing) {
  ItemExponentialFailureRateLimiter<std::string> l(5ms, 1000s);
  Clock::Duration d{};
  for (int i = 0; i < 2000; ++i) d = l.when("a");
  EXPECT_EQ(d, 1000s);
}

TEST(RateLimiter, BucketAllowsBurstThenSpacesByQps) {
  FakeClock clock;
  BucketRateLimiter<std::string> l(10.0, 3, &clock);
  EXPECT_EQ(l.when("a"), 0s);
  EXPECT_EQ(l.when("b"), 0s);
  EXPECT_EQ(l.when("c"), 0s);
  EXPECT_EQ(l.when("d"), 100ms);
  EXPECT_EQ(l.when("e"), 200ms);
  clock.step(1s);  // refills up to the burst only
  EXPECT_EQ(l.when("f"), 0s);
}

TEST(RateLimiter, FastSlowSwitchesAfterMaxFastAttempts) {
  ItemFastSlowRateLimiter<std::string> l(1ms, 1s, 2);
  EXPECT_EQ(l.when("a"), 1ms);
  EXPECT_EQ(l.when("a"), 1ms);
  EXPECT_EQ(l.when("a"), 1s);
  l.forget("a");
  EXPECT_EQ(l.when("a"), 1ms);
}

TEST(RateLimiter, DefaultControllerLimiterIsMaxOfExponentialAndBucket) {
  FakeClock clock;
  auto l = default_controller_rate_limiter<std::string>(&clock);
  EXPECT_EQ(l->when("a"), 5ms);
  EXPECT_EQ(l->when("a"), 10ms);
  EXPECT_EQ(l->num_requeues("a"), 2);
  // 98 more calls use up the burst of 100; the 101st waits 1/10 s.
  Clock::Duration last{};
  for (int i = 0; i < 99; ++i) last = l->when("k" + std::to_string(i));
  EXPECT_EQ(last, 100ms);
}

TEST(RateLimitingQueue, AddRateLimitedWaitsTheLimitersDelayAndCountsRetries) {
  FakeClock clock;
  RateLimitingQueue<std::string> q(
      std::make_unique<ItemExponentialFailureRateLimiter<std::string>>(1s, 60s), {.clock = &clock});
  q.add_rate_limited("a");
  q.add_rate_limited("a");  // second failure: 2 s, but the 1 s entry is earlier
  EXPECT_EQ(q.num_requeues("a"), 2);
  EXPECT_EQ(q.metrics().retries, 2u);
  clock.step(1s);
  EXPECT_TRUE(eventually([&] { return q.len() == 1; }));
  q.forget("a");
  EXPECT_EQ(q.num_requeues("a"), 0);
}

}  // namespace
}  // namespace kube::workqueue
