// The cache service's Table answers (what `kubectl get` asks for) and paged
// lists (`limit` / `continue`), over real sockets: the embedded API server →
// a factory's informers → CacheServer → raw requests and our RestClient.
#include <set>

#include "kube/client/rest_client.h"
#include "serve/serve_fixture.h"

namespace kube::serve::test {
namespace {

// What kubectl 1.28 sends for `kubectl get`.
constexpr const char* kKubectlAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
    "json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json";

const Resource kPods{{"", "v1", "pods"}, true};

std::vector<std::string> column_names(const json::value& table) {
  std::vector<std::string> out;
  for (const auto& c : table.at("columnDefinitions").as_array())
    out.emplace_back(c.at("name").as_string());
  return out;
}

class TableTest : public CacheServerTest {
 protected:
  // A running pod with two containers, one ready, on node-1.
  void make_pod(const std::string& ns, const std::string& name) {
    ASSERT_TRUE(cluster_.client->create(kPods, ns,
                                        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" +
                                            name + R"(","namespace":")" + ns +
                                            R"(","labels":{"app":"web"}},
          "spec":{"nodeName":"node-1","containers":[{"name":"a","image":"nginx"},{"name":"b","image":"envoy"}]}})"));
    ASSERT_TRUE(cluster_.client->patch(
        kPods, ns, name, PatchType::Merge,
        R"({"status":{"phase":"Running","podIP":"10.0.0.7","containerStatuses":[
          {"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
          {"name":"b","ready":false,"restartCount":0,"state":{"running":{}}}]}})",
        {.subresource = "status"}));
    ASSERT_TRUE(eventually([&] {
      auto r = request(port_, "/api/v1/namespaces/" + ns + "/pods/" + name);
      return r.status == 200 && r.doc().at("status").as_object().contains("podIP");
    }));
  }
};

