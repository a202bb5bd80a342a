#include "kube/core/object.h"

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

ObjectPtr must_parse(std::string_view text) {
  auto r = Object::parse(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

TEST(Object, ExtractsMetadataFromCapturedPod) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  ObjectPtr pod = must_parse(text);
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->api_version(), "v1");
  EXPECT_EQ(pod->kind(), "Pod");
  EXPECT_EQ(pod->name(), "web-7d9f8c6b5-pod1");
  EXPECT_EQ(pod->namespace_(), "demo");
  EXPECT_EQ(pod->uid(), "ea1a74f6-ead1-4979-a46f-dc694aeb6343");
  EXPECT_EQ(pod->resource_version(), "280");
  EXPECT_EQ(pod->creation_timestamp(), "2026-11-24T12:27:54Z");
  EXPECT_EQ(pod->label("app"), "web");
  EXPECT_EQ(pod->label("tier"), "frontend");
  EXPECT_FALSE(pod->label("missing"));
  EXPECT_EQ(pod->field_string("spec.nodeName"), "node-a");
  EXPECT_EQ(pod->field_string("spec.containers.0.name"), "nginx");
  EXPECT_TRUE(pod->annotation("kubectl.kubernetes.io/last-applied-configuration").has_value());
}

TEST(Object, StoresMinifiedJsonThatRoundTrips) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/deployment.json");
  ObjectPtr d = must_parse(text);
  ASSERT_TRUE(d);
  EXPECT_LT(d->json().size(), text.size());  // the capture is pretty-printed
  EXPECT_EQ(d->json().find('\n'), std::string_view::npos);
  EXPECT_EQ(boost::json::parse(d->json()), boost::json::parse(text));
  EXPECT_EQ(d->to_value(), boost::json::parse(text));
}

// Object::parse copies text that is minified already instead of minifying it
// (the usual watch event). Whitespace in any place JSON allows it must still
// be removed, and spaces inside strings, even next to ',' or ':', kept.
TEST(Object, StoresTheSameMinifiedBytesWhereverWhitespaceWas) {
  const std::string minified =
      R"({"kind":"Pod","metadata":{"name":"a b","labels":{"x":"1, 2: [3] {4}"}},"spec":{"n":[1,2,{"k":true}]}})";
  // Each variant has whitespace in one place JSON allows it.
  auto with = [&](std::string_view after, std::string_view ws) {
    std::string t = minified;
    t.insert(t.find(after) + after.size(), ws);
    return t;
  };
  const std::vector<std::string> spaced = {
      minified,
      " " + minified,
      minified + "  ",
      minified + "\n",
      with(R"({"kind")", " "),
      with(R"({"kind":)", " "),
      with(R"("Pod")", " "),
      with(R"("Pod",)", "\t"),
      with(R"([1)", " "),
      with(R"("k":true})", " "),
      with(R"("k":true}])", "\r\n"),
  };
  for (const std::string& text : spaced) {
    ObjectPtr o = must_parse(text);
    ASSERT_TRUE(o) << text;
    EXPECT_EQ(o->json(), minified) << text;
    EXPECT_EQ(o->name(), "a b");
    EXPECT_EQ(o->label("x"), "1, 2: [3] {4}");
  }
}

TEST(Object, RejectsTwoValuesSeparatedOnlyBySpace) {
  // Not JSON; it must not become {"a":12} by losing the space.
  for (const char* text : {R"({"a":1 2})", R"({"a": 1 2, "b": 3})"}) {
    auto r = Object::parse(text);
    EXPECT_FALSE(r.ok()) << text;
  }
}

TEST(Object, CachedPodCostsAtMostOnePointThreeTimesItsMinifiedJson) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  ObjectPtr pod = must_parse(text);
  ASSERT_TRUE(pod);
  // shared_ptr control block + Object + owned buffers
  std::size_t total = pod->heap_bytes() + sizeof(Object) + 2 * sizeof(void*);
  EXPECT_LE(static_cast<double>(total), 1.3 * static_cast<double>(pod->json().size()));
}

TEST(Object, LabelsAreSortedByKey) {
  ObjectPtr o = must_parse(R"({"metadata":{"name":"x","labels":{"z":"1","a":"2","m":"3"}}})");
  ASSERT_EQ(o->labels().size(), 3u);
  EXPECT_EQ(o->labels()[0].key, "a");
  EXPECT_EQ(o->labels()[1].key, "m");
  EXPECT_EQ(o->labels()[2].key, "z");
  EXPECT_EQ(o->label("m"), "3");
}

