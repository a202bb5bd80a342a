// kube/api/detail/codec.h — what the generated kube_decode / kube_encode functions (src/api/*.cc,
// written by tools/openapi_gen) call for each member.
//
// Rules, following client-go's JSON decoding of its typed structs:
// - A member is decoded with kube::Codec (kube/core/convert.h), so errors carry the jq
//   path and every problem is reported.
// - Keys the spec does not declare are kept in `unknown` and written back after the
//   declared members, so a newer server's fields survive a read-modify-write.
// - An explicit null is kept as an unknown null (the member stays empty): the captures
//   have `"creationTimestamp": null` in pod templates, and a round trip must give the
//   same JSON. A member set later wins over the kept null.
// - "required" in the schema only makes the member a plain value instead of a
//   std::optional; a missing required field decodes to the empty value without error,
//   as encoding/json does (the server validates, not the client).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "kube/core/convert.h"

namespace kube::api::detail {

// Decoding in place: containers are filled without moving elements (a vector is
// constructed at its final size, an optional emplaced), so that the generated .cc files
// instantiate no copy or move of the ~600 structs: each struct's moves and copies through
// std::optional / std::vector would otherwise be ~20,000 functions in core_v1.cc alone,
// and minutes of compilation under the sanitizers (docs/benchmarks.md, "Typed API").
template <class M>
struct InPlace {
  static void decode(const boost::json::value& v, M& out, Decoder& d) {
    Codec<M>::decode(v, out, d);
  }
};

template <class U>
struct InPlace<std::optional<U>> {
  static void decode(const boost::json::value& v, std::optional<U>& out, Decoder& d) {
    InPlace<U>::decode(v, out.emplace(), d);
  }
};

template <class U>
struct InPlace<std::vector<U>> {
  static void decode(const boost::json::value& v, std::vector<U>& out, Decoder& d) {
    const auto* a = v.if_array();
    if (!a) return d.mismatch("array", v);
    std::vector<U> items(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto scope = d.index(i);
      if (!(*a)[i].is_null()) InPlace<U>::decode((*a)[i], items[i], d);
    }
    out.swap(items);
  }
};

template <class U>
struct InPlace<std::map<std::string, U>> {
  static void decode(const boost::json::value& v, std::map<std::string, U>& out, Decoder& d) {
    const auto* o = v.if_object();
    if (!o) return d.mismatch("object", v);
    out.clear();
    for (const auto& kv : *o) {
      auto scope = d.key(kv.key());
      U& item = out[std::string(kv.key())];
      if (!kv.value().is_null()) InPlace<U>::decode(kv.value(), item, d);
    }
  }
};

// Not inlined: each member is then one call in the generated function.
template <class M>
[[gnu::noinline]] void decode_member(const boost::json::value& v, std::string_view name, M& member,
                                     Decoder& d) {
  auto scope = d.field(name);
  InPlace<M>::decode(v, member, d);
}

// A required member is always written, except when it is empty and was decoded from an
// explicit null (a watch bookmark's Pod has "containers": null): the kept null is written.
template <class M>
[[gnu::noinline]] void encode_required(boost::json::object& o, std::string_view name,
                                       const M& member, const UnknownFields& unknown) {
  if (Codec<M>::empty(member)) {
    const boost::json::value* kept = unknown.fields.if_contains(name);
    if (kept && kept->is_null()) return;
  }
  o.insert_or_assign(name, Codec<M>::encode(member));
}

template <class M>
[[gnu::noinline]] void encode_optional(boost::json::object& o, std::string_view name,
                                       const std::optional<M>& member) {
  if (member) o.insert_or_assign(name, Codec<M>::encode(*member));
}

// The key/value kept in `unknown`.
void keep_unknown(UnknownFields& unknown, const boost::json::key_value_pair& kv);
// The kept keys not already written.
void write_unknown(boost::json::object& o, const UnknownFields& unknown);

}  // namespace kube::api::detail