TEST_F(TableTest, PodsListAsKubectlsTableWithWideColumnsAtPriorityOne) {
  make_pod("demo", "web");
  auto r = request(port_, "/api/v1/namespaces/demo/pods", "GET", kKubectlAccept);
  ASSERT_EQ(r.status, 200) << r.body;
  auto t = r.doc();
  EXPECT_EQ(t.at("kind"), "Table");
  EXPECT_EQ(t.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_FALSE(t.at("metadata").at("resourceVersion").as_string().empty());
  EXPECT_EQ(column_names(t),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                      "Nominated Node", "Readiness Gates"}));
  std::vector<std::int64_t> priorities;
  for (const auto& c : t.at("columnDefinitions").as_array()) {
    priorities.push_back(c.at("priority").as_int64());
    EXPECT_EQ(c.at("type"), "string");
    EXPECT_FALSE(c.at("description").as_string().empty());
  }
  EXPECT_EQ(priorities, (std::vector<std::int64_t>{0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(t.at("columnDefinitions").at(0).at("format"), "name");

  ASSERT_EQ(t.at("rows").as_array().size(), 1u);
  const auto& row = t.at("rows").at(0);
  const auto& cells = row.at("cells").as_array();
  ASSERT_EQ(cells.size(), 9u);
  EXPECT_EQ(cells[0], "web");
  EXPECT_EQ(cells[1], "1/2");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "0");
  EXPECT_TRUE(cells[4].as_string().ends_with("s")) << cells[4];  // seconds old
  EXPECT_EQ(cells[5], "10.0.0.7");
  EXPECT_EQ(cells[6], "node-1");
  EXPECT_EQ(cells[7], "<none>");
  EXPECT_EQ(cells[8], "<none>");
  // includeObject defaults to Metadata: the row's object is its metadata only.
  const auto& obj = row.at("object");
  EXPECT_EQ(obj.at("kind"), "PartialObjectMetadata");
  EXPECT_EQ(obj.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(obj.at("metadata").at("name"), "web");
  EXPECT_EQ(obj.at("metadata").at("labels").at("app"), "web");
  EXPECT_FALSE(obj.as_object().contains("spec"));

  // A get is a one-row Table at the object's resourceVersion.
  auto one = request(port_, "/api/v1/namespaces/demo/pods/web", "GET", kKubectlAccept).doc();
  EXPECT_EQ(one.at("kind"), "Table");
  ASSERT_EQ(one.at("rows").as_array().size(), 1u);
  EXPECT_EQ(one.at("metadata").at("resourceVersion"), obj.at("metadata").at("resourceVersion"));

  // Without the Table media type: the plain list, as before.
  auto plain = request(port_, "/api/v1/namespaces/demo/pods", "GET", "application/json").doc();
  EXPECT_EQ(plain.at("kind"), "PodList");
}

TEST_F(TableTest, IncludeObjectNoneAndObjectAndABadValue) {
  make_pod("demo", "web");
  auto none =
      request(port_, "/api/v1/namespaces/demo/pods?includeObject=None", "GET", kKubectlAccept)
          .doc();
  EXPECT_TRUE(none.at("rows").at(0).at("object").is_null());
  auto full =
      request(port_, "/api/v1/namespaces/demo/pods?includeObject=Object", "GET", kKubectlAccept)
          .doc();
  const auto& obj = full.at("rows").at(0).at("object");
  EXPECT_EQ(obj.at("kind"), "Pod");
  EXPECT_EQ(obj.at("apiVersion"), "v1");
  EXPECT_EQ(obj.at("spec").at("nodeName"), "node-1");

  auto bad = request(port_, "/api/v1/namespaces/demo/pods?includeObject=Everything", "GET",
                     kKubectlAccept);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.doc().at("reason"), "BadRequest");
  EXPECT_NE(bad.body.find("Everything"), std::string::npos) << bad.body;
}

TEST_F(TableTest, AKindWithoutPrinterGetsTheDefaultConvertorsNameAndCreatedAt) {
  // Leases have no printer here: kube-apiserver's default table convertor.
  informers::SharedInformerFactory factory(cluster_.client);
  Resource leases{{"coordination.k8s.io", "v1", "leases"}, true};
  auto s = CacheServer::start({{.informer = factory.for_resource(leases), .kind = "Lease"}},
                              {.port = 0});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(cluster_.client->create(
      leases, "demo",
      R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"lock","namespace":"demo"}})"));
  factory.start();
  std::uint16_t port = (*s)->port();
  json::value t;
  ASSERT_TRUE(eventually([&] {
    auto r =
        request(port, "/apis/coordination.k8s.io/v1/namespaces/demo/leases", "GET", kKubectlAccept);
    t = r.doc();
    return r.status == 200 && t.at("rows").as_array().size() == 1;
  }));
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Created At"}));
  EXPECT_EQ(t.at("columnDefinitions").at(1).at("type"), "date");
  const auto& cells = t.at("rows").at(0).at("cells").as_array();
  EXPECT_EQ(cells[0], "lock");
  // RFC 3339 in UTC, to the second.
  EXPECT_EQ(cells[1].as_string().size(), std::string("2026-11-24T12:27:54Z").size()) << cells[1];
  EXPECT_TRUE(cells[1].as_string().ends_with("Z"));
  (*s)->stop();
  factory.shutdown();
}

// ---- Paging ----

class PagingTest : public CacheServerTest {
 protected:
  void fill(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(cluster_.put_configmap("demo", "cm-" + std::to_string(1000 + i), "1",
                                         i % 2 ? R"({"app":"odd"})" : R"({"app":"even"})"));
    }
    ASSERT_TRUE(served_configmaps("demo", n));
  }
};

TEST_F(PagingTest, PagingThroughTwoHundredFiftyWithLimitHundredYieldsEachOnceInOrder) {
  fill(250);
  auto client = std::make_shared<RestClient>(http_transport(server_->url()));
  const Resource cms{{"", "v1", "configmaps"}, true};
  std::vector<std::string> seen;
  std::vector<std::optional<std::int64_t>> remaining;
  std::string token, first_rv;
  int pages = 0;
  do {
    auto page = client->list(cms, "demo", {.limit = 100, .continue_token = token});
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    if (first_rv.empty()) first_rv = page->resource_version;
    EXPECT_EQ(page->resource_version, first_rv);  // every page at the first page's version
    for (const auto& o : page->items) seen.emplace_back(o->name());
    remaining.push_back(page->remaining_item_count);
    token = page->continue_token;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 250u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 250u);
  EXPECT_EQ(remaining, (std::vector<std::optional<std::int64_t>>{150, 50, std::nullopt}));

  // With a selector: the matching ones, no remainingItemCount (as kube-apiserver).
  auto odd = client->list(cms, "demo", {.label_selector = "app=odd", .limit = 100});
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->items.size(), 100u);
  EXPECT_FALSE(odd->continue_token.empty());
  EXPECT_FALSE(odd->remaining_item_count);
  auto rest = client->list(
      cms, "demo",
      {.label_selector = "app=odd", .limit = 100, .continue_token = odd->continue_token});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->items.size(), 25u);
  EXPECT_TRUE(rest->continue_token.empty());
}

