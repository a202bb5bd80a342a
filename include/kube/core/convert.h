// kube/core/convert.h — the user's own C++ struct from/to an unstructured
// object: kinformer's runtime.DefaultUnstructuredConverter.
//
// A struct declares its JSON field list once, in a static member function
// `kube_fields()` (JSON names are chosen independently of C++ member names:
// Kubernetes writes camelCase, C++ snake_case). Nested structs, vectors, maps
// and optionals compose:
//
//   struct CronTabSpec {
//     std::string cron_spec;
//     std::optional<std::int32_t> replicas;
//     static constexpr auto kube_fields() {
//       return kube::fields(kube::field("cronSpec", &CronTabSpec::cron_spec).required(),
//                           kube::field("replicas", &CronTabSpec::replicas));
//     }
//   };
//   struct CronTab {
//     std::string api_version, kind;
//     kube::ObjectMeta metadata;
//     CronTabSpec spec;
//     kube::UnknownFields unknown;  // keeps "status" and anything else undeclared
//     static constexpr auto kube_fields() {
//       return kube::fields(kube::field("apiVersion", &CronTab::api_version),
//                           kube::field("kind", &CronTab::kind),
//                           kube::field("metadata", &CronTab::metadata),
//                           kube::field("spec", &CronTab::spec),
//                           kube::unknown_fields(&CronTab::unknown));
//     }
//   };
//
//   kube::Result<CronTab> ct = kube::from_unstructured<CronTab>(*obj);   // obj: kube::ObjectPtr
//   if (!ct) log(ct.error().message);  // ".spec.replicas: expected integer, got string \"3\""
//   ct->spec.replicas = 5;
//   client.update(crontabs, **kube::to_object(*ct));                    // or to_unstructured(*ct)
//
// A struct you cannot edit declares its list with a free function found by
// argument-dependent lookup, in the struct's namespace:
//   constexpr auto kube_fields(kube::type_tag<TheirStruct>) { return kube::fields(...); }
//
// Rules (client-go's DefaultUnstructuredConverter and encoding/json unless said):
// - Decoding (from_unstructured): a missing field, or one that is null, leaves
//   the member as it was default-constructed (client-go leaves zero values);
//   `.required()` makes a missing/null field an error instead. std::optional:
//   absent or null -> nullopt. Undeclared JSON keys are dropped, as client-go
//   does, unless the struct declares `kube::unknown_fields(&T::member)`: then
//   they are kept there and written back by to_unstructured, so a
//   decode/encode round trip loses nothing (kube::ObjectMeta does this, so
//   ownerReferences, finalizers, managedFields survive an update).
//   Mind an update (PUT) of a struct that does not keep them: the server
//   replaces the object, so what the struct did not declare is removed there
//   (as with a Go struct missing fields); keep unknown fields, or send a
//   merge patch of the fields you changed.
// - Every problem is reported, not just the first: the Error (reason
//   "Invalid") has message "<path>: <what>" joined by "; ", e.g.
//   `.spec.replicas: expected integer, got string "3"`, and one
//   details.causes entry per problem with the path in `field`. Paths are jq
//   style: `.spec.items[2].name`, `.metadata.labels["app"]`; the root is ".".
// - Integers: JSON integers, or numbers with an integral value (3.0), that fit
//   the member's type; otherwise `number 3000000000 out of range for int32`.
//   Doubles accept any JSON number. bool and string accept only their kind.
// - Encoding (to_unstructured): declared fields in declaration order, then
//   the kept unknown fields (a declared field wins over an unknown key of the
//   same name). std::nullopt is omitted; `.omit_empty()` also omits "", 0,
//   false, empty vectors and maps (Go's `omitempty`).
//
// Supported member types: std::string, bool, integers (range-checked), float
// and double, std::optional<U>, std::vector<U>, std::map<std::string, U>,
// kube::IntOrString, kube::ObjectMeta, boost::json::value / object (taken
// as is), any struct with a field list, and the generated API types
// (kube/api/..., which convert through kube_decode / kube_encode). Other types: specialise
// kube::Codec<T> (see below) or the build fails naming the type.
//
// Thread-safety: pure functions over values; no shared state.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube {

// ---------------------------------------------------------------- declaring

// One declared field: a JSON name and the member that holds it.
template <class T, class M>
struct Field {
  std::string_view name;
  M T::*member;
  bool is_required = false;
  bool is_omit_empty = false;

  // Missing or null in the JSON is an error naming the field.
  constexpr Field required() const {
    Field f = *this;
    f.is_required = true;
    return f;
  }
  // to_unstructured leaves the field out when it is "", 0, false or empty.
  constexpr Field omit_empty() const {
    Field f = *this;
    f.is_omit_empty = true;
    return f;
  }
};

template <class T, class M>
constexpr Field<T, M> field(std::string_view json_name, M T::*member) {
  return {json_name, member};
}

// Undeclared keys of an object, kept for a lossless round trip.
struct UnknownFields {
  boost::json::object fields;
  bool operator==(const UnknownFields&) const = default;
};

template <class T>
struct UnknownFieldsMember {
  UnknownFields T::*member;
};

template <class T>
constexpr UnknownFieldsMember<T> unknown_fields(UnknownFields T::*member) {
  return {member};
}

template <class... E>
struct FieldList {
  std::tuple<E...> entries;
};

template <class... E>
constexpr FieldList<E...> fields(E... entries) {
  return {{entries...}};
}

// Tag for declaring a field list outside the struct (found by ADL).
template <class T>
struct type_tag {};

template <class T>
concept HasMemberFieldList = requires {
  T::kube_fields();
};
template <class T>
concept HasFreeFieldList = requires {
  kube_fields(type_tag<T>{});
};
template <class T>
concept DescribedStruct = HasMemberFieldList<T> || HasFreeFieldList<T>;

template <DescribedStruct T>
constexpr auto field_list_of() {
  if constexpr (HasMemberFieldList<T>) {
    return T::kube_fields();
  } else {
    return kube_fields(type_tag<T>{});
  }
}

// ------------------------------------------------------ value types provided

// intstr.IntOrString: a port, a percentage ("25%"), ... An int32 or a string.
class IntOrString {
 public:
  IntOrString() : v_(std::int32_t{0}) {}
  IntOrString(std::int32_t i) : v_(i) {}              // NOLINT: implicit like Go's literal
  IntOrString(std::string s) : v_(std::move(s)) {}    // NOLINT
  IntOrString(const char* s) : v_(std::string(s)) {}  // NOLINT

  bool is_int() const { return v_.index() == 0; }
  std::int32_t int_value() const { return is_int() ? std::get<0>(v_) : 0; }
  const std::string& str_value() const;
  bool operator==(const IntOrString&) const = default;

 private:
  std::variant<std::int32_t, std::string> v_;
};

// The commonly used part of metav1.ObjectMeta. Everything else in "metadata"
// (ownerReferences, finalizers, managedFields, deletionTimestamp, ...) is
// kept in `unknown` and written back. Empty fields are omitted on encoding.
struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::string creation_timestamp;  // RFC 3339 text as served
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  UnknownFields unknown;

  static constexpr auto kube_fields() {
    return fields(field("name", &ObjectMeta::name).omit_empty(),
                  field("generateName", &ObjectMeta::generate_name).omit_empty(),
                  field("namespace", &ObjectMeta::namespace_).omit_empty(),
                  field("uid", &ObjectMeta::uid).omit_empty(),
                  field("resourceVersion", &ObjectMeta::resource_version).omit_empty(),
                  field("generation", &ObjectMeta::generation).omit_empty(),
                  field("creationTimestamp", &ObjectMeta::creation_timestamp).omit_empty(),
                  field("labels", &ObjectMeta::labels).omit_empty(),
                  field("annotations", &ObjectMeta::annotations).omit_empty(),
                  unknown_fields(&ObjectMeta::unknown));
  }
  bool operator==(const ObjectMeta&) const = default;
};

// ------------------------------------------------------------------ codecs

// Collects problems, each at the JSON path being decoded.
class Decoder {
 public:
  // Restores the path when it goes out of scope.
  class [[nodiscard]] Scope {
   public:
    explicit Scope(Decoder& d, std::size_t restore) : d_(d), restore_(restore) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { d_.path_.resize(restore_); }

