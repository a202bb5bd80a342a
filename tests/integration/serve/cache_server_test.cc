// The cache service over real sockets: the embedded API server (TLS) → a
// factory's informers → CacheServer (plain HTTP) → raw requests, and our own
// informer reading through it.
#include <algorithm>
#include <map>

#include "serve/serve_fixture.h"

namespace kube::serve::test {
namespace {

TEST_F(CacheServerTest, ListsAndGetsInTheApiServersShapes) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "b", "1", R"({"app":"web"})"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "a", "1", R"({"app":"db"})"));
  ASSERT_TRUE(cluster_.put_configmap("other", "c", "1", R"({"app":"web"})"));
  ASSERT_TRUE(served_configmaps("demo", 2));
  ASSERT_TRUE(served_configmaps("other", 1));

  auto list = request(port_, "/api/v1/namespaces/demo/configmaps");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.content_type, "application/json");
  auto doc = list.doc();
  EXPECT_EQ(doc.at("kind"), "ConfigMapList");
  EXPECT_EQ(doc.at("apiVersion"), "v1");
  EXPECT_FALSE(doc.at("metadata").at("resourceVersion").as_string().empty());
  EXPECT_EQ(item_names(doc), (std::vector<std::string>{"a", "b"}));  // sorted as etcd keys

  auto all = request(port_, "/api/v1/configmaps?labelSelector=app%3Dweb").doc();
  EXPECT_EQ(item_names(all), (std::vector<std::string>{"b", "c"}));
  auto by_field =
      request(port_, "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dother").doc();
  EXPECT_EQ(item_names(by_field), (std::vector<std::string>{"c"}));
  auto both =
      request(port_, "/api/v1/configmaps?labelSelector=app%3Dweb&fieldSelector=metadata.name%3Db")
          .doc();
  EXPECT_EQ(item_names(both), (std::vector<std::string>{"b"}));

  auto one = request(port_, "/api/v1/namespaces/demo/configmaps/a");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.doc().at("kind"), "ConfigMap");
  EXPECT_EQ(one.doc().at("apiVersion"), "v1");
  EXPECT_EQ(one.doc().at("data").at("v"), "1");
}

// Selector lists come from the view's indexes: an object relabelled or
// deleted upstream must leave its old index bucket (no stale answer).
TEST_F(CacheServerTest, SelectorListsFollowRelabelsAndDeletes) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "a", "1", R"({"app":"web"})"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "b", "1", R"({"app":"web"})"));
  ASSERT_TRUE(cluster_.put_configmap("other", "c", "1", R"({"app":"db"})"));
  ASSERT_TRUE(served_configmaps("demo", 2));
  ASSERT_TRUE(served_configmaps("other", 1));
  auto names_for = [&](const std::string& query) {
    auto r = request(port_, "/api/v1/configmaps?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return r.status == 200 ? item_names(r.doc()) : std::vector<std::string>{};
  };
  EXPECT_EQ(names_for("labelSelector=app%3Dweb"), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(cluster_.client->patch(Cluster::configmaps(), "demo", "a", PatchType::Merge,
                                     R"({"metadata":{"labels":{"app":"db"}}})"));
  ASSERT_TRUE(eventually(
      [&] { return names_for("labelSelector=app%3Dweb") == std::vector<std::string>{"b"}; }));
  EXPECT_EQ(names_for("labelSelector=app%20in%20(db)"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(names_for("labelSelector=app%3Ddb&fieldSelector=metadata.name%3Da"),
            (std::vector<std::string>{"a"}));
  ASSERT_TRUE(cluster_.client->remove(Cluster::configmaps(), "demo", "b"));
  ASSERT_TRUE(eventually([&] { return names_for("labelSelector=app%3Dweb").empty(); }));
  EXPECT_TRUE(names_for("fieldSelector=metadata.name%3Db").empty());
  EXPECT_EQ(names_for("labelSelector=app!%3Dweb"), (std::vector<std::string>{"a", "c"}));
}

TEST_F(CacheServerTest, ErrorsAreStatusObjects) {
  auto missing = request(port_, "/api/v1/namespaces/demo/configmaps/nope");
  EXPECT_EQ(missing.status, 404);
  auto m = missing.doc();
  ASSERT_TRUE(m.is_object()) << missing.body;
  EXPECT_EQ(m.at("kind"), "Status");
  EXPECT_EQ(m.at("status"), "Failure");
  EXPECT_EQ(m.at("reason"), "NotFound");
  EXPECT_EQ(m.at("message"), R"(configmaps "nope" not found)");
  EXPECT_EQ(m.at("details").at("name"), "nope");
  EXPECT_EQ(m.at("details").at("kind"), "configmaps");
  EXPECT_EQ(m.at("code"), 404);

  auto bad = request(port_, "/api/v1/configmaps?labelSelector=app%20in%20(");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.doc().at("reason"), "BadRequest");
  EXPECT_NE(bad.body.find(R"(labelSelector \"app in (\")"), std::string::npos) << bad.body;

  auto bad_field = request(port_, "/api/v1/configmaps?fieldSelector=%3D%3Dx");
  EXPECT_EQ(bad_field.status, 400);
  EXPECT_NE(bad_field.body.find("fieldSelector"), std::string::npos) << bad_field.body;

  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    std::string path = std::string("/api/v1/namespaces/demo/configmaps") +
                       (std::string(method) == "POST" ? "" : "/a");
    auto r = request(port_, path, method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.doc().at("reason"), "MethodNotAllowed") << method;
  }

  auto unknown = request(port_, "/api/v1/services");  // not served
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.doc().at("message"), "the server could not find the requested resource");
  EXPECT_EQ(request(port_, "/api/v1/namespaces/demo/configmaps/a/status").status,
            404);  // no subresources
  EXPECT_EQ(request(port_, "/api/v1/configmaps/a").status,
            404);  // a namespaced name needs its namespace
}

