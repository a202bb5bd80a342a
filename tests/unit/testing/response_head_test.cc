// The embedded API server writes a response's status line and headers itself
// (one gathered write with the body); what a client receives must stay byte for
// byte what Beast's serializer wrote before.
#include <sstream>
#include <string>

#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "src/testing/rest.h"

namespace kube::testing::internal {
namespace {

namespace http = boost::beast::http;

// What the server sent before: a Beast response with these fields, serialised.
std::string beast_bytes(const Response& r) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-cache, private");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string our_bytes(const Response& r) {
  std::string out;
  append_response_head(out, r, r.body.size());
  return out + r.body;
}

TEST(ResponseHead, IsWhatBeastWritesForJsonBodies) {
  Response ok = json_response(200, R"({"kind":"ConfigMap"})", false);
  EXPECT_EQ(our_bytes(ok), beast_bytes(ok));
  Response created = json_response(201, R"({"kind":"Pod"})", true);
  EXPECT_EQ(our_bytes(created), beast_bytes(created));
  Response empty = json_response(200, "", false);
  EXPECT_EQ(our_bytes(empty), beast_bytes(empty));
  EXPECT_EQ(our_bytes(ok).substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST(ResponseHead, IsWhatBeastWritesForErrorsAndExtraHeaders) {
  for (unsigned code : {400u, 401u, 403u, 404u, 405u, 409u, 410u, 415u, 422u, 429u, 500u, 503u}) {
    Response r = error_response(Error{int(code), "Reason", "message", std::nullopt}, false);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    EXPECT_EQ(our_bytes(r), beast_bytes(r)) << code;
  }
  StatusDetails details;
  details.retry_after_seconds = 3;
  Response throttled = error_response(Error{429, "TooManyRequests", "slow down", details}, false);
  ASSERT_FALSE(throttled.headers.empty());
  EXPECT_EQ(our_bytes(throttled), beast_bytes(throttled));
  EXPECT_NE(our_bytes(throttled).find("\r\nRetry-After: 3\r\n"), std::string::npos);
}

TEST(ResponseHead, ALaterHeaderOfTheSameNameReplacesTheEarlierOne) {
  Response r = json_response(200, "{}", false);
  r.content_type = kAggregatedDiscoveryType;
  r.headers.emplace_back("Vary", "Accept");
  r.headers.emplace_back("cache-control", "no-store");
  r.headers.emplace_back("VARY", "Accept-Encoding");
  EXPECT_EQ(our_bytes(r), beast_bytes(r));
  EXPECT_EQ(our_bytes(r).find("no-cache"), std::string::npos);
}

}  // namespace
}  // namespace kube::testing::internal
