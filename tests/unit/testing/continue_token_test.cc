// Continue tokens and resourceVersion parameters of the embedded API server,
// checked against what kube-apiserver accepts (k8s.io/apiserver storage).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <variant>

#include "src/testing/rest.h"
#include "src/testing/store.h"

namespace kube::testing::internal {
namespace {

TEST(ContinueToken, RoundTripsVersionAndStartKey) {
  std::string start = std::string("web-2") + '\0';
  auto tok = decode_continue(encode_continue(100, start));
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(*tok, (ContinueToken{100, start}));
}

TEST(ContinueToken, DecodesTheLatestVersionTokenOfAKubeApiserver410) {
  // metadata.continue of fixtures/errors/410-expired-continue.json.
  auto tok = decode_continue("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0Ijoid2ViLTdkOWY4YzZiNS1wb2QxXHUwMDAwIn0");
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(*tok, (ContinueToken{-1, std::string("web-7d9f8c6b5-pod1") + '\0'}));
}

TEST(ContinueToken, RefusesWhatDecodeContinueRefusesWithItsWording) {
  auto message = [](const std::string& token) {
    auto t = decode_continue(token);
    EXPECT_FALSE(t) << token;
    EXPECT_EQ(t ? 0 : t.error().code, 400) << token;
    return t ? std::string() : t.error().message;
  };
  EXPECT_EQ(message("a b"), "continue key is not valid: illegal base64 data");
  EXPECT_EQ(message("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJhIn0="),  // padded: not RawURLEncoding
            "continue key is not valid: illegal base64 data");
  EXPECT_EQ(message("abcde"), "continue key is not valid: illegal base64 data");  // 6 bits left over
  // {"v":"meta.k8s.io/v1","rv":0,"start":"a"}
  EXPECT_EQ(message("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJhIn0"),
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  // {"v":"meta.k8s.io/v1","rv":5,"start":""}
  EXPECT_EQ(message("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NSwic3RhcnQiOiIifQ"),
            "continue key is not valid: encoded start key empty");
  // {"v":"v2","rv":5,"start":"a"}
  EXPECT_EQ(message("eyJ2IjoidjIiLCJydiI6NSwic3RhcnQiOiJhIn0"),
            "continue key is not valid: server does not recognize this encoded version");
}

TEST(ResourceVersionParameter, AcceptsOnlyUnsignedDecimalIntegers) {
  EXPECT_EQ(*parse_resource_version(""), 0);
  EXPECT_EQ(*parse_resource_version("0"), 0);
  EXPECT_EQ(*parse_resource_version("42"), 42);
  EXPECT_EQ(*parse_resource_version("007"), 7);  // strconv.ParseUint accepts leading zeros
  for (const char* bad : {"-1", "+1", " 1", "1 ", "12abc", "0x10", "1e3", "99999999999999999999"}) {
    auto rv = parse_resource_version(bad);
    ASSERT_FALSE(rv) << bad;
    EXPECT_EQ(rv.error().code, 400);
    EXPECT_NE(rv.error().message.find(std::string("\"") + bad + "\""), std::string::npos) << rv.error().message;
  }
}

class ContinueList : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = call("POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}})");
    ASSERT_EQ(r.status, 201u) << r.body;
  }
  Response call(std::string method, std::string target, std::string body = "") {
    Request req{.method = std::move(method), .target = std::move(target), .accept = "application/json",
                .content_type = "application/json", .user_agent = "", .body = std::move(body)};
    auto answer = handler_.handle(req);
    EXPECT_TRUE(std::holds_alternative<Response>(answer));
    Response r = std::get<Response>(answer);
    if (r.parts) r.body = r.parts->str();  // a list's body comes in parts (what the connection writes)
    return r;
  }
  void create(const std::string& name) {
    auto r = call("POST", "/api/v1/namespaces/default/configmaps",
                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("}})");
    ASSERT_EQ(r.status, 201u) << r.body;
  }
  static std::string continue_of(const Response& r) {
    auto v = boost::json::parse(r.body);
    auto* c = v.at("metadata").as_object().if_contains("continue");
    return c ? std::string(c->as_string()) : "";
  }
  Store store_{1000};
  RestHandler handler_{store_, "127.0.0.1:6443"};
};

TEST_F(ContinueList, TheTokenOfACompacted410ContinuesAtTheLatestVersion) {
  create("a");
  create("b");
  create("c");
  auto page1 = call("GET", "/api/v1/namespaces/default/configmaps?limit=1");
  ASSERT_EQ(page1.status, 200u) << page1.body;
  create("d");
  store_.compact();
  auto gone = call("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + continue_of(page1));
  ASSERT_EQ(gone.status, 410u) << gone.body;
  auto tok = decode_continue(continue_of(gone));
  ASSERT_TRUE(tok) << gone.body;
  EXPECT_EQ(tok->rv, -1);
  // kube-apiserver serves the rest from the latest version (d included); a
  // client following the token must not get another 410.
  auto rest = call("GET", "/api/v1/namespaces/default/configmaps?continue=" + continue_of(gone));
  ASSERT_EQ(rest.status, 200u) << rest.body;
  auto items = boost::json::parse(rest.body).at("items").as_array();
  ASSERT_EQ(items.size(), 3u) << rest.body;
  EXPECT_EQ(items[0].at("metadata").at("name").as_string(), "b");
  EXPECT_EQ(items[2].at("metadata").at("name").as_string(), "d");
}

TEST_F(ContinueList, RefusesAResourceVersionBesideAContinueToken) {
  create("a");
  create("b");
  auto page1 = call("GET", "/api/v1/namespaces/default/configmaps?limit=1");
  auto r = call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=1&continue=" + continue_of(page1));
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("specifying resource version is not allowed when using continue"), std::string::npos)
      << r.body;
}

TEST_F(ContinueList, AMalformedResourceVersionIsABadRequestNamingIt) {
  auto r = call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=12abc&limit=1");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find(R"(invalid resource version \"12abc\")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace kube::testing::internal