TEST_F(CacheServerTest, DiscoveryListsOnlyTheServedResourcesAsReadOnly) {
  auto v1 = request(port_, "/api/v1").doc();
  ASSERT_TRUE(v1.is_object());
  EXPECT_EQ(v1.at("groupVersion"), "v1");
  std::map<std::string, json::value> by_name;
  for (const auto& r : v1.at("resources").as_array())
    by_name[std::string(r.at("name").as_string())] = r;
  ASSERT_EQ(by_name.size(), 2u);
  EXPECT_EQ(by_name["pods"].at("kind"), "Pod");
  EXPECT_EQ(by_name["pods"].at("singularName"), "pod");
  EXPECT_EQ(by_name["configmaps"].at("verbs"), (json::array{"get", "list", "watch"}));
  EXPECT_EQ(by_name["configmaps"].at("shortNames"), (json::array{"cm"}));
  EXPECT_EQ(request(port_, "/api").doc().at("versions"), (json::array{"v1"}));
  EXPECT_TRUE(request(port_, "/apis").doc().at("groups").as_array().empty());
  EXPECT_EQ(request(port_, "/version").doc().at("major"), "1");
  EXPECT_EQ(request(port_, "/livez").body, "ok");
  EXPECT_EQ(request(port_, "/healthz").body, "ok");
}

TEST_F(CacheServerTest, OurInformerThroughTheCacheConvergesWithTheApiServer) {
  auto client = std::make_shared<RestClient>(http_transport(server_->url()));
  informers::SharedInformerFactory downstream(client);
  auto cms = downstream.configmaps();
  downstream.start();
  ASSERT_TRUE(cms.informer->wait_for_cache_sync(std::chrono::seconds(10)));
  for (int i = 0; i < 20; ++i) {
    std::string name = "cm-" + std::to_string(i % 7);
    ASSERT_TRUE(cluster_.put_configmap(i % 2 ? "demo" : "other", name, std::to_string(i)));
    if (i % 5 == 4)
      (void)cluster_.client->remove(Cluster::configmaps(), "demo",
                                    "cm-" + std::to_string((i + 2) % 7));
  }
  auto upstream_state = [&] {
    std::map<std::string, std::string> out;  // key → resourceVersion
    auto l = cluster_.client->list(Cluster::configmaps(), "");
    if (l) {
      for (const auto& o : l->items)
        out[std::string(o->namespace_()) + "/" + std::string(o->name())] = o->resource_version();
    }
    return out;
  };
  auto downstream_state = [&] {
    std::map<std::string, std::string> out;
    for (const auto& o : cms.objects().list()) {
      out[std::string(o->namespace_()) + "/" + std::string(o->name())] = o->resource_version();
    }
    return out;
  };
  EXPECT_TRUE(eventually([&] { return upstream_state() == downstream_state(); }));
  EXPECT_EQ(upstream_state(), downstream_state());
  EXPECT_GE(cms.informer->reflector_stats().events, 1u);  // followed a watch, not relists
  downstream.shutdown();
}

