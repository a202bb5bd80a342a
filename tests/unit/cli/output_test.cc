// -o json / yaml / name, and the printer that puts tables, events and
// documents together for get and watch.
#include "tools/kinformer/output.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "tools/kinformer/printer.h"
#include "tools/kinformer/progress.h"
#include "tools/kinformer/resource_arg.h"

namespace kinformer::cli {
namespace {

namespace json = boost::json;

const SysTime kOutputTestNow = *parse_timestamp("2026-11-26T12:00:00Z");

kube::ObjectPtr cm(const std::string& ns, const std::string& name,
                   const std::string& data = R"({"a":"1"})") {
  return *kube::Object::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" +
                              name + R"(","namespace":")" + ns +
                              R"(","creationTimestamp":"2026-11-26T11:58:00Z"},"data":)" + data +
                              "}");
}

kube::ApiResource configmaps() {
  kube::ApiResource api;
  api.gvr = {"", "v1", "configmaps"};
  api.kind = "ConfigMap";
  return api;
}

TEST(OutputFormat, AcceptsKubectlsNamesAndNamesTheBadOne) {
  EXPECT_EQ(*parse_output_format(""), OutputFormat::kTable);
  EXPECT_EQ(*parse_output_format("wide"), OutputFormat::kWide);
  EXPECT_EQ(*parse_output_format("json"), OutputFormat::kJson);
  EXPECT_EQ(*parse_output_format("yaml"), OutputFormat::kYaml);
  EXPECT_EQ(*parse_output_format("name"), OutputFormat::kName);
  auto bad = parse_output_format("jsonpath");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\"jsonpath\""), std::string::npos);
}

TEST(PrettyJson, IndentsFourSpacesAndRoundTrips) {
  json::value v = json::parse(R"({"a":[1,{"b":"x\"y"}],"e":{},"f":[]})");
  std::string s = pretty_json(v);
  EXPECT_EQ(
      s,
      "{\n    \"a\": [\n        1,\n        {\n            \"b\": \"x\\\"y\"\n        }\n    ],\n"
      "    \"e\": {},\n    \"f\": []\n}\n");
  EXPECT_EQ(json::parse(s), v);
}

TEST(Yaml, QuotesStringsThatYamlWouldReadAsOtherTypes) {
  json::value v =
      json::parse(R"({"s":"web","n":"123","b":"true","no":"no","e":"","t":"2026-11-24T12:27:54Z",
      "ip":"10.0.0.1","uid":"cc27a388-2591","x":1.5,"i":7,"ok":false,"z":null,"list":["a","1"]})");
  YAML::Node y = YAML::Load(to_yaml(v));
  EXPECT_EQ(y["s"].Tag(), "?");  // plain
  for (const char* k : {"n", "b", "no", "e", "t"})
    EXPECT_EQ(y[k].Tag(), "!") << k << ": " << to_yaml(v);
  EXPECT_EQ(y["ip"].as<std::string>(), "10.0.0.1");  // not a number: plain is fine
  EXPECT_EQ(y["uid"].as<std::string>(), "cc27a388-2591");
  EXPECT_EQ(y["n"].as<std::string>(), "123");
  EXPECT_EQ(y["x"].as<double>(), 1.5);
  EXPECT_EQ(y["i"].as<int>(), 7);
  EXPECT_FALSE(y["ok"].as<bool>());
  EXPECT_TRUE(y["z"].IsNull());
  EXPECT_EQ(y["list"][1].Tag(), "!");
}

TEST(ListDocument, IsAKubectlList) {
  json::value l = list_document({cm("a", "x"), cm("b", "y")});
  EXPECT_EQ(l.at("kind"), "List");
  EXPECT_EQ(l.at("apiVersion"), "v1");
  ASSERT_EQ(l.at("items").as_array().size(), 2u);
  EXPECT_EQ(l.at("items").at(1).at("metadata").at("name"), "y");
}