   private:
    Decoder& d_;
    std::size_t restore_;
  };
  Scope field(std::string_view name);   // .name
  Scope index(std::size_t i);           // [i]
  Scope key(std::string_view map_key);  // ["map_key"]

  // "<path>: expected <expected>, got <kind and value of got>"
  void mismatch(std::string_view expected, const boost::json::value& got);
  // "<path>: <message>" with a StatusCause reason ("FieldValueInvalid", ...).
  void problem(std::string message, std::string reason = "FieldValueInvalid");

  bool ok() const { return causes_.empty(); }
  // The Error for everything recorded (requires !ok()).
  Error error() const;

 private:
  std::string path_;
  std::vector<StatusCause> causes_;
};

// How a JSON value becomes a T and back. Specialise for your own types:
//   static void decode(const boost::json::value&, T&, Decoder&);  // never called with null
//   static boost::json::value encode(const T&);
//   static bool empty(const T&);                                  // for omit_empty
template <class T>
struct Codec {
  static_assert(sizeof(T) == 0,
                "kube::Codec<T>: this member type cannot be converted; give the struct a "
                "field list (static constexpr auto kube_fields()) or specialise kube::Codec<T>");
};

// Integers other than bool (which has its own codec).
template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool>;

namespace convert_detail {
template <class T>
struct is_optional : std::false_type {};
template <class U>
struct is_optional<std::optional<U>> : std::true_type {};
// "int32", "uint8", ... for range errors.
std::string integer_type_name(bool is_signed, std::size_t bytes);
// The integral value of a JSON number: an integer, or a double with an
// integral value (3.0).
struct IntegerValue {
  enum class Kind { not_integer, int64, uint64, too_large } kind = Kind::not_integer;
  std::int64_t i = 0;
  std::uint64_t u = 0;
};
IntegerValue integer_value(const boost::json::value& v);
// A number as its JSON text, for messages.
std::string number_text(const boost::json::value& v);
}  // namespace convert_detail

template <>
struct Codec<std::string> {
  static void decode(const boost::json::value& v, std::string& out, Decoder& d);
  static boost::json::value encode(const std::string& s) { return boost::json::string(s); }
  static bool empty(const std::string& s) { return s.empty(); }
};

template <>
struct Codec<bool> {
  static void decode(const boost::json::value& v, bool& out, Decoder& d);
  static boost::json::value encode(bool b) { return b; }
  static bool empty(bool b) { return !b; }
};

template <Integer I>
struct Codec<I> {
  static void decode(const boost::json::value& v, I& out, Decoder& d) {
    using convert_detail::IntegerValue;
    IntegerValue n = convert_detail::integer_value(v);
    if (n.kind == IntegerValue::Kind::not_integer) {
      if (!v.is_number()) return d.mismatch("integer", v);
      return d.problem("expected integer, got number " + convert_detail::number_text(v));
    }
    bool fits = (n.kind == IntegerValue::Kind::int64 && std::in_range<I>(n.i)) ||
                (n.kind == IntegerValue::Kind::uint64 && std::in_range<I>(n.u));
    if (!fits) {
      return d.problem("number " + convert_detail::number_text(v) + " out of range for " +
                       convert_detail::integer_type_name(std::is_signed_v<I>, sizeof(I)));
    }
    out = n.kind == IntegerValue::Kind::int64 ? static_cast<I>(n.i) : static_cast<I>(n.u);
  }
  static boost::json::value encode(I i) {
    if constexpr (std::is_signed_v<I>) {
      return static_cast<std::int64_t>(i);
    } else {
      return static_cast<std::uint64_t>(i);
    }
  }
  static bool empty(I i) { return i == 0; }
};

template <std::floating_point F>
struct Codec<F> {
  static void decode(const boost::json::value& v, F& out, Decoder& d) {
    if (!v.is_number()) return d.mismatch("number", v);
    out = static_cast<F>(v.to_number<double>());
  }
  static boost::json::value encode(F f) { return static_cast<double>(f); }
  static bool empty(F f) { return f == 0; }
};

