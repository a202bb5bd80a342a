// The user's struct from/to unstructured JSON (kube/core/convert.h).
#include "kube/core/convert.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

namespace json = boost::json;

struct Port {
  std::string name;
  std::int32_t container_port = 0;
  std::string protocol;
  static constexpr auto kube_fields() {
    return fields(field("name", &Port::name).omit_empty(),
                  field("containerPort", &Port::container_port).required(),
                  field("protocol", &Port::protocol).omit_empty());
  }
};

struct Container {
  std::string name;
  std::string image;
  std::vector<Port> ports;
  UnknownFields unknown;
  static constexpr auto kube_fields() {
    return fields(field("name", &Container::name), field("image", &Container::image),
                  field("ports", &Container::ports).omit_empty(),
                  unknown_fields(&Container::unknown));
  }
};

struct PodSpec {
  std::vector<Container> containers;
  UnknownFields unknown;
  static constexpr auto kube_fields() {
    return fields(field("containers", &PodSpec::containers), unknown_fields(&PodSpec::unknown));
  }
};

struct Template {
  ObjectMeta metadata;
  PodSpec spec;
  static constexpr auto kube_fields() {
    return fields(field("metadata", &Template::metadata), field("spec", &Template::spec));
  }
};

struct RollingUpdate {
  IntOrString max_unavailable;
  IntOrString max_surge;
  static constexpr auto kube_fields() {
    return fields(field("maxUnavailable", &RollingUpdate::max_unavailable),
                  field("maxSurge", &RollingUpdate::max_surge));
  }
};

struct Strategy {
  std::string type;
  std::optional<RollingUpdate> rolling_update;
  static constexpr auto kube_fields() {
    return fields(field("type", &Strategy::type),
                  field("rollingUpdate", &Strategy::rolling_update));
  }
};

struct LabelSelectorSpec {
  std::map<std::string, std::string> match_labels;
  static constexpr auto kube_fields() {
    return fields(field("matchLabels", &LabelSelectorSpec::match_labels));
  }
};

struct DeploymentSpec {
  std::optional<std::int32_t> replicas;
  LabelSelectorSpec selector;
  Template template_;
  Strategy strategy;
  UnknownFields unknown;
  static constexpr auto kube_fields() {
    return fields(
        field("replicas", &DeploymentSpec::replicas), field("selector", &DeploymentSpec::selector),
        field("template", &DeploymentSpec::template_), field("strategy", &DeploymentSpec::strategy),
        unknown_fields(&DeploymentSpec::unknown));
  }
};

struct Deployment {
  std::string api_version;
  std::string kind;
  ObjectMeta metadata;
  DeploymentSpec spec;
  UnknownFields unknown;  // status
  static constexpr auto kube_fields() {
    return fields(field("apiVersion", &Deployment::api_version), field("kind", &Deployment::kind),
                  field("metadata", &Deployment::metadata), field("spec", &Deployment::spec),
                  unknown_fields(&Deployment::unknown));
  }
};

// The captured FeatureFlagConfiguration (core.openfeature.dev/v1alpha1).
struct Flag {
  std::string default_variant;
  std::string state;
  std::map<std::string, json::value> variants;
  static constexpr auto kube_fields() {
    return fields(field("defaultVariant", &Flag::default_variant), field("state", &Flag::state),
                  field("variants", &Flag::variants));
  }
};

struct FlagConfigSpec {
  std::map<std::string, Flag> flags;
  static constexpr auto kube_fields() { return fields(field("flags", &FlagConfigSpec::flags)); }
};

struct FlagConfig {
  std::string api_version;
  std::string kind;
  ObjectMeta metadata;
  FlagConfigSpec spec;
  static constexpr auto kube_fields() {
    return fields(field("apiVersion", &FlagConfig::api_version), field("kind", &FlagConfig::kind),
                  field("metadata", &FlagConfig::metadata), field("spec", &FlagConfig::spec));
  }
};