TEST_F(CacheServerTest, WatchFromAListResourceVersionSeesEveryLaterChangeAndSelectorTransitions) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "x", "1", R"({"app":"web"})"));
  ASSERT_TRUE(served_configmaps("demo", 1));
  auto list = request(port_, "/api/v1/namespaces/demo/configmaps?labelSelector=app%3Dweb").doc();
  std::string rv(list.at("metadata").at("resourceVersion").as_string());
  ASSERT_TRUE(cluster_.put_configmap("demo", "y", "1", R"({"app":"web"})"));
  ASSERT_TRUE(cluster_.client->patch(Cluster::configmaps(), "demo", "x", PatchType::Merge,
                                     R"({"metadata":{"labels":{"app":"db"}}})"));
  ASSERT_TRUE(served_configmaps("demo", 2));
  // The watch starts after the changes: they come from the history.
  auto r = request(port_,
                   "/api/v1/namespaces/demo/"
                   "configmaps?watch=1&labelSelector=app%3Dweb&timeoutSeconds=1&resourceVersion=" +
                       rv);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::pair<std::string, std::string>> events;
  std::size_t pos = 0;
  while (pos < r.body.size()) {
    auto end = r.body.find('\n', pos);
    auto e = json::parse(std::string_view(r.body).substr(pos, end - pos));
    events.emplace_back(e.at("type").as_string(),
                        e.at("object").at("metadata").at("name").as_string());
    pos = end + 1;
  }
  EXPECT_EQ(events,
            (std::vector<std::pair<std::string, std::string>>{{"ADDED", "y"}, {"DELETED", "x"}}));
}

TEST_F(CacheServerTest, WatchFromAResourceVersionOlderThanTheHistoryGets410Expired) {
  auto small = CacheServer::start({{.informer = factory_->configmaps(), .kind = "ConfigMap"}},
                                  {.port = 0, .history = 2});
  ASSERT_TRUE(small);
  ASSERT_TRUE(eventually([&] { return (*small)->ready(); }));
  const auto port = (*small)->port();
  auto first = cluster_.put_configmap("demo", "e", "0");
  ASSERT_TRUE(first);
  std::string old_rv((*first)->resource_version());
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(cluster_.put_configmap("demo", "e", std::to_string(i)));
  ASSERT_TRUE(eventually([&] {
    auto r = request(port, "/api/v1/namespaces/demo/configmaps/e");
    return r.status == 200 && r.doc().at("data").at("v") == "4";
  }));
  auto r = request(port, "/api/v1/configmaps?watch=true&resourceVersion=" + old_rv);
  ASSERT_EQ(r.status, 200);
  auto e = json::parse(r.body);
  EXPECT_EQ(e.at("type"), "ERROR");
  EXPECT_EQ(e.at("object").at("kind"), "Status");
  EXPECT_EQ(e.at("object").at("reason"), "Expired");
  EXPECT_EQ(e.at("object").at("code"), 410);
  EXPECT_NE(std::string(e.at("object").at("message").as_string())
                .find("too old resource version: " + old_rv),
            std::string::npos);
  (*small)->stop();
}

TEST_F(CacheServerTest,
       StreamingListSendsTheStateThenTheInitialEventsEndBookmarkThenPeriodicBookmarks) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "s1", "1"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "s2", "1"));
  auto quick = CacheServer::start({{.informer = factory_->configmaps(), .kind = "ConfigMap"}},
                                  {.port = 0, .bookmark_interval = std::chrono::milliseconds(100)});
  ASSERT_TRUE(quick);
  ASSERT_TRUE(eventually([&] { return (*quick)->ready(); }));
  ASSERT_TRUE(eventually([&] {  // both changes have reached this server's handler
    auto r = request((*quick)->port(), "/api/v1/namespaces/demo/configmaps");
    return r.status == 200 && r.doc().at("items").as_array().size() == 2;
  }));
  auto r = request(
      (*quick)->port(),
      "/api/v1/namespaces/demo/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
      "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<json::value> events;
  for (std::size_t pos = 0; pos < r.body.size();) {
    auto end = r.body.find('\n', pos);
    events.push_back(json::parse(std::string_view(r.body).substr(pos, end - pos)));
    pos = end + 1;
  }
  ASSERT_GE(events.size(), 4u) << r.body;  // 2 ADDED, the end of the initial events, >= 1 periodic
  EXPECT_EQ(events[0].at("type"), "ADDED");
  EXPECT_EQ(events[0].at("object").at("kind"),
            "ConfigMap");  // typed, as kube-apiserver's watch objects
  EXPECT_EQ(events[1].at("type"), "ADDED");
  EXPECT_EQ(events[2].at("type"), "BOOKMARK");
  EXPECT_EQ(events[2].at("object").at("metadata").at("annotations").at("k8s.io/initial-events-end"),
            "true");
  std::string rv(events[2].at("object").at("metadata").at("resourceVersion").as_string());
  EXPECT_EQ(rv, std::string(json::parse(request(port_, "/api/v1/configmaps").body)
                                .at("metadata")
                                .at("resourceVersion")
                                .as_string()));
  EXPECT_EQ(events[3].at("type"), "BOOKMARK");
  EXPECT_FALSE(events[3].at("object").at("metadata").as_object().contains("annotations"));
  (*quick)->stop();
}