TEST(Object, UnescapesMetadataStrings) {
  ObjectPtr o = must_parse(R"({"metadata":{"name":"a\u0062c","labels":{"k":"v\"q"}}})");
  EXPECT_EQ(o->name(), "abc");
  EXPECT_EQ(o->label("k"), "v\"q");
}

// Strings whose bytes occur in the JSON as they are cost nothing more; the
// rest (written with escapes) are copied, unescaped.
TEST(Object, MetadataStringsThatOccurInTheJsonAreViewsIntoIt) {
  ObjectPtr o = must_parse(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"demo","uid":"u-1",)"
      R"("resourceVersion":"9","labels":{"app":"web","esc":"a\u0062c"}}})");
  ASSERT_TRUE(o);
  auto inside = [&](std::string_view s) {
    return s.data() >= o->json().data() && s.data() + s.size() <= o->json().data() + o->json().size();
  };
  for (std::string_view s : {o->api_version(), o->kind(), o->name(), o->namespace_(), o->uid(),
                             o->resource_version(), o->labels()[0].key, o->labels()[0].value,
                             o->labels()[1].key, o->labels()[1].value}) {
    if (s == "abc") {
      EXPECT_FALSE(inside(s)) << s;
    } else {
      EXPECT_TRUE(inside(s)) << s;
    }
  }
  EXPECT_EQ(o->label("esc"), "abc");
  EXPECT_EQ(o->name(), "web-1");
  EXPECT_EQ(o->uid(), "u-1");
}

TEST(Object, AbsentMetadataIsEmpty) {
  ObjectPtr o = must_parse(R"({"kind":"Thing"})");
  EXPECT_EQ(o->name(), "");
  EXPECT_EQ(o->namespace_(), "");
  EXPECT_EQ(o->generation(), 0);
  EXPECT_TRUE(o->labels().empty());
  EXPECT_TRUE(o->finalizers().empty());
  EXPECT_TRUE(o->owner_references().empty());
}

TEST(Object, ReadsOwnerReferencesFinalizersGenerationDeletionTimestamp) {
  ObjectPtr o = must_parse(R"({"metadata":{"name":"x","generation":7,
      "deletionTimestamp":"2026-11-24T12:00:00Z","finalizers":["a/b","c"],
      "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1",
                          "controller":true,"blockOwnerDeletion":true}]}})");
  EXPECT_EQ(o->generation(), 7);
  EXPECT_EQ(o->deletion_timestamp(), "2026-11-24T12:00:00Z");
  EXPECT_EQ(o->finalizers(), (std::vector<std::string>{"a/b", "c"}));
  auto refs = o->owner_references();
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].kind, "ReplicaSet");
  EXPECT_EQ(refs[0].uid, "u1");
  EXPECT_TRUE(refs[0].controller);
}

TEST(Object, FieldByPathHandlesArraysBracketsAndScalars) {
  ObjectPtr o = must_parse(R"({"metadata":{"labels":{"app.kubernetes.io/name":"db"}},
      "spec":{"replicas":3,"paused":false,"x":null,"list":[{"n":"a"},{"n":"b"}]}})");
  EXPECT_EQ(o->field_string("metadata.labels['app.kubernetes.io/name']"), "db");
  EXPECT_EQ(o->field_string("metadata.labels[\"app.kubernetes.io/name\"]"), "db");
  EXPECT_EQ(o->field_string("spec.replicas"), "3");
  EXPECT_EQ(o->field_string("spec.paused"), "false");
  EXPECT_EQ(o->field_string("spec.x"), "");
  EXPECT_EQ(o->field_string("spec.list[1].n"), "b");
  EXPECT_EQ(o->field_string("spec.list.1.n"), "b");
  EXPECT_FALSE(o->field_string("spec.list"));  // not a scalar
  EXPECT_FALSE(o->field_string("spec.nope"));
  EXPECT_FALSE(o->field_string("spec..replicas"));
  auto list = o->field("spec.list");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->as_array().size(), 2u);
}