TEST_F(PagingTest, ALaterPageShowsTheFirstPagesStateWhileTheCacheMovesOn) {
  fill(4);  // cm-1000 .. cm-1003
  auto first = request(port_, "/api/v1/namespaces/demo/configmaps?limit=2").doc();
  ASSERT_EQ(item_names(first), (std::vector<std::string>{"cm-1000", "cm-1001"}));
  std::string token(first.at("metadata").at("continue").as_string());
  std::string rv(first.at("metadata").at("resourceVersion").as_string());
  EXPECT_EQ(first.at("metadata").at("remainingItemCount"), 2);

  // After the first page: one later object changed, one deleted, one added.
  ASSERT_TRUE(cluster_.put_configmap("demo", "cm-1002", "2"));
  ASSERT_TRUE(cluster_.client->remove(Cluster::configmaps(), "demo", "cm-1003"));
  ASSERT_TRUE(cluster_.put_configmap("demo", "cm-1004", "1"));
  ASSERT_TRUE(eventually([&] {
    auto now = request(port_, "/api/v1/namespaces/demo/configmaps").doc();
    return item_names(now) == std::vector<std::string>{"cm-1000", "cm-1001", "cm-1002", "cm-1004"};
  }));

  auto second = request(port_, "/api/v1/namespaces/demo/configmaps?limit=2&continue=" + token);
  ASSERT_EQ(second.status, 200) << second.body;
  auto doc = second.doc();
  EXPECT_EQ(item_names(doc), (std::vector<std::string>{"cm-1002", "cm-1003"}));
  EXPECT_EQ(doc.at("items").at(0).at("data").at("v"), "1");  // as it was at rv
  EXPECT_EQ(doc.at("metadata").at("resourceVersion").as_string(), rv);
  EXPECT_FALSE(doc.at("metadata").as_object().contains("continue"));

  // Tables page the same way.
  auto table = request(port_, "/api/v1/namespaces/demo/configmaps?limit=2&continue=" + token, "GET",
                       kKubectlAccept)
                   .doc();
  EXPECT_EQ(table.at("kind"), "Table");
  EXPECT_EQ(table.at("rows").as_array().size(), 2u);
  EXPECT_EQ(table.at("metadata").at("resourceVersion").as_string(), rv);
}

TEST_F(PagingTest, BadContinueTokensAreBadRequestsNamingTheProblem) {
  fill(3);
  auto garbage = request(port_, "/api/v1/namespaces/demo/configmaps?limit=1&continue=%21%21");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.doc().at("reason"), "BadRequest");
  EXPECT_EQ(garbage.doc().at("message"),
            "invalid continue token: continue key is not valid: illegal base64 data");

  auto first = request(port_, "/api/v1/namespaces/demo/configmaps?limit=1").doc();
  std::string token(first.at("metadata").at("continue").as_string());
  auto with_rv = request(
      port_, "/api/v1/namespaces/demo/configmaps?limit=1&resourceVersion=5&continue=" + token);
  EXPECT_EQ(with_rv.status, 400);
  EXPECT_EQ(with_rv.doc().at("message"),
            "specifying resource version is not allowed when using continue");

  auto bad_limit = request(port_, "/api/v1/namespaces/demo/configmaps?limit=ten");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_NE(bad_limit.body.find("limit \\\"ten\\\""), std::string::npos) << bad_limit.body;
}

}  // namespace
}  // namespace kube::serve::test