TEST_F(CacheServerTest, AWatchClientThatStopsReadingIsDroppedWithoutHoldingUpTheOthers) {
  auto srv = CacheServer::start({{.informer = factory_->configmaps(), .kind = "ConfigMap"}},
                                // 5 s, not less: the reading client below must never look slow,
                                // even under TSan on two loaded cores (at 2 s it was cut once).
                                {.port = 0, .slow_client_timeout = std::chrono::seconds(5)});
  ASSERT_TRUE(srv);
  ASSERT_TRUE(eventually([&] { return (*srv)->ready(); }));
  const auto port = (*srv)->port();
  // A client that sends a watch and never reads, with a tiny receive buffer.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket slow(ioc);
  slow.open(boost::asio::ip::tcp::v4());
  slow.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string req = "GET /api/v1/configmaps?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(slow, boost::asio::buffer(req));
  auto list = json::parse(request(port, "/api/v1/configmaps").body);
  std::string rv(list.at("metadata").at("resourceVersion").as_string());
  ASSERT_TRUE(eventually([&] {
    return request(port, "/metrics")
               .body.find("kinformer_serve_watch_clients{resource=\"configmaps\"} 1\n") !=
           std::string::npos;
  }));

  const std::string big(200 * 1024, 'x');  // 40 x 200 KB: far more than the socket buffers hold
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(cluster_.put_configmap("demo", "big-" + std::to_string(i), big));
  EXPECT_TRUE(eventually([&] {
    return request(port, "/metrics").body.find("kinformer_serve_slow_clients_closed_total 1\n") !=
           std::string::npos;
  })) << request(port, "/metrics").body;
  // Another client still gets every change, from the list's resourceVersion.
  auto r = request(port, "/api/v1/configmaps?watch=1&timeoutSeconds=1&resourceVersion=" + rv);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 40)
      << r.body.substr(0, 300) << request(port, "/metrics").body;
  (*srv)->stop();
}

TEST_F(CacheServerTest, MetricsCountTheServedObjects) {
  ASSERT_TRUE(cluster_.put_configmap("demo", "m1", "1"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "m2", "1"));
  ASSERT_TRUE(served_configmaps("demo", 2));
  auto m = request(port_, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("# TYPE kinformer_cache_objects gauge\n"), std::string::npos);
  // kube-root-ca.crt is not created by the embedded server: only ours.
  EXPECT_NE(m.body.find("kinformer_cache_objects{resource=\"configmaps\"} 2\n"), std::string::npos)
      << m.body;
  // The library's registry is served too (kube/core/metrics.h).
  EXPECT_NE(m.body.find("kinformer_reflector_lists_total{informer=\"pods\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("kinformer_informer_objects{informer=\"configmaps\"} 2\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("kinformer_cache_synced{resource=\"configmaps\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("kinformer_serve_watch_clients{resource=\"configmaps\"} 0\n"),
            std::string::npos);
}

TEST(CacheServerReadiness, ReadyzIs503NamingTheUnsyncedResourcesUntilTheCachesSync) {
  auto cluster = Cluster::start();
  ASSERT_TRUE(cluster.client);
  informers::SharedInformerFactory factory(cluster.client);
  auto s =
      CacheServer::start({{.informer = factory.configmaps(), .kind = "ConfigMap"}}, {.port = 0});
  ASSERT_TRUE(s) << s.error().message;
  const auto port = (*s)->port();
  auto before = request(port, "/readyz");
  EXPECT_EQ(before.status, 503);
  EXPECT_NE(before.body.find("configmaps"), std::string::npos) << before.body;
  EXPECT_EQ(request(port, "/api/v1/configmaps").status, 503);  // not a partial list

  factory.start();
  EXPECT_TRUE(eventually([&] { return request(port, "/readyz").status == 200; }));
  EXPECT_EQ(request(port, "/readyz").body, "ok");
  EXPECT_EQ(request(port, "/api/v1/configmaps").status, 200);
  (*s)->stop();
  factory.shutdown();
}

TEST(CacheServerStart, ABusyAddressIsAnErrorNamingIt) {
  auto cluster = Cluster::start();
  ASSERT_TRUE(cluster.client);
  informers::SharedInformerFactory factory(cluster.client);
  auto a =
      CacheServer::start({{.informer = factory.configmaps(), .kind = "ConfigMap"}}, {.port = 0});
  ASSERT_TRUE(a);
  auto b =
      CacheServer::start({{.informer = factory.pods(), .kind = "Pod"}}, {.port = (*a)->port()});
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("127.0.0.1:" + std::to_string((*a)->port())), std::string::npos)
      << b.error().message;
}

}  // namespace
}  // namespace kube::serve::test
