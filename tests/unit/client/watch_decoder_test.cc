#include "kube/client/watch_decoder.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

struct Decoded {
  std::vector<WatchEvent> events;
  std::optional<Error> error;
};

// Feeds `stream` cut at the given sizes (cycled), then finishes.
Decoded decode_in_pieces(std::string_view stream, const std::vector<std::size_t>& sizes) {
  WatchDecoder dec;
  Decoded d;
  std::size_t i = 0, k = 0;
  while (i < stream.size()) {
    std::size_t n = std::min(sizes[k++ % sizes.size()], stream.size() - i);
    if (auto r = dec.feed(stream.substr(i, n), d.events); !r) {
      d.error = r.error();
      return d;
    }
    i += n;
  }
  if (auto r = dec.finish(d.events); !r) d.error = r.error();
  return d;
}

std::vector<std::string> summary(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const auto& ev : events) {
    std::string s(to_string(ev.type));
    if (ev.object) s += " " + std::string(ev.object->name()) + "@" + std::string(ev.object->resource_version());
    if (ev.error) s += " " + std::to_string(ev.error->code) + " " + ev.error->reason;
    out.push_back(s);
  }
  return out;
}

// Undoes HTTP/1.1 chunked transfer coding (what the transport does).
std::string dechunk(std::string_view raw) {
  std::string out;
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t eol = raw.find("\r\n", i);
    std::size_t n = std::stoul(std::string(raw.substr(i, eol - i)), nullptr, 16);
    if (n == 0) break;
    out.append(raw.substr(eol + 2, n));
    i = eol + 2 + n + 2;
  }
  return out;
}

const char* kWatchFixtures[] = {
    "watch/410-watch-too-old.jsonl",         "watch/configmaps-watch-labelselector.jsonl",
    "watch/configmaps-watch.jsonl",          "watch/pods-metadata-only-watch.jsonl",
    "watch/pods-watchlist-no-rv.jsonl",      "watch/pods-watchlist.jsonl",
};

TEST(WatchDecoder, StripManagedFieldsBuildsEveryEventsObjectWithout) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/pods-watchlist.jsonl");
  WatchDecoder full_dec;
  WatchDecoder lean_dec({.strip_managed_fields = true});
  std::vector<WatchEvent> full, lean;
  ASSERT_TRUE(full_dec.feed(stream, full).ok());
  ASSERT_TRUE(lean_dec.feed(stream, lean).ok());
  ASSERT_TRUE(full_dec.finish(full).ok());
  ASSERT_TRUE(lean_dec.finish(lean).ok());
  ASSERT_EQ(lean.size(), full.size());
  std::size_t stripped = 0;
  for (std::size_t i = 0; i < lean.size(); ++i) {
    EXPECT_EQ(lean[i].type, full[i].type);
    if (!full[i].object) continue;
    auto want = full[i].object->to_value();
    if (want.at("metadata").as_object().erase("managedFields") > 0) ++stripped;
    EXPECT_EQ(lean[i].object->to_value(), want);
  }
  EXPECT_GT(stripped, 0u);  // the captured pods have them
}

TEST(WatchDecoder, ConfigMapWatchFixtureYieldsEveryEventInOrder) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  Decoded d = decode_in_pieces(stream, {stream.size()});
  ASSERT_FALSE(d.error) << d.error->message;
  std::vector<std::string> s = summary(d.events);
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0].rfind("ADDED w1@", 0), 0u) << s[0];
  EXPECT_EQ(s[1].rfind("MODIFIED w1@", 0), 0u);
  EXPECT_EQ(s[4].rfind("DELETED w1@", 0), 0u);
  EXPECT_EQ(s[5], "BOOKMARK @291");
  EXPECT_EQ(d.events[0].object->kind(), "ConfigMap");
  EXPECT_EQ(d.events[0].object->namespace_(), "demo");
}

TEST(WatchDecoder, EveryFixtureDecodesTheSameByteByByteAndInRandomSplits) {
  std::mt19937 rng(42);
  for (const char* f : kWatchFixtures) {
    KUBE_FIXTURE_OR_SKIP(stream, f);
    Decoded whole = decode_in_pieces(stream, {stream.size()});
    ASSERT_FALSE(whole.error) << f << ": " << whole.error->message;
    ASSERT_FALSE(whole.events.empty()) << f;
    Decoded bytewise = decode_in_pieces(stream, {1});
    ASSERT_FALSE(bytewise.error) << f;
    EXPECT_EQ(summary(bytewise.events), summary(whole.events)) << f;
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::size_t> sizes;
      std::uniform_int_distribution<std::size_t> dist(1, 700);
      for (int j = 0; j < 50; ++j) sizes.push_back(dist(rng));
      Decoded random = decode_in_pieces(stream, sizes);
      ASSERT_FALSE(random.error) << f;
      ASSERT_EQ(summary(random.events), summary(whole.events)) << f;
      for (std::size_t k = 0; k < whole.events.size(); ++k) {
        if (whole.events[k].object) {
          EXPECT_EQ(random.events[k].object->json(), whole.events[k].object->json());
        }
      }
    }
  }
}