template <>
struct Codec<boost::json::value> {
  static void decode(const boost::json::value& v, boost::json::value& out, Decoder&) { out = v; }
  static boost::json::value encode(const boost::json::value& v) { return v; }
  static bool empty(const boost::json::value& v) { return v.is_null(); }
};

template <>
struct Codec<boost::json::object> {
  static void decode(const boost::json::value& v, boost::json::object& out, Decoder& d);
  static boost::json::value encode(const boost::json::object& o) { return o; }
  static bool empty(const boost::json::object& o) { return o.empty(); }
};

template <>
struct Codec<IntOrString> {
  static void decode(const boost::json::value& v, IntOrString& out, Decoder& d);
  static boost::json::value encode(const IntOrString& v);
  static bool empty(const IntOrString& v) { return v.is_int() && v.int_value() == 0; }
};

template <class U>
struct Codec<std::optional<U>> {
  static void decode(const boost::json::value& v, std::optional<U>& out, Decoder& d) {
    U value{};
    Codec<U>::decode(v, value, d);
    out = std::move(value);
  }
  static boost::json::value encode(const std::optional<U>& o) {
    return o ? Codec<U>::encode(*o) : boost::json::value(nullptr);
  }
  static bool empty(const std::optional<U>& o) { return !o; }
};

template <class U>
struct Codec<std::vector<U>> {
  static void decode(const boost::json::value& v, std::vector<U>& out, Decoder& d) {
    const auto* a = v.if_array();
    if (!a) return d.mismatch("array", v);
    out.clear();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto scope = d.index(i);
      U& item = out.emplace_back();
      if (!(*a)[i].is_null()) Codec<U>::decode((*a)[i], item, d);
    }
  }
  static boost::json::value encode(const std::vector<U>& v) {
    boost::json::array a;
    a.reserve(v.size());
    for (const U& item : v) a.push_back(Codec<U>::encode(item));
    return a;
  }
  static bool empty(const std::vector<U>& v) { return v.empty(); }
};

template <class U>
struct Codec<std::map<std::string, U>> {
  static void decode(const boost::json::value& v, std::map<std::string, U>& out, Decoder& d) {
    const auto* o = v.if_object();
    if (!o) return d.mismatch("object", v);
    out.clear();
    for (const auto& kv : *o) {
      auto scope = d.key(kv.key());
      U& item = out[std::string(kv.key())];
      if (!kv.value().is_null()) Codec<U>::decode(kv.value(), item, d);
    }
  }
  static boost::json::value encode(const std::map<std::string, U>& m) {
    boost::json::object o;
    o.reserve(m.size());
    for (const auto& [k, item] : m) o.emplace(k, Codec<U>::encode(item));
    return o;
  }
  static bool empty(const std::map<std::string, U>& m) { return m.empty(); }
};

namespace convert_detail {

template <class E>
struct is_unknown_member : std::false_type {};
template <class T>
struct is_unknown_member<UnknownFieldsMember<T>> : std::true_type {};

template <class T, class M>
void decode_entry(const Field<T, M>& f, const boost::json::object& o, T& out, Decoder& d) {
  auto scope = d.field(f.name);
  const auto* v = o.if_contains(f.name);
  if (!v || v->is_null()) {
    if constexpr (is_optional<M>::value) (out.*f.member).reset();
    if (f.is_required)
      d.problem(v ? "required, got null" : "required, missing", "FieldValueRequired");
    return;
  }
  Codec<M>::decode(*v, out.*f.member, d);
}
template <class T>
void decode_entry(const UnknownFieldsMember<T>&, const boost::json::object&, T&, Decoder&) {}

template <class T, class M>
void encode_entry(const Field<T, M>& f, const T& in, boost::json::object& out) {
  const M& m = in.*f.member;
  if constexpr (is_optional<M>::value) {
    if (!m) return;
  }
  if (f.is_omit_empty && Codec<M>::empty(m)) return;
  out.insert_or_assign(f.name, Codec<M>::encode(m));
}
template <class T>
void encode_entry(const UnknownFieldsMember<T>&, const T&, boost::json::object&) {}

template <class E>
std::string_view entry_name(const E& e) {
  if constexpr (is_unknown_member<E>::value) {
    return {};
  } else {
    return e.name;
  }
}

}  // namespace convert_detail

