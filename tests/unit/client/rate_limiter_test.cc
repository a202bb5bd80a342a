#include "src/client/rate_limiter.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, AllowsABurstThenSpacesRequestsAtQps) {
  RateLimiter limiter(5, 10);  // client-go's defaults
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.reserve(t0).count(), 0) << i;
  // The 11th waits one token's time (200ms at 5 qps), the 12th two.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.reserve(t0)).count(), 200);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.reserve(t0)).count(), 400);
}

TEST(RateLimiter, RefillsOverTimeUpToBurst) {
  RateLimiter limiter(10, 2);
  auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.reserve(t0).count(), 0);
  EXPECT_EQ(limiter.reserve(t0).count(), 0);
  EXPECT_GT(limiter.reserve(t0).count(), 0);
  // An hour later only `burst` tokens are saved up.
  auto later = t0 + std::chrono::hours(1);
  EXPECT_EQ(limiter.reserve(later).count(), 0);
  EXPECT_EQ(limiter.reserve(later).count(), 0);
  EXPECT_GT(limiter.reserve(later).count(), 0);
}

TEST(RateLimiter, ZeroQpsDisablesLimiting) {
  RateLimiter limiter(0, 1);
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.reserve(t0).count(), 0);
}

}  // namespace
}  // namespace kube