// Every scalar kind the converter supports, for error and range tests.
struct Scalars {
  std::string s;
  bool b = false;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  std::uint8_t u8 = 0;
  double d = 0;
  std::optional<std::string> opt;
  std::int32_t with_default = 7;
  std::vector<std::int64_t> list;
  std::map<std::string, std::int32_t> counts;
  IntOrString port;
  static constexpr auto kube_fields() {
    return fields(field("s", &Scalars::s), field("b", &Scalars::b), field("i32", &Scalars::i32),
                  field("i64", &Scalars::i64), field("u8", &Scalars::u8), field("d", &Scalars::d),
                  field("opt", &Scalars::opt), field("withDefault", &Scalars::with_default),
                  field("list", &Scalars::list), field("counts", &Scalars::counts),
                  field("port", &Scalars::port));
  }
};

struct Wrapper {
  Scalars spec;
  static constexpr auto kube_fields() { return fields(field("spec", &Wrapper::spec).required()); }
};

Result<Wrapper> decode(std::string_view text) {
  return from_unstructured<Wrapper>(json::parse(text));
}

std::string error_of(std::string_view text) {
  auto r = decode(text);
  if (r) return "(no error)";
  return r.error().message;
}

TEST(Convert, DecodesEveryScalarKindIntoTheDeclaredMembers) {
  auto r = decode(R"({"spec":{"s":"x","b":true,"i32":-5,"i64":9007199254740993,"u8":255,"d":2.5,
      "opt":"o","list":[1,2],"counts":{"a":1},"port":"http"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->spec.s, "x");
  EXPECT_TRUE(r->spec.b);
  EXPECT_EQ(r->spec.i32, -5);
  EXPECT_EQ(r->spec.i64, 9007199254740993);
  EXPECT_EQ(r->spec.u8, 255);
  EXPECT_EQ(r->spec.d, 2.5);
  EXPECT_EQ(r->spec.opt, "o");
  EXPECT_EQ(r->spec.list, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(r->spec.counts, (std::map<std::string, std::int32_t>{{"a", 1}}));
  EXPECT_FALSE(r->spec.port.is_int());
  EXPECT_EQ(r->spec.port.str_value(), "http");
}

TEST(Convert, ErrorNamesThePathAndWhatWasWrong) {
  EXPECT_EQ(error_of(R"({"spec":{"i32":"3"}})"), R"(.spec.i32: expected integer, got string "3")");
  EXPECT_EQ(error_of(R"({"spec":{"b":"yes"}})"), R"(.spec.b: expected boolean, got string "yes")");
  EXPECT_EQ(error_of(R"({"spec":{"s":7}})"), ".spec.s: expected string, got number 7");
  EXPECT_EQ(error_of(R"({"spec":{"list":[1,"two"]}})"),
            R"(.spec.list[1]: expected integer, got string "two")");
  EXPECT_EQ(error_of(R"({"spec":{"counts":{"a.b/c":true}}})"),
            R"(.spec.counts["a.b/c"]: expected integer, got boolean true)");
  EXPECT_EQ(error_of(R"({"spec":[]})"), ".spec: expected object, got array");
  EXPECT_EQ(error_of("[]"), ".: expected object, got array");
  EXPECT_EQ(error_of(R"({"spec":{"port":true}})"),
            ".spec.port: expected integer or string, got boolean true");
}

TEST(Convert, ReportsEveryProblemWithOneCausePerField) {
  auto r = decode(R"({"spec":{"s":1,"b":2,"d":"x"}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            ".spec.s: expected string, got number 1; .spec.b: expected boolean, got number 2; "
            R"(.spec.d: expected number, got string "x")");
  EXPECT_EQ(r.error().reason, "Invalid");
  ASSERT_TRUE(r.error().details);
  ASSERT_EQ(r.error().details->causes.size(), 3u);
  EXPECT_EQ(r.error().details->causes[1].field, ".spec.b");
  EXPECT_EQ(r.error().details->causes[1].message, "expected boolean, got number 2");
}

TEST(Convert, IntegersAreRangeCheckedForTheMemberType) {
  EXPECT_EQ(error_of(R"({"spec":{"i32":2147483648}})"),
            ".spec.i32: number 2147483648 out of range for int32");
  EXPECT_EQ(error_of(R"({"spec":{"i32":-2147483649}})"),
            ".spec.i32: number -2147483649 out of range for int32");
  EXPECT_EQ(error_of(R"({"spec":{"u8":256}})"), ".spec.u8: number 256 out of range for uint8");
  EXPECT_EQ(error_of(R"({"spec":{"u8":-1}})"), ".spec.u8: number -1 out of range for uint8");
  EXPECT_EQ(error_of(R"({"spec":{"i64":18446744073709551615}})"),
            ".spec.i64: number 18446744073709551615 out of range for int64");
  EXPECT_EQ(error_of(R"({"spec":{"i32":2.5}})"), ".spec.i32: expected integer, got number 2.5");

  auto edge = decode(R"({"spec":{"i32":-2147483648,"i64":-9223372036854775808,"u8":3.0}})");
  ASSERT_TRUE(edge) << edge.error().message;
  EXPECT_EQ(edge->spec.i32, INT32_MIN);
  EXPECT_EQ(edge->spec.i64, INT64_MIN);
  EXPECT_EQ(edge->spec.u8, 3);  // 3.0 has an integral value
}

TEST(Convert, AbsentOrNullLeavesDefaultsAndOptionalsEmpty) {
  auto r = decode(R"({"spec":{"opt":null,"withDefault":null,"s":null}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->spec.opt, std::nullopt);
  EXPECT_EQ(r->spec.with_default, 7);  // client-go leaves what was there; so do we
  EXPECT_EQ(r->spec.s, "");
  auto absent = decode(R"({"spec":{}})");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->spec.opt, std::nullopt);
  EXPECT_EQ(absent->spec.with_default, 7);

  // Encoding: nullopt is omitted, a value is written.
  json::object out = to_unstructured(absent->spec).as_object();
  EXPECT_FALSE(out.contains("opt"));
  absent->spec.opt = "";
  EXPECT_EQ(to_unstructured(absent->spec).as_object().at("opt"), "");
}

TEST(Convert, RequiredFieldMissingOrNullIsAnError) {
  EXPECT_EQ(error_of("{}"), ".spec: required, missing");
  EXPECT_EQ(error_of(R"({"spec":null})"), ".spec: required, got null");
  auto r = from_unstructured<Port>(json::parse(R"({"name":"http"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, ".containerPort: required, missing");
  EXPECT_EQ(r.error().details->causes[0].reason, "FieldValueRequired");
}

TEST(Convert, UnknownFieldsAreDroppedUnlessTheStructKeepsThem) {
  auto port = from_unstructured<Port>(json::parse(R"({"containerPort":80,"hostIP":"1.2.3.4"})"));
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_EQ(to_unstructured(*port), json::parse(R"({"containerPort":80})"));

  auto c = from_unstructured<Container>(json::parse(
      R"({"name":"web","image":"nginx","imagePullPolicy":"Always","env":[{"name":"A"}]})"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->unknown.fields, json::parse(R"({"imagePullPolicy":"Always","env":[{"name":"A"}]})"));
  c->image = "nginx:2";
  EXPECT_EQ(
      to_unstructured(*c),
      json::parse(
          R"({"name":"web","image":"nginx:2","imagePullPolicy":"Always","env":[{"name":"A"}]})"));
}

TEST(Convert, DeclaredFieldWinsOverAKeptUnknownKeyOfTheSameName) {
  Container c;
  c.name = "web";
  c.unknown.fields["name"] = "stale";
  c.unknown.fields["tty"] = true;
  EXPECT_EQ(to_unstructured(c), json::parse(R"({"name":"web","image":"","tty":true})"));
}

TEST(Convert, OmitEmptyLeavesOutZeroValues) {
  ObjectMeta m;
  m.name = "x";
  EXPECT_EQ(to_unstructured(m), json::parse(R"({"name":"x"})"));
  m.generation = 2;
  m.labels["app"] = "web";
  EXPECT_EQ(to_unstructured(m),
            json::parse(R"({"name":"x","generation":2,"labels":{"app":"web"}})"));
}

TEST(Convert, ObjectMetaKeepsOwnerReferencesAndFinalizers) {
  auto obj = Object::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a",
      "namespace":"demo","uid":"u1","resourceVersion":"42","generation":3,
      "creationTimestamp":"2026-11-24T12:27:54Z","labels":{"app":"web"},"annotations":{"n":"v"},
      "finalizers":["f"],
      "ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u0"}]}})");
  ASSERT_TRUE(obj);
  auto m = from_unstructured<ObjectMeta>(*(*obj)->field("metadata"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "a");
  EXPECT_EQ(m->namespace_, "demo");
  EXPECT_EQ(m->uid, "u1");
  EXPECT_EQ(m->resource_version, "42");
  EXPECT_EQ(m->generation, 3);
  EXPECT_EQ(m->creation_timestamp, "2026-11-24T12:27:54Z");
  EXPECT_EQ(m->labels.at("app"), "web");
  EXPECT_EQ(m->annotations.at("n"), "v");
  EXPECT_EQ(to_unstructured(*m), *(*obj)->field("metadata"));
}

