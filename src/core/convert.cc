#include "kube/core/convert.h"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace kube {
namespace {

namespace json = boost::json;

// Problems listed in an Error's message; the rest are counted (all are in
// details.causes).
constexpr std::size_t kMaxProblemsInMessage = 20;

// `string "yes"`, `number 150`, `boolean true`, `null`, `array`, `object`.
std::string describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return std::string("boolean ") + (v.get_bool() ? "true" : "false");
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number " + convert_detail::number_text(v);
    case json::kind::string: {
      std::string s = json::serialize(v);
      return "string " + (s.size() > 40 ? s.substr(0, 36) + "...\"" : s);
    }
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "unknown";
}

}  // namespace

const std::string& IntOrString::str_value() const {
  static const std::string kEmpty;
  return is_int() ? kEmpty : std::get<1>(v_);
}

Decoder::Scope Decoder::field(std::string_view name) {
  std::size_t restore = path_.size();
  path_ += '.';
  path_ += name;
  return Scope(*this, restore);
}

Decoder::Scope Decoder::index(std::size_t i) {
  std::size_t restore = path_.size();
  path_ += '[' + std::to_string(i) + ']';
  return Scope(*this, restore);
}

Decoder::Scope Decoder::key(std::string_view map_key) {
  std::size_t restore = path_.size();
  path_ += '[' + json::serialize(json::string(map_key)) + ']';
  return Scope(*this, restore);
}

void Decoder::mismatch(std::string_view expected, const json::value& got) {
  problem("expected " + std::string(expected) + ", got " + describe(got));
}

void Decoder::problem(std::string message, std::string reason) {
  causes_.push_back(
      StatusCause{std::move(reason), std::move(message), path_.empty() ? "." : path_});
}

Error Decoder::error() const {
  std::string message;
  for (std::size_t i = 0; i < causes_.size() && i < kMaxProblemsInMessage; ++i) {
    if (i > 0) message += "; ";
    message += causes_[i].field + ": " + causes_[i].message;
  }
  if (causes_.size() > kMaxProblemsInMessage)
    message += "; and " + std::to_string(causes_.size() - kMaxProblemsInMessage) + " more";
  StatusDetails details;
  details.causes = causes_;
  return Error{0, "Invalid", std::move(message), std::move(details)};
}

namespace convert_detail {

std::string integer_type_name(bool is_signed, std::size_t bytes) {
  return (is_signed ? "int" : "uint") + std::to_string(bytes * 8);
}

IntegerValue integer_value(const json::value& v) {
  using Kind = IntegerValue::Kind;
  if (v.is_int64()) return {Kind::int64, v.get_int64(), 0};
  if (v.is_uint64()) return {Kind::uint64, 0, v.get_uint64()};
  if (!v.is_double()) return {};
  double x = v.get_double();
  if (!std::isfinite(x) || std::trunc(x) != x) return {};
  // 2^63 and 2^64 are exact doubles; below them the casts are defined.
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0)
    return {Kind::int64, static_cast<std::int64_t>(x), 0};
  if (x >= 0 && x < 18446744073709551616.0) return {Kind::uint64, 0, static_cast<std::uint64_t>(x)};
  return {Kind::too_large, 0, 0};
}

// Doubles in their shortest form ("2.5", not Boost.JSON's "2.5E0").
std::string number_text(const json::value& v) {
  if (!v.is_double()) return json::serialize(v);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
  return ec == std::errc() ? std::string(buf, end) : json::serialize(v);
}

}  // namespace convert_detail

void Codec<std::string>::decode(const json::value& v, std::string& out, Decoder& d) {
  if (!v.is_string()) return d.mismatch("string", v);
  out = v.get_string();
}

void Codec<bool>::decode(const json::value& v, bool& out, Decoder& d) {
  if (!v.is_bool()) return d.mismatch("boolean", v);
  out = v.get_bool();
}

void Codec<json::object>::decode(const json::value& v, json::object& out, Decoder& d) {
  if (!v.is_object()) return d.mismatch("object", v);
  out = v.get_object();
}

// intstr.IntOrString unmarshals a JSON string as a string and anything else
// as int32 (a fraction is an error there too).
void Codec<IntOrString>::decode(const json::value& v, IntOrString& out, Decoder& d) {
  if (v.is_string()) {
    out = IntOrString(std::string(v.get_string()));
    return;
  }
  if (!v.is_number()) return d.mismatch("integer or string", v);
  std::int32_t i = 0;
  Codec<std::int32_t>::decode(v, i, d);
  out = IntOrString(i);
}

json::value Codec<IntOrString>::encode(const IntOrString& v) {
  if (v.is_int()) return v.int_value();
  return json::string(v.str_value());
}

}  // namespace kube
