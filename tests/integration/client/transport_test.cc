// Transport against a loopback HTTPS server: TLS verification, token and
// client-certificate auth, exec plugins, retries, streaming, cancellation.
#include "kube/client/transport.h"

#include <sys/stat.h>

#include <fstream>
#include <future>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/client/test_server.h"
#include "kube/client/watch_decoder.h"
#include "kube/version.h"
#include "support/fixtures.h"

namespace kube {
namespace {

using ::testing::HasSubstr;
using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;
namespace fs = std::filesystem;

const testing::TestPki& transport_pki() {
  static const testing::TestPki p = testing::make_test_pki("admin");
  return p;
}

TestResponse status_response(int code, const std::string& reason, const std::string& message) {
  return {.status = code,
          .headers = {{"Content-Type", "application/json"}},
          .body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
                  R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}"};
}

RestConfig config_for(const TestServer& server) {
  RestConfig c;
  c.host = server.url();
  c.ca_pem = transport_pki().ca.cert_pem;
  c.bearer_token = "good-token";
  c.qps = 0;  // tests measure behaviour, not the limiter
  c.source = "test config";
  return c;
}

std::unique_ptr<Transport> make(RestConfig c, TransportOptions o = {}) {
  o.initial_backoff = std::chrono::milliseconds(5);
  auto t = Transport::create(std::move(c), o);
  EXPECT_TRUE(t);
  return std::move(*t);
}

TestResponse require_token(const TestRequest& r, const std::string& token, TestResponse ok) {
  if (r.header("authorization") != "Bearer " + token) return status_response(401, "Unauthorized", "Unauthorized");
  return ok;
}

TEST(Transport, GetsOverVerifiedTlsWithBearerToken) {
  TestServer server(transport_pki(), [](const TestRequest& r) {
    return require_token(r, "good-token", {.body = "hello " + r.target});
  });
  auto t = make(config_for(server));
  Result<HttpResponse> r = t->request({.path = "/api/v1/namespaces"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello /api/v1/namespaces");
  EXPECT_EQ(r->http_version, 1);  // Beast speaks HTTP/1.1 only
}

// Server logs and audit show which client called: "kinformer/<version>" by
// default (client-go sends "<program>/<version>"), or what the config says.
TEST(Transport, SendsTheUserAgentWithKinformersVersion) {
  TestServer server(transport_pki(), [](const TestRequest& r) { return TestResponse{.body = r.header("user-agent")}; });
  Result<HttpResponse> r = make(config_for(server))->request({.path = "/api"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "kinformer/" + std::string(kube::version()));
  RestConfig c = config_for(server);
  c.user_agent = "my-operator/2.0";
  r = make(c)->request({.path = "/api"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "my-operator/2.0");
}

TEST(Transport, WrongTokenIsATypedUnauthorizedErrorWithoutTheToken) {
  TestServer server(transport_pki(), [](const TestRequest& r) { return require_token(r, "good-token", {}); });
  RestConfig c = config_for(server);
  c.bearer_token = "bad-s3cr3t";
  Result<HttpResponse> r = make(c)->request({.path = "/api"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 401);
  EXPECT_EQ(r.error().reason, "Unauthorized");
  EXPECT_THAT(r.error().message, ::testing::Not(HasSubstr("s3cr3t")));
}

TEST(Transport, ClientCertificateAuthenticates) {
  TestServer server(transport_pki(), [](const TestRequest& r) {
    if (r.client_cn != "admin") return status_response(401, "Unauthorized", "no cert");
    return TestResponse{.body = "hi " + r.client_cn};
  });
  RestConfig c = config_for(server);
  c.bearer_token.clear();
  c.client_cert_pem = transport_pki().client.cert_pem;
  c.client_key_pem = transport_pki().client.key_pem;
  Result<HttpResponse> r = make(c)->request({.path = "/api"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "hi admin");
}

TEST(Transport, UntrustedServerCertificateIsRejectedUnlessInsecure) {
  TestServer server(transport_pki(), [](const TestRequest&) { return TestResponse{.body = "ok"}; });
  RestConfig c = config_for(server);
  c.ca_pem = testing::make_test_pki().ca.cert_pem;  // some other CA
  Result<HttpResponse> r = make(c)->request({.path = "/api"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "TLSError");
  c.ca_pem.clear();
  c.insecure_skip_tls_verify = true;
  EXPECT_TRUE(make(c)->request({.path = "/api"}));
}

TEST(Transport, TlsServerNameIsVerifiedInsteadOfTheHost) {
  TestServer server(transport_pki(), [](const TestRequest&) { return TestResponse{.body = "ok"}; });
  RestConfig c = config_for(server);
  c.tls_server_name = "localhost";  // in the certificate's SANs
  Result<HttpResponse> r = make(c)->request({.path = "/api"});
  ASSERT_TRUE(r) << r.error().message;
  c.tls_server_name = "not-in-the-cert.example";
  EXPECT_FALSE(make(c)->request({.path = "/api"}));
}

TEST(Transport, RetriesGetOn429HonouringRetryAfterAnd5xxWithBackoff) {
  std::atomic<int> n{0};
  TestServer server(transport_pki(), [&](const TestRequest&) {
    int i = n++;
    if (i == 0) {
      TestResponse r = status_response(429, "TooManyRequests", "slow down");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    if (i < 3) return TestResponse{.status = 503, .body = "unavailable"};
    return TestResponse{.body = "finally"};
  });
  auto t = make(config_for(server));
  Result<HttpResponse> r = t->request({.path = "/api/v1/pods"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "finally");
  EXPECT_EQ(n.load(), 4);
  EXPECT_EQ(t->stats().retries, 3u);
}

TEST(Transport, DoesNotRetryNonIdempotentRequests) {
  std::atomic<int> n{0};
  TestServer server(transport_pki(), [&](const TestRequest&) {
    ++n;
    return status_response(500, "InternalError", "boom");
  });
  Result<HttpResponse> r = make(config_for(server))->request({.method = "POST", .path = "/api/v1/pods", .body = "{}"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 500);
  EXPECT_EQ(r.error().message, "boom");
  EXPECT_EQ(n.load(), 1);
}

TEST(Transport, GivesUpAfterMaxRetriesWithTheLastError) {
  std::atomic<int> n{0};
  TestServer server(transport_pki(), [&](const TestRequest&) {
    ++n;
    return TestResponse{.status = 502, .body = "bad gateway"};
  });
  Result<HttpResponse> r = make(config_for(server), {.max_retries = 2})->request({.path = "/api"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 502);
  EXPECT_EQ(r.error().reason, "InternalError");
  EXPECT_EQ(n.load(), 3);
}

TEST(Transport, ReusesOneKeepAliveConnection) {
  TestServer server(transport_pki(), [](const TestRequest&) { return TestResponse{.body = "ok"}; });
  auto t = make(config_for(server));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t->request({.path = "/api"}));
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(t->stats().connections_opened, 1u);
}

TEST(Transport, CountsRequestsAndResponseBodyBytesStreamsIncluded) {
  TestServer server(transport_pki(), [](const TestRequest& r) {
    if (r.target.find("watch=1") != std::string::npos) {
      return TestResponse{.headers = {{"Content-Type", "application/json"}}, .chunks = {"0123456789", "abcde"}};
    }
    return TestResponse{.body = "twelve bytes"};
  });
  auto t = make(config_for(server));
  ASSERT_TRUE(t->request({.path = "/api"}));
  ASSERT_TRUE(t->request({.path = "/api"}));
  std::promise<bool> done;
  std::string streamed;  // written on the I/O thread, read after `done`
  auto h = t->stream({.path = "/api/v1/configmaps?watch=1"},
                     {.on_data = [&](std::string_view b) { streamed.append(b); return true; },
                      .on_done = [&](Result<HttpResponse> r) { done.set_value(r.ok()); }});
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  ASSERT_TRUE(f.get());
  EXPECT_EQ(streamed, "0123456789abcde");
  EXPECT_EQ(t->stats().requests_started, 3u);
  EXPECT_EQ(t->stats().bytes_received, 12u + 12u + 15u);
}

TEST(Transport, PerRequestTimeout) {
  TestServer server(transport_pki(), [](const TestRequest&) {
    return TestResponse{.body = "late", .delay = std::chrono::milliseconds(1500)};
  });
  Result<HttpResponse> r = make(config_for(server))->request({.path = "/api", .timeout = std::chrono::milliseconds(200)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "Timeout");
}

TEST(Transport, ExecPluginTokenIsRerunAfter401) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("kinformer-exec-" + std::to_string(rd()));
  fs::create_directories(dir);
  fs::path script = dir / "plugin.sh";
  // Prints token-1, then token-2, ... (one more each run).
  std::ofstream(script) << "#!/bin/sh\necho x >> " << (dir / "runs").string() << "\n"
                        << "n=$(wc -l < " << (dir / "runs").string() << ")\n"
                        << "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                           "\"status\":{\"token\":\"token-'$n'\"}}'\n";
  chmod(script.c_str(), 0755);
  TestServer server(transport_pki(), [](const TestRequest& r) { return require_token(r, "token-2", {.body = "ok"}); });
  RestConfig c = config_for(server);
  c.bearer_token.clear();
  c.exec = ExecConfig{.api_version = "client.authentication.k8s.io/v1", .command = script.string()};
  auto t = make(c);
  Result<HttpResponse> r = t->request({.path = "/api"});
  ASSERT_TRUE(r) << r.error().message;  // token-1 got a 401; the re-run's token-2 passed
  EXPECT_TRUE(t->request({.path = "/api"}));  // cached
  std::ifstream runs(dir / "runs");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(runs), {}, '\n'), 2);
  fs::remove_all(dir);
}

// Collects a stream's events; on_done signals a promise.
struct WatchSink {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  std::optional<Error> decode_error;
  std::promise<Result<HttpResponse>> done;
  StreamHandlers handlers() {
    return {.on_data = [this](std::string_view b) {
              if (auto r = decoder.feed(b, events); !r) decode_error = r.error();
              return !decode_error;
            },
            .on_done = [this](Result<HttpResponse> r) { done.set_value(std::move(r)); }};
  }
  Result<HttpResponse> wait() {
    auto f = done.get_future();
    if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "stream did not finish";
      return Error::internal("timeout");
    }
    return f.get();
  }
};

std::vector<std::string> random_split(const std::string& s, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> d(1, 300);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min(d(rng), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

TEST(Transport, WatchStreamArrivesAsEventsWhateverTheChunking) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  TestServer server(transport_pki(), [&](const TestRequest&) {
    return TestResponse{.headers = {{"Content-Type", "application/json"}}, .chunks = random_split(stream, 7)};
  });
  auto t = make(config_for(server));
  WatchSink sink;
  auto h = t->stream({.path = "/api/v1/configmaps?watch=1"}, sink.handlers());
  Result<HttpResponse> end = sink.wait();
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_FALSE(sink.decode_error);
  EXPECT_TRUE(sink.decoder.finish(sink.events));
  EXPECT_EQ(sink.events.size(), 7u);
}

TEST(Transport, WatchCutMidObjectEndsWithAnErrorAndTheDecoderReportsTruncation) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  std::size_t second = stream.find('\n') + 1;
  TestServer server(transport_pki(), [&](const TestRequest&) {
    return TestResponse{.chunks = {stream.substr(0, second + 50)}, .cut = true};
  });
  auto t = make(config_for(server));
  WatchSink sink;
  auto h = t->stream({.path = "/api/v1/configmaps?watch=1"}, sink.handlers());
  Result<HttpResponse> end = sink.wait();
  EXPECT_FALSE(end);
  EXPECT_EQ(sink.events.size(), 1u);
  Result<void> fin = sink.decoder.finish(sink.events);
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().reason, "StreamTruncated");
}

TEST(Transport, WatchRejectedByServerGivesTheStatusError) {
  KUBE_FIXTURE_OR_SKIP(body, "errors/403-forbidden.json");
  TestServer server(transport_pki(), [&](const TestRequest&) { return TestResponse{.status = 403, .body = body}; });
  WatchSink sink;
  auto t = make(config_for(server));
  auto h = t->stream({.path = "/api/v1/pods?watch=1"}, sink.handlers());
  Result<HttpResponse> end = sink.wait();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().reason, "Forbidden");
  EXPECT_TRUE(sink.events.empty());
}

TEST(Transport, CancelStreamFromAnotherThread) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  TestServer server(transport_pki(), [&](const TestRequest&) {
    return TestResponse{.chunks = {stream.substr(0, stream.find('\n') + 1)}, .hold_open = true};
  });
  auto t = make(config_for(server));
  WatchSink sink;
  std::promise<void> first;
  bool signalled = false;
  StreamHandlers h = sink.handlers();
  auto feed = h.on_data;
  h.on_data = [&, feed](std::string_view b) {
    bool more = feed(b);
    if (!sink.events.empty() && !signalled) {
      signalled = true;
      first.set_value();
    }
    return more;
  };
  auto handle = t->stream({.path = "/api/v1/configmaps?watch=1"}, h);
  ASSERT_EQ(first.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  std::thread([handle] { handle->cancel(); }).join();
  Result<HttpResponse> end = sink.wait();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().reason, "Canceled");
  handle->cancel();  // again: harmless
}

TEST(Transport, CancelTokenStopsABlockingRequest) {
  TestServer server(transport_pki(), [](const TestRequest&) {
    return TestResponse{.chunks = {"partial"}, .hold_open = true};
  });
  auto t = make(config_for(server));
  auto token = std::make_shared<CancelToken>();
  std::thread canceller([token] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token->cancel();
  });
  Result<HttpResponse> r = t->request({.path = "/api", .cancel = token});
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "Canceled");
}

TEST(Transport, ManyThreadsShareTheTransport) {
  TestServer server(transport_pki(), [](const TestRequest& r) { return TestResponse{.body = r.target}; });
  auto t = make(config_for(server));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 10; ++j) {
        std::string path = "/p/" + std::to_string(i) + "/" + std::to_string(j);
        if (auto r = t->request({.path = path}); r && r->body == path) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 60);
}

TEST(Transport, DestroyingTheTransportEndsOpenStreams) {
  TestServer server(transport_pki(), [](const TestRequest&) { return TestResponse{.chunks = {"x"}, .hold_open = true}; });
  WatchSink sink;
  {
    auto t = make(config_for(server));
    auto h = t->stream({.path = "/w"}, sink.handlers());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Result<HttpResponse> end = sink.wait();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().reason, "Canceled");
}

}  // namespace
}  // namespace kube