TEST(Object, FieldStringsReadsEachPathAsFieldStringDoes) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  ObjectPtr pod = must_parse(text);
  ASSERT_TRUE(pod);
  // Out of document order, repeated, missing, an object, a malformed path.
  const std::vector<std::string> paths = {"status.phase",          "spec.nodeName",  "metadata.name",
                                          "spec.containers.0.name", "spec.nodeName",  "spec.missing",
                                          "spec",                   "spec..nodeName", "metadata.generation"};
  auto got = pod->field_strings(paths);
  ASSERT_EQ(got.size(), paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) EXPECT_EQ(got[i], pod->field_string(paths[i])) << paths[i];
  EXPECT_EQ(got[1], "node-a");
  EXPECT_FALSE(got[5].has_value());
  EXPECT_TRUE(pod->field_strings({}).empty());
}

TEST(Object, RejectsTextThatIsNotJsonAndSaysWhere) {
  auto r = Object::parse(R"({"metadata": {"name": "x",}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  EXPECT_NE(r.error().message.find("invalid JSON at byte"), std::string::npos) << r.error().message;
}

TEST(Object, RejectsJsonThatIsNotAnObject) {
  for (const char* text : {"[1,2]", "\"str\"", "42", "null"}) {
    auto r = Object::parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find("expected an object"), std::string::npos) << r.error().message;
  }
}

TEST(Object, RejectsMetadataOfTheWrongType) {
  auto r1 = Object::parse(R"({"metadata":{"name":5}})");
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().message, "object JSON: metadata.name: expected a string, got number");
  auto r2 = Object::parse(R"({"metadata":{"labels":{"a":1}}})");
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().message, "object JSON: metadata.labels[\"a\"]: expected a string, got number");
  auto r3 = Object::parse(R"({"metadata":[]})");
  ASSERT_FALSE(r3.ok());
  auto r4 = Object::parse(R"({"metadata":{"generation":"x"}})");
  ASSERT_FALSE(r4.ok());
}

TEST(Object, RejectsInvalidUtf8) {
  std::string bad = "{\"metadata\":{\"name\":\"\xff\xfe\"}}";
  EXPECT_FALSE(Object::parse(bad).ok());
}

TEST(Object, FromValueBuildsTheSameObject) {
  boost::json::value v = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                          {"metadata", {{"name", "c"}, {"namespace", "ns"}}}};
  auto r = Object::from_value(v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->name(), "c");
  EXPECT_EQ((*r)->to_value(), v);
  EXPECT_FALSE(Object::from_value(boost::json::value(3)).ok());
}


// ParseOptions::strip_managed_fields: the member is cut out of the bytes,
// wherever it sits in metadata and however the text is formatted; every
// other field is as it was.
const char* kManagedEntry =
    R"({"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-24T12:27:54Z",)"
    R"("fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":{}}},"subresource":"status"})";

// `want_json`: the bytes expected (the input's, minified, with the member
// and one comma cut; the other members keep their order).
void expect_stripped(const std::string& text, std::string_view want_json = {}) {
  auto full = must_parse(text);
  ASSERT_TRUE(full);
  boost::json::value want = full->to_value();
  want.at("metadata").as_object().erase("managedFields");
  auto r = Object::parse(text, {.strip_managed_fields = true});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ObjectPtr& out = *r;
  EXPECT_EQ(out->to_value(), want) << text;
  if (!want_json.empty()) {
    EXPECT_EQ(out->json(), want_json);
  }
  EXPECT_FALSE(out->raw_field("metadata.managedFields").has_value());
  EXPECT_EQ(out->name(), full->name());
  EXPECT_EQ(out->namespace_(), full->namespace_());
  EXPECT_EQ(out->resource_version(), full->resource_version());
  EXPECT_EQ(out->uid(), full->uid());
  ASSERT_EQ(out->labels().size(), full->labels().size());
  for (std::size_t i = 0; i < out->labels().size(); ++i) {
    EXPECT_EQ(out->labels()[i].key, full->labels()[i].key);
    EXPECT_EQ(out->labels()[i].value, full->labels()[i].value);
  }
}