TEST(Convert, IntOrStringEncodesAsItsKind) {
  RollingUpdate u{25, "25%"};
  EXPECT_EQ(to_unstructured(u), json::parse(R"({"maxUnavailable":25,"maxSurge":"25%"})"));
  auto back = from_unstructured<RollingUpdate>(to_unstructured(u));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->max_unavailable.is_int());
  EXPECT_EQ(back->max_unavailable.int_value(), 25);
  EXPECT_EQ(back->max_surge, IntOrString("25%"));
}

TEST(Convert, CapturedCustomResourceRoundTripsExactly) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/custom-resource.json");
  auto obj = Object::parse(text);
  ASSERT_TRUE(obj) << obj.error().message;
  auto fc = from_unstructured<FlagConfig>(**obj);
  ASSERT_TRUE(fc) << fc.error().message;
  EXPECT_EQ(fc->kind, "FeatureFlagConfiguration");
  EXPECT_EQ(fc->metadata.name, "checkout-flags");
  EXPECT_EQ(fc->metadata.namespace_, "demo");
  EXPECT_EQ(fc->metadata.resource_version, (*obj)->resource_version());
  const Flag& f = fc->spec.flags.at("new-checkout");
  EXPECT_EQ(f.default_variant, "off");
  EXPECT_EQ(f.state, "ENABLED");
  EXPECT_EQ(f.variants.at("on"), true);
  // managedFields and the annotations survive in metadata.unknown / annotations.
  EXPECT_EQ(to_unstructured(*fc), (*obj)->to_value());
  auto again = to_object(*fc);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->to_value(), (*obj)->to_value());  // same members; key order may differ
  EXPECT_EQ((*again)->resource_version(), (*obj)->resource_version());
}