TEST(WatchDecoder, TooOldResourceVersionBecomesAnExpiredErrorEvent) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/410-watch-too-old.jsonl");
  Decoded d = decode_in_pieces(stream, {3});
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, WatchEventType::Error);
  EXPECT_FALSE(d.events[0].object);
  ASSERT_TRUE(d.events[0].error);
  EXPECT_EQ(d.events[0].error->code, 410);
  EXPECT_EQ(d.events[0].error->reason, "Expired");
  EXPECT_TRUE(d.events[0].error->is_gone());
  EXPECT_EQ(d.events[0].error->message, "too old resource version: 2 (301)");
}

TEST(WatchDecoder, DechunkedRawCaptureMatchesTheDecodedFixture) {
  KUBE_FIXTURE_OR_SKIP(raw, "watch/configmaps-watch.raw-chunked");
  KUBE_FIXTURE_OR_SKIP(jsonl, "watch/configmaps-watch.jsonl");
  Decoded from_raw = decode_in_pieces(dechunk(raw), {17, 5, 333});
  Decoded from_jsonl = decode_in_pieces(jsonl, {jsonl.size()});
  ASSERT_FALSE(from_raw.error);
  EXPECT_EQ(summary(from_raw.events), summary(from_jsonl.events));
}

TEST(WatchDecoder, StreamCutMidObjectIsReportedAtFinish) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  std::size_t second_line = stream.find('\n') + 1;
  std::string cut = stream.substr(0, second_line + 40);
  WatchDecoder dec;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(dec.feed(cut, events));
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(dec.pending(), 40u);
  Result<void> r = dec.finish(events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "StreamTruncated");
  EXPECT_NE(r.error().message.find("at byte " + std::to_string(second_line)), std::string::npos)
      << r.error().message;
  EXPECT_EQ(events.size(), 1u);
}

TEST(WatchDecoder, LastEventWithoutNewlineIsDecodedAtFinish) {
  WatchDecoder dec;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(dec.feed(R"({"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}})", events));
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(dec.finish(events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object->name(), "a");
}

TEST(WatchDecoder, InvalidJsonLineIsAnErrorNamingItsByteOffset) {
  std::string good = R"({"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}})" "\n";
  std::string stream = good + "{\"type\":\"ADDED\",\"object\":{\"kind\":}\n" + good;
  WatchDecoder dec;
  std::vector<WatchEvent> events;
  Result<void> r = dec.feed(stream, events);
  ASSERT_FALSE(r);
  EXPECT_EQ(events.size(), 1u);  // the event before the bad line was delivered
  EXPECT_NE(r.error().message.find("at byte " + std::to_string(good.size())), std::string::npos)
      << r.error().message;
  // The decoder stays failed.
  EXPECT_FALSE(dec.feed(good, events));
}

TEST(WatchDecoder, RejectsLinesThatAreNotEventObjects) {
  const char* bad[] = {
      "[1,2]\n",
      "\"ADDED\"\n",
      R"({"type":"ADDED"})" "\n",
      R"({"object":{"kind":"Pod"}})" "\n",
      R"({"type":"EXPLODED","object":{"kind":"Pod"}})" "\n",
      R"({"type":"ADDED","object":[1]})" "\n",
      R"({"type":"ERROR","object":{"kind":"Pod"}})" "\n",
  };
  for (const char* line : bad) {
    WatchDecoder dec;
    std::vector<WatchEvent> events;
    Result<void> r = dec.feed(line, events);
    ASSERT_FALSE(r) << line;
    EXPECT_NE(r.error().message.find("at byte 0"), std::string::npos) << r.error().message;
  }
}

TEST(WatchDecoder, ToleratesCarriageReturnsAndBlankLines) {
  std::string stream =
      "\r\n" R"({"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"b"}}})"
      "\r\n\n";
  Decoded d = decode_in_pieces(stream, {2});
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, WatchEventType::Modified);
}

TEST(WatchDecoder, LargeObjectSpanningManyChunksSurvivesBufferGrowth) {
  std::string data(200000, 'x');
  std::string stream = R"({"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"big"},"data":{"k":")" +
                       data + "\"}}}\n";
  Decoded d = decode_in_pieces(stream, {4093});
  ASSERT_FALSE(d.error) << d.error->message;
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].object->field_string("data.k"), data);
}

}  // namespace
}  // namespace kube
