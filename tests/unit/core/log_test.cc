#include "kube/core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kube::log {
namespace {

struct Captured {
  Level level;
  std::string component, message;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string line;
};

class CaptureSink : public Sink {
 public:
  void write(const Record& r) override {
    Captured c{r.level, std::string(r.component), std::string(r.message), {}, format(r)};
    for (const Field& f : r.fields) c.fields.emplace_back(std::string(f.key), f.value);
    MutexLock l(mu_);
    records_.push_back(std::move(c));
  }
  std::vector<Captured> records() const {
    MutexLock l(mu_);
    return records_;
  }

 private:
  mutable Mutex mu_;
  std::vector<Captured> records_ KUBE_GUARDED_BY(mu_);
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = set_sink(sink_);
    previous_level_ = level();
    set_level(Level::kInfo);
  }
  void TearDown() override {
    set_sink(previous_);
    set_level(previous_level_);
  }
  std::shared_ptr<CaptureSink> sink_ = std::make_shared<CaptureSink>();
  std::shared_ptr<Sink> previous_;
  Level previous_level_ = Level::kInfo;
};

TEST_F(LogTest, RecordsReachTheInstalledSinkWithTheirFields) {
  write(Level::kWarning, "reflector", "list failed", {{"name", "pods"}, {"code", 403}, {"ok", false}});
  auto r = sink_->records();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].level, Level::kWarning);
  EXPECT_EQ(r[0].component, "reflector");
  EXPECT_EQ(r[0].message, "list failed");
  std::vector<std::pair<std::string, std::string>> want{{"name", "pods"}, {"code", "403"}, {"ok", "false"}};
  EXPECT_EQ(r[0].fields, want);
}

TEST_F(LogTest, LevelsBelowTheThresholdAreDropped) {
  set_level(Level::kWarning);
  write(Level::kInfo, "x", "dropped");
  write(Level::kDebug, "x", "dropped");
  write(Level::kError, "x", "kept");
  auto r = sink_->records();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].message, "kept");
}

TEST_F(LogTest, CredentialsAreRedactedBeforeAnySinkSeesThem) {
  write(Level::kError, "transport", "auth failed",
        {{"bearer-token", "abc123"}, {"Authorization", "Bearer abc123"}, {"clientKeyPassword", "pw"},
         {"user", "alice"}});
  auto r = sink_->records();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields[0].second, "[redacted]");
  EXPECT_EQ(r[0].fields[1].second, "[redacted]");
  EXPECT_EQ(r[0].fields[2].second, "[redacted]");
  EXPECT_EQ(r[0].fields[3].second, "alice");
  EXPECT_EQ(r[0].line.find("abc123"), std::string::npos);
}

TEST_F(LogTest, FormatQuotesValuesThatNeedIt) {
  write(Level::kWarning, "reflector", "watch ended",
        {{"plain", "pods"}, {"spaced", "is forbidden: \"x\""}, {"empty", ""}, {"nl", "a\nb"}});
  auto r = sink_->records();
  ASSERT_EQ(r.size(), 1u);
  const std::string& line = r[0].line;
  EXPECT_EQ(line[0], 'W');
  EXPECT_NE(line.find(" reflector] watch ended plain=pods spaced=\"is forbidden: \\\"x\\\"\" empty=\"\" nl=\"a\\nb\""),
            std::string::npos)
      << line;
}

TEST_F(LogTest, RateLimitedWritesFirstThenOncePerIntervalWithSuppressedCount) {
  FakeClock clock;
  RateLimited limited(std::chrono::seconds(30), clock);
  EXPECT_TRUE(limited.write(Level::kWarning, "reflector", "watch failed", {{"name", "pods"}}));
  for (int i = 0; i < 29; ++i) {
    clock.step(std::chrono::seconds(1));
    EXPECT_FALSE(limited.write(Level::kWarning, "reflector", "watch failed", {{"name", "pods"}}));
  }
  EXPECT_EQ(limited.suppressed(), 29u);
  EXPECT_EQ(sink_->records().size(), 1u);
  clock.step(std::chrono::seconds(1));
  EXPECT_TRUE(limited.write(Level::kWarning, "reflector", "watch failed", {{"name", "pods"}}));
  auto r = sink_->records();
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[1].fields.size(), 2u);
  EXPECT_EQ(r[1].fields[1], (std::pair<std::string, std::string>{"suppressed", "29"}));
  EXPECT_EQ(limited.suppressed(), 0u);
  // The first record carries no count.
  EXPECT_EQ(r[0].fields.size(), 1u);
}

TEST_F(LogTest, RestoringTheDefaultSinkReturnsTheInstalledOne) {
  auto mine = set_sink(nullptr);
  EXPECT_EQ(mine, sink_);
  auto default_sink = set_sink(sink_);  // the default is created lazily, on the first write
  EXPECT_EQ(default_sink, nullptr);
}

TEST_F(LogTest, ConcurrentWritersAndSinkSwapsLoseNothingAndDoNotRace) {
  RateLimited limited(std::chrono::hours(1));
  constexpr int kThreads = 4, kPerThread = 500;
  auto other = std::make_shared<CaptureSink>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        write(Level::kInfo, "test", "message", {{"thread", t}, {"i", i}});
        limited.write(Level::kWarning, "test", "limited");
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 100; ++i) {
      set_sink(i % 2 ? sink_ : other);
      set_level(Level::kInfo);
    }
    set_sink(sink_);
  });
  for (auto& t : threads) t.join();
  auto mine = sink_->records();
  auto theirs = other->records();
  std::size_t plain = 0, limited_n = 0;
  for (const auto* v : {&mine, &theirs}) {
    for (const auto& c : *v) (c.message == "limited" ? limited_n : plain)++;
  }
  EXPECT_EQ(plain, static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(limited_n, 1u);
  EXPECT_EQ(limited.suppressed(), static_cast<std::uint64_t>(kThreads * kPerThread - 1));
}

}  // namespace
}  // namespace kube::log