TEST(Convert, CapturedDeploymentRoundTripsThroughNestedStructs) {
  KUBE_FIXTURE_OR_SKIP(text, "objects/deployment.json");
  auto obj = Object::parse(text);
  ASSERT_TRUE(obj) << obj.error().message;
  auto d = from_unstructured<Deployment>(**obj);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->spec.replicas, 3);
  EXPECT_EQ(d->spec.selector.match_labels.at("app"), "web");
  ASSERT_EQ(d->spec.template_.spec.containers.size(), 1u);
  const Container& c = d->spec.template_.spec.containers[0];
  EXPECT_EQ(c.image, "nginx:1.25.3");
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports[0].container_port, 80);
  ASSERT_TRUE(d->spec.strategy.rolling_update);
  EXPECT_EQ(d->spec.strategy.rolling_update->max_surge.str_value(), "25%");
  EXPECT_TRUE(d->unknown.fields.contains("status"));

  json::value expected = (*obj)->to_value();
  // The one loss: the explicit `"creationTimestamp": null` Go writes for a zero
  // time is omitted (ObjectMeta omits empty fields); the server reads both alike.
  expected.at_pointer("/spec/template/metadata").as_object().erase("creationTimestamp");
  EXPECT_EQ(to_unstructured(*d), expected);
}

// A struct declared outside our control, given a field list by ADL.
namespace theirs {
struct Point {
  int x = 0;
  int y = 0;
};
constexpr auto kube_fields(type_tag<Point>) {
  return fields(field("x", &Point::x), field("y", &Point::y));
}
}  // namespace theirs

TEST(Convert, FieldListCanBeDeclaredOutsideTheStruct) {
  auto p = from_unstructured<theirs::Point>(json::parse(R"({"x":1,"y":2})"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->x, 1);
  EXPECT_EQ(p->y, 2);
  EXPECT_EQ(to_unstructured(*p), json::parse(R"({"x":1,"y":2})"));
}

}  // namespace
}  // namespace kube
