// Many informers on ONE client over HTTP/2, as client-go's are against a real
// kube-apiserver: the embedded server speaks HTTP/1.1 only, so nghttpx
// (kube::testing::Http2Proxy, Debian package nghttp2-proxy) is put in front
// of it as the HTTP/2 TLS frontend. Skips when nghttpx is not installed.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "informers/recording_handler.h"
#include "kube/informers/factory.h"
#include "kube/testing/api_server.h"
#include "kube/testing/http2_proxy.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::Cluster;
using kube::testing::eventually;
using kube::testing::Http2Proxy;
using kube::testing::RecordingHandler;

constexpr int kInformers = 24;

std::string ns_name(int i) { return "tenant-" + std::to_string(i); }

struct Outcome {
  std::uint64_t connections_opened = 0;
  long http_version = 0;
};

// kInformers configmap informers, one per namespace, each with its own
// factory, all on one transport to `proxy` (TLS verified with the proxy's
// CA). Checks that all sync and that a configmap written to each namespace
// reaches that namespace's handler, with no relist and no second watch.
void run_informers(Cluster& c, const Http2Proxy& proxy, bool http2, Outcome& out) {
  RestConfig cfg;
  cfg.host = proxy.url();
  cfg.ca_pem = proxy.ca_pem();
  cfg.bearer_token = c.server->token();
  cfg.qps = 10000;
  cfg.burst = 10000;
  auto transport = Transport::create(cfg, {.http2 = http2});
  ASSERT_TRUE(transport) << transport.error().message;
  auto client = std::make_shared<RestClient>(std::shared_ptr<Transport>(std::move(*transport)));

  std::vector<std::unique_ptr<SharedInformerFactory>> factories;
  std::vector<std::shared_ptr<SharedIndexInformer>> informers;
  std::vector<std::shared_ptr<RecordingHandler>> handlers;
  for (int i = 0; i < kInformers; ++i) {
    InformerFactoryOptions o;
    o.namespace_ = ns_name(i);
    o.reflector.backoff_initial = 5ms;
    o.reflector.backoff_max = 100ms;
    factories.push_back(std::make_unique<SharedInformerFactory>(client, o));
    informers.push_back(factories.back()->for_resource(Cluster::configmaps()).informer);
    handlers.push_back(std::make_shared<RecordingHandler>());
    informers.back()->add_event_handler(handlers.back());
    factories.back()->start();
  }
  for (int i = 0; i < kInformers; ++i) {
    auto r = factories[i]->wait_for_cache_sync(30s);
    ASSERT_TRUE(r.at(0).synced) << ns_name(i) << ": "
                                << (r[0].last_error ? r[0].last_error->message : "timeout");
    EXPECT_EQ(informers[i]->indexer().size(), 1u) << ns_name(i);
  }
  for (int i = 0; i < kInformers; ++i) ASSERT_TRUE(c.put_configmap(ns_name(i), "event", "1").ok());
  for (int i = 0; i < kInformers; ++i) {
    const std::string key = ns_name(i) + "/event";
    EXPECT_TRUE(eventually(
        [&] {
          for (const auto& e : handlers[i]->events())
            if (e.key == key && e.kind == "add") return true;
          return false;
        },
        20s))
        << key << " did not reach its informer";
    EXPECT_EQ(handlers[i]->count(), 2u) << ns_name(i) << ": only its own namespace's objects";
    EXPECT_TRUE(handlers[i]->violations().empty()) << ns_name(i);
    auto s = informers[i]->reflector_stats();
    EXPECT_EQ(s.lists, 1u) << ns_name(i) << ": relisted";
    EXPECT_EQ(s.watches, 1u) << ns_name(i) << ": watch restarted";
  }
  // Every watch is open now (each informer received its event through it).
  out.connections_opened = client->transport().stats().connections_opened;
  auto version = client->get_raw("/version");
  ASSERT_TRUE(version) << version.error().message;
  out.http_version = version->http_version;
  for (auto& f : factories) f->shutdown();
}

class Http2Informers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Http2Proxy::available())
      GTEST_SKIP() << "/usr/sbin/nghttpx not installed (apt-get install nghttp2-proxy)";
    kube::testing::ApiServerOptions plain;
    plain.tls = false;  // the proxy's backend: plain HTTP/1.1 on loopback
    cluster_ = Cluster::start(plain);
    ASSERT_TRUE(cluster_.server);
    for (int i = 0; i < kInformers; ++i) {
      ASSERT_TRUE(cluster_.create_namespace(ns_name(i)).ok());
      ASSERT_TRUE(cluster_.put_configmap(ns_name(i), "before", "1").ok());
    }
    proxy_ = std::make_unique<Http2Proxy>(
        kube::testing::Http2ProxyOptions{.backend_port = cluster_.server->port()});
    auto started = proxy_->start();
    ASSERT_TRUE(started) << started.error().message;
  }

  Cluster cluster_;
  std::unique_ptr<Http2Proxy> proxy_;
};

TEST_F(Http2Informers, ManyInformersShareOneConnectionOverHttp2) {
  Outcome out;
  ASSERT_NO_FATAL_FAILURE(run_informers(cluster_, *proxy_, /*http2=*/true, out));
  EXPECT_EQ(out.http_version, 2);
  EXPECT_EQ(out.connections_opened, 1u);
}

TEST_F(Http2Informers, OverHttp11EveryWatchHoldsAConnectionOfItsOwn) {
  Outcome out;
  ASSERT_NO_FATAL_FAILURE(run_informers(cluster_, *proxy_, /*http2=*/false, out));
  EXPECT_EQ(out.http_version, 1);
  EXPECT_GE(out.connections_opened, static_cast<std::uint64_t>(kInformers));
}

TEST_F(Http2Informers, ProxyCertificateIsVerified) {
  RestConfig cfg;
  cfg.host = proxy_->url();
  cfg.bearer_token = cluster_.server->token();  // no CA: the system roots do not know the proxy's
  auto transport = Transport::create(cfg, {.max_retries = 0});
  ASSERT_TRUE(transport) << transport.error().message;
  auto r = (*transport)->request({.path = "/version"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "TLSError") << r.error().message;
}

}  // namespace
}  // namespace kube::informers