template <DescribedStruct T>
struct Codec<T> {
  static void decode(const boost::json::value& v, T& out, Decoder& d) {
    const auto* o = v.if_object();
    if (!o) return d.mismatch("object", v);
    static constexpr auto list = field_list_of<T>();
    std::apply([&](const auto&... e) { (convert_detail::decode_entry(e, *o, out, d), ...); },
               list.entries);
    std::apply([&](const auto&... e) { (keep_unknown(e, *o, out), ...); }, list.entries);
  }
  static boost::json::value encode(const T& in) {
    static constexpr auto list = field_list_of<T>();
    boost::json::object o;
    std::apply([&](const auto&... e) { (convert_detail::encode_entry(e, in, o), ...); },
               list.entries);
    std::apply([&](const auto&... e) { (write_unknown(e, in, o), ...); }, list.entries);
    return o;
  }
  // A struct is never "empty" (as in Go, omitempty does not omit structs).
  static bool empty(const T&) { return false; }

 private:
  static bool declared(std::string_view key) {
    static constexpr auto list = field_list_of<T>();
    return std::apply(
        [&](const auto&... e) {
          return ((convert_detail::entry_name(e) == key && !key.empty()) || ...);
        },
        list.entries);
  }
  template <class E>
  static void keep_unknown(const E& e, const boost::json::object& o, T& out) {
    if constexpr (convert_detail::is_unknown_member<E>::value) {
      boost::json::object& kept = (out.*e.member).fields;
      kept.clear();
      for (const auto& kv : o)
        if (!declared(kv.key())) kept.insert_or_assign(kv.key(), kv.value());
    }
  }
  template <class E>
  static void write_unknown(const E& e, const T& in, boost::json::object& o) {
    if constexpr (convert_detail::is_unknown_member<E>::value) {
      for (const auto& kv : (in.*e.member).fields)
        if (!o.contains(kv.key())) o.emplace(kv.key(), kv.value());
    }
  }
};

// A type with free functions kube_decode / kube_encode found by argument-dependent
// lookup (the generated API, kube/api/<group>/<version>.h, whose definitions are out of
// line so that user code instantiates no converter for them):
//   void kube_decode(const boost::json::value&, T&, kube::Decoder&);  // never called with null
//   boost::json::value kube_encode(const T&);
template <class T>
concept AdlCodecType = !DescribedStruct<T> && requires(const boost::json::value& v, T& t,
                                                       const T& ct, Decoder& d) {
  kube_decode(v, t, d);
  { kube_encode(ct) } -> std::same_as<boost::json::value>;
};

template <AdlCodecType T>
struct Codec<T> {
  static void decode(const boost::json::value& v, T& out, Decoder& d) { kube_decode(v, out, d); }
  static boost::json::value encode(const T& in) { return kube_encode(in); }
  static bool empty(const T&) { return false; }
};

// ------------------------------------------------------------- conversions

// The JSON value as a T. T is default-constructed, then every declared field
// present in `value` is decoded into it; the Error lists every problem.
template <class T>
Result<T> from_unstructured(const boost::json::value& value) {
  T out{};
  Decoder d;
  if (value.is_null()) {
    d.mismatch(DescribedStruct<T> ? "object" : "a value", value);
  } else {
    Codec<T>::decode(value, out, d);
  }
  if (!d.ok()) return d.error();
  return out;
}

// The cached object as a T (decodes a DOM copy of its bytes).
template <class T>
Result<T> from_unstructured(const Object& object) {
  return from_unstructured<T>(object.to_value());
}

// The T as JSON, ready to send (RestClient::create takes its serialization).
template <class T>
boost::json::value to_unstructured(const T& value) {
  return Codec<T>::encode(value);
}

// The T as an immutable Object (RestClient::update takes one). Fails when the
// result is not a valid object (e.g. metadata of the wrong shape).
template <class T>
Result<ObjectPtr> to_object(const T& value) {
  return Object::from_value(to_unstructured(value));
}

}  // namespace kube