TEST(ObjectStripManagedFields, CutsTheMemberWhereverItSitsInMetadata) {
  const std::string mf = std::string(R"("managedFields":[)") + kManagedEntry + "]";
  const std::string head = R"({"apiVersion":"v1","kind":"Pod","metadata":{)";
  const std::string rest = R"(,"spec":{"managedFields":"not metadata's"},"status":{"phase":"Running"}})";
  const std::string meta = R"("name":"a","namespace":"demo","labels":{"app":"web"},"resourceVersion":"7")";
  const std::string want = head + meta + "}" + rest;
  expect_stripped(head + R"("name":"a","namespace":"demo",)" + mf + R"(,"labels":{"app":"web"},"resourceVersion":"7"})" +
                      rest,
                  want);
  expect_stripped(head + mf + "," + meta + "}" + rest, want);
  expect_stripped(head + meta + "," + mf + "}" + rest, want);
  expect_stripped(R"({"metadata":{)" + mf + "}" + rest, R"({"metadata":{})" + rest);
  // Formatted text: whitespace around the key, the colon and the commas.
  expect_stripped("{\n  \"metadata\": {\n    \"name\": \"a\" ,\n    \"managedFields\" :  [" +
                      std::string(kManagedEntry) + "] ,\n    \"uid\": \"u\"\n  }\n}\n",
                  R"({"metadata":{"name":"a","uid":"u"}})");
  expect_stripped("{ \"metadata\" : { \"managedFields\" : [ ] , \"name\" : \"a\" } }", R"({"metadata":{"name":"a"}})");
  // JSON allows a key twice: every copy goes.
  auto twice = Object::parse(R"({"metadata":{"managedFields":[],"name":"a","managedFields":[{}]}})",
                             {.strip_managed_fields = true});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ((*twice)->json(), R"({"metadata":{"name":"a"}})");
}

TEST(ObjectStripManagedFields, StripsTheCapturedPodsAndNothingElse) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/pod.json");
  expect_stripped(text);
  auto stripped = Object::parse(text, {.strip_managed_fields = true});
  ASSERT_TRUE(stripped.ok());
  EXPECT_LT((*stripped)->json().size(), must_parse(text)->json().size() * 7 / 10);  // a third of the pod
}

TEST(ObjectStripManagedFields, LeavesObjectsWithoutThemAndReportsBadJsonAsBefore) {
  const std::string text = R"({"metadata":{"name":"a","annotations":{"managedFields":"x"}},"managedFields":1})";
  auto r = Object::parse(text, {.strip_managed_fields = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->json(), text);
  auto bad = Object::parse(R"({"metadata":{"managedFields":[1,2}})", {.strip_managed_fields = true});
  ASSERT_FALSE(bad.ok());
  auto bad_plain = Object::parse(R"({"metadata":{"managedFields":[1,2}})");
  ASSERT_FALSE(bad_plain.ok());
  // Bad JSON inside the member that is cut is still bad JSON.
  EXPECT_FALSE(Object::parse(R"({"metadata":{"managedFields":[1 2]}})", {.strip_managed_fields = true}).ok());
  EXPECT_FALSE(Object::parse(R"({"metadata":{"managedFields":[{"a":}]}})", {.strip_managed_fields = true}).ok());
  EXPECT_FALSE(Object::parse("[1]", {.strip_managed_fields = true}).ok());
}

TEST(ObjectRawField, IsAViewOfTheFieldsTextInsideTheObject) {
  auto in = must_parse(R"({"metadata":{"name":"a"},"spec":{"ports":[{"port":80},{"port":443}],"x":null}})");
  ASSERT_TRUE(in);
  auto ports = in->raw_field("spec.ports");
  ASSERT_TRUE(ports);
  EXPECT_EQ(*ports, R"([{"port":80},{"port":443}])");
  EXPECT_GE(ports->data(), in->json().data());
  EXPECT_LE(ports->data() + ports->size(), in->json().data() + in->json().size());
  EXPECT_EQ(in->raw_field("spec.ports.1.port"), "443");
  EXPECT_EQ(in->raw_field("spec.x"), "null");
  EXPECT_FALSE(in->raw_field("spec.missing").has_value());
}
}  // namespace
}  // namespace kube

// Found by fuzz_object: simdjson accepts a number Boost.JSON refuses ("exponent
// overflow"); to_value() threw out of an Object that parse() had accepted.
TEST(Object, ToValueReadsNumbersBoostJsonRefuses) {
  auto obj = kube::Object::parse(
      R"({"kind":"Pod","metadata":{"name":"p"},"spec":{"n":0e100000000000000000000000000000004,"m":[1,"x",true,null]}})");
  ASSERT_TRUE(obj) << obj.error().message;
  boost::json::value v = (*obj)->to_value();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("spec").at("n").to_number<double>(), 0.0);
  EXPECT_EQ(v.at("spec").at("m"), boost::json::parse(R"([1,"x",true,null])"));
  EXPECT_EQ(v.at("metadata").at("name").as_string(), "p");
}
