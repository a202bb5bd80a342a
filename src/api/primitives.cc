#include "kube/api/primitives.h"

#include <boost/json/string.hpp>

#include "kube/api/detail/codec.h"

namespace kube {

void Codec<api::Quantity>::decode(const boost::json::value& v, api::Quantity& out, Decoder& d) {
  if (const auto* s = v.if_string()) {
    out = api::Quantity(std::string(*s));
  } else if (v.is_number()) {
    out = api::Quantity(convert_detail::number_text(v));
  } else {
    d.mismatch("quantity (string or number)", v);
  }
}

boost::json::value Codec<api::Quantity>::encode(const api::Quantity& q) {
  return boost::json::string(q.str());
}

void Codec<api::Time>::decode(const boost::json::value& v, api::Time& out, Decoder& d) {
  const auto* s = v.if_string();
  if (!s) return d.mismatch("RFC 3339 time string", v);
  out = api::Time(std::string(*s));
}

boost::json::value Codec<api::Time>::encode(const api::Time& t) {
  return boost::json::string(t.str());
}

namespace api::detail {

void keep_unknown(UnknownFields& unknown, const boost::json::key_value_pair& kv) {
  unknown.fields.insert_or_assign(kv.key(), kv.value());
}

void write_unknown(boost::json::object& o, const UnknownFields& unknown) {
  for (const auto& kv : unknown.fields)
    if (!o.contains(kv.key())) o.emplace(kv.key(), kv.value());
}

}  // namespace api::detail
}  // namespace kube