TEST(ObjectPrinter, TableWithNamespaceColumnNamesAndDocuments) {
  std::vector<kube::ObjectPtr> items{cm("default", "one"),
                                     cm("kube-system", "two", R"({"a":"1","b":"2"})")};
  EXPECT_EQ(ObjectPrinter(configmaps(), OutputFormat::kTable, true).objects(items, kOutputTestNow),
            "NAMESPACE     NAME   DATA   AGE\n"
            "default       one    1      2m\n"
            "kube-system   two    2      2m\n");
  EXPECT_EQ(ObjectPrinter(configmaps(), OutputFormat::kName, false).objects(items, kOutputTestNow),
            "configmap/one\nconfigmap/two\n");
  auto one =
      json::parse(ObjectPrinter(configmaps(), OutputFormat::kJson, false).object(*items[0], kOutputTestNow));
  EXPECT_EQ(one.at("kind"), "ConfigMap");  // one object by name: the object, not a List
  auto list =
      YAML::Load(ObjectPrinter(configmaps(), OutputFormat::kYaml, false).objects(items, kOutputTestNow));
  EXPECT_EQ(list["kind"].as<std::string>(), "List");
  EXPECT_EQ(list["items"][1]["data"]["b"].as<std::string>(), "2");
}

TEST(ObjectPrinter, WatchLinesLineUpUnderTheInitialTable) {
  ObjectPrinter p(configmaps(), OutputFormat::kTable, false);
  EXPECT_EQ(p.watch_initial({cm("default", "one")}, kOutputTestNow),
            "EVENT      NAME   DATA   AGE\n"
            "ADDED      one    1      2m\n");
  EXPECT_EQ(p.watch_event("MODIFIED", *cm("default", "one", R"({"a":"1","b":"2"})"), kOutputTestNow),
            "MODIFIED   one    2      2m\n");
  EXPECT_EQ(p.watch_event("DELETED", *cm("default", "a-longer-name"), kOutputTestNow),
            "DELETED    a-longer-name   1      2m\n");
}

TEST(ObjectPrinter, WatchEventsAsNamesJsonLinesAndYamlDocuments) {
  ObjectPrinter names(configmaps(), OutputFormat::kName, false);
  EXPECT_EQ(names.watch_initial({cm("d", "one")}, kOutputTestNow), "ADDED configmap/one\n");
  EXPECT_EQ(names.watch_event("DELETED", *cm("d", "one"), kOutputTestNow), "DELETED configmap/one\n");
  ObjectPrinter js(configmaps(), OutputFormat::kJson, false);
  std::string line = js.watch_event("MODIFIED", *cm("d", "one"), kOutputTestNow);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line per event
  EXPECT_EQ(json::parse(line).at("type"), "MODIFIED");
  ObjectPrinter ya(configmaps(), OutputFormat::kYaml, false);
  auto docs = YAML::LoadAll(ya.watch_event("ADDED", *cm("d", "one"), kOutputTestNow) +
                            ya.watch_event("DELETED", *cm("d", "two"), kOutputTestNow));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["type"].as<std::string>(), "DELETED");
  EXPECT_EQ(docs[1]["object"]["metadata"]["name"].as<std::string>(), "two");
}

TEST(ResourceArg, SplitsTypeSlashNameAndRejectsListsAndDoubleNames) {
  auto a = parse_resource_arg("po/web", "");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, "po");
  EXPECT_EQ(a->name, "web");
  EXPECT_EQ(parse_resource_arg("deployments.apps", "api")->name, "api");
  EXPECT_FALSE(parse_resource_arg("po,svc", ""));
  EXPECT_FALSE(parse_resource_arg("po/web", "other"));
  EXPECT_FALSE(parse_resource_arg("po/", ""));
  EXPECT_FALSE(parse_resource_arg("", ""));
}

TEST(ResourceArg, NamePrefixIsLowerCaseKindDotGroup) {
  EXPECT_EQ(name_prefix(configmaps()), "configmap");
  kube::ApiResource d;
  d.gvr = {"apps", "v1", "deployments"};
  d.kind = "Deployment";
  EXPECT_EQ(name_prefix(d), "deployment.apps");
  EXPECT_EQ(display_name(d), "deployments.apps");
}

TEST(Progress, FormatsObjectsMegabytesAndRate) {
  EXPECT_EQ(format_progress("syncing pods", {41500, 103'200'000}, 4.0),
            "syncing pods: 41,500 objects, 103.2 MB, 25.8 MB/s");
  EXPECT_EQ(format_progress("listing pods", {0, 0}, 0), "listing pods: 0 objects, 0.0 MB");
  EXPECT_FALSE(parse_progress_mode("sometimes"));
  EXPECT_EQ(*parse_progress_mode("never"), ProgressMode::kNever);
}

}  // namespace
}  // namespace kinformer::cli
