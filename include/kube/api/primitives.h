// kube/api/primitives.h — the value types the generated API (kube/api/<group>/<version>.h)
// uses for Kubernetes' special strings: resource.Quantity ("100m", "1Gi") and metav1.Time /
// MicroTime (RFC 3339). intstr.IntOrString is kube::IntOrString (kube/core/convert.h).
//
//   kube::api::core::v1::ResourceRequirements r{
//       .limits = std::map<std::string, kube::api::Quantity>{{"cpu", "500m"}, {"memory", "1Gi"}}};
//   pod.metadata->creation_timestamp->str();  // "2024-03-01T10:00:00Z"
//
// Both keep the text exactly as served, so a decode/encode round trip gives the same JSON
// (Kubernetes serialises a Quantity in canonical form and a Time in UTC, seconds precision,
// so text is also what the server compares). Arithmetic on quantities is not provided.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <utility>

#include <boost/json/value.hpp>

#include "kube/core/convert.h"

namespace kube::api {

// resource.Quantity as its text. Go also accepts a JSON number here ({"cpu": 2}); so does
// decoding, which keeps the number's text ("2").
class Quantity {
 public:
  Quantity() = default;
  Quantity(std::string text) : text_(std::move(text)) {}  // NOLINT: implicit, like a YAML value
  Quantity(const char* text) : text_(text) {}             // NOLINT
  const std::string& str() const { return text_; }
  bool operator==(const Quantity&) const = default;

 private:
  std::string text_;
};

// metav1.Time: RFC 3339 text as served ("2024-03-01T10:00:00Z").
class Time {
 public:
  Time() = default;
  Time(std::string text) : text_(std::move(text)) {}  // NOLINT
  Time(const char* text) : text_(text) {}             // NOLINT
  const std::string& str() const { return text_; }
  bool operator==(const Time&) const = default;

 private:
  std::string text_;
};

// metav1.MicroTime: the same, with microseconds ("2024-03-01T10:00:00.123456Z").
using MicroTime = Time;

}  // namespace kube::api

namespace kube {

template <>
struct Codec<api::Quantity> {
  static void decode(const boost::json::value& v, api::Quantity& out, Decoder& d);
  static boost::json::value encode(const api::Quantity& q);
  static bool empty(const api::Quantity& q) { return q.str().empty(); }
};

template <>
struct Codec<api::Time> {
  static void decode(const boost::json::value& v, api::Time& out, Decoder& d);
  static boost::json::value encode(const api::Time& t);
  static bool empty(const api::Time& t) { return t.str().empty(); }
};

}  // namespace kube
