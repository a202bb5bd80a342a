// Object: minified JSON bytes + metadata extracted once. See object.h and
// docs/design.md ("Object representation") for why.
#include "kube/core/object.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include <boost/json.hpp>
#include <simdjson.h>

#include "src/core/json_path.h"

namespace kube {
namespace {

constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

const char* type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "array";
    case T::OBJECT: return "object";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE: return "number";
    case T::STRING: return "string";
    case T::BOOL: return "boolean";
    case T::NULL_VALUE: return "null";
  }
  return "value";
}

// Reports where a JSON text stops being JSON (only on the error path: simdjson
// says what is wrong but not where).
std::string describe_json_error(std::string_view text, const char* simd_message) {
  boost::json::stream_parser p;
  boost::system::error_code ec;
  std::size_t n = p.write_some(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    return "invalid JSON at byte " + std::to_string(n) + ": " + ec.message();
  }
  return std::string("invalid JSON: ") + simd_message;
}

// True when minifying `text` would give `text` back, so the copy can skip
// simdjson::minify (22% of the decoding thread's samples on a watch stream,
// where kube-apiserver's json.Encoder output is minified already). Raw \t \n
// \r never occur inside valid JSON strings, so any of them is whitespace to
// remove. A space outside a string sits in a run between two tokens, and of
// two adjacent JSON tokens at least one is structural ({}[]:,), so one end of
// the run touches a structural character: a space with such a neighbour may
// be removable (or may be inside a string such as "a, b": then the minify
// runs for nothing, which is only slower). The first and last bytes must not
// be whitespace either.
bool already_minified(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  if (n == 0 || p[0] <= ' ' || p[n - 1] <= ' ') return false;
  auto structural = [](unsigned char c) {
    return c == ',' || c == ':' || c == '{' || c == '}' || c == '[' || c == ']';
  };
  constexpr std::size_t kBlock = 64;
  for (std::size_t at = 0; at < n; at += kBlock) {
    const std::size_t end = std::min(n, at + kBlock);
    // Vectorised by the compiler: does the block hold any byte <= ' '?
    unsigned char any = 0;
    for (std::size_t i = at; i < end; ++i) any |= static_cast<unsigned char>(p[i] <= ' ');
    if (any == 0) continue;
    for (std::size_t i = at; i < end; ++i) {
      if (p[i] > ' ') continue;
      if (p[i] != ' ') return false;
      if (structural(p[i - 1]) || structural(p[i + 1])) return false;  // 0 < i < n - 1
    }
  }
  return true;
}

}  // namespace

// Collects metadata strings while the DOM is alive, then lays out the buffer.
class Object::Builder {
 public:
  // `labels` is scratch space the caller reuses, so that reading an object
  // allocates nothing.
  explicit Builder(std::vector<Label>& labels) : labels_(labels) { labels_.clear(); }

  Result<void> read(simdjson::dom::element root) {
    simdjson::dom::object obj;
    if (root.get_object().get(obj)) {
      return Error::bad_request(std::string("object JSON: expected an object, got ") +
                                type_name(root.type()));
    }
    if (auto r = string_field(obj, "apiVersion", "apiVersion", &api_version_); !r) return r;
    if (auto r = string_field(obj, "kind", "kind", &kind_); !r) return r;
    simdjson::dom::element meta_el;
    if (obj["metadata"].get(meta_el)) return {};
    if (meta_el.is_null()) return {};
    simdjson::dom::object meta;
    if (meta_el.get_object().get(meta)) {
      return Error::bad_request(std::string("object JSON: metadata: expected an object, got ") +
                                type_name(meta_el.type()));
    }
    struct {
      const char* key;
      std::string_view* out;
    } fields[] = {{"name", &name_},
                  {"namespace", &namespace_},
                  {"uid", &uid_},
                  {"resourceVersion", &resource_version_},
                  {"generateName", &generate_name_},
                  {"creationTimestamp", &creation_timestamp_},
                  {"deletionTimestamp", &deletion_timestamp_}};
    for (auto& f : fields) {
      if (auto r = string_field(meta, f.key, std::string("metadata.") + f.key, f.out); !r) return r;
    }
    simdjson::dom::element gen;
    if (!meta["generation"].get(gen) && !gen.is_null()) {
      if (gen.get_int64().get(generation_)) {
        return Error::bad_request(std::string("object JSON: metadata.generation: expected an integer, got ") +
                                  type_name(gen.type()));
      }
    }
    simdjson::dom::element labels_el;
    if (!meta["labels"].get(labels_el) && !labels_el.is_null()) {
      simdjson::dom::object labels;
      if (labels_el.get_object().get(labels)) {
        return Error::bad_request(std::string("object JSON: metadata.labels: expected an object, got ") +
                                  type_name(labels_el.type()));
      }
      for (auto field : labels) {
        std::string_view v;
        if (field.value.get_string().get(v)) {
          return Error::bad_request("object JSON: metadata.labels[\"" + std::string(field.key) +
                                    "\"]: expected a string, got " + type_name(field.value.type()));
        }
        labels_.push_back({field.key, v});
      }
      std::sort(labels_.begin(), labels_.end(),
                [](const Label& a, const Label& b) { return a.key < b.key; });
    }
    return {};
  }

  // Lays out [json][strings][labels] and fills `o`. A metadata string or
  // label whose bytes occur in the JSON as they are (nearly always: only a
  // string written with escapes does not) is a view into the JSON, not a
  // copy: that is 150-250 bytes less per pod.
  void build(std::string_view json, Object& o) const {
    // Where each string is found in the JSON (npos: copied), in the order
    // put() takes them below; kept per thread so building allocates nothing.
    // They are looked up in the order a Go server writes them (ObjectMeta's
    // field order, map keys sorted), each search starting where the last
    // one ended, so the searches together read the metadata about once.
    thread_local std::vector<std::size_t> found;
    found.clear();
    std::size_t strings = 0;
    std::size_t hint = 0;
    auto look = [&](std::string_view s) {
      std::size_t at = 0;
      if (!s.empty()) {
        at = json.find(s, hint);
        if (at == std::string_view::npos && hint > 0) at = json.find(s);
        if (at != std::string_view::npos) hint = at + s.size();
      }
      found.push_back(at);
      if (at == std::string_view::npos) strings += s.size();
    };
    for (std::string_view v : {kind_, api_version_, name_, generate_name_, namespace_, uid_, resource_version_,
                               creation_timestamp_, deletion_timestamp_}) {
      look(v);
    }
    for (const Label& l : labels_) {
      look(l.key);
      look(l.value);
    }
    std::size_t labels_at = json.size() + strings;
    labels_at = (labels_at + alignof(Label) - 1) / alignof(Label) * alignof(Label);
    std::size_t total = labels_at + labels_.size() * sizeof(Label);
    // operator new[] of char is aligned for any fundamental type, so for Label.
    o.buf_.reset(new char[total]);
    char* base = o.buf_.get();
    std::memcpy(base, json.data(), json.size());
    o.json_size_ = static_cast<std::uint32_t>(json.size());
    o.buf_size_ = static_cast<std::uint32_t>(total);
    std::size_t pos = json.size();
    std::size_t next = 0;
    auto put = [&](std::string_view s) {
      if (std::size_t at = found[next++]; at != std::string_view::npos) {
        return Ref{static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(s.size())};
      }
      Ref r{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(s.size())};
      std::memcpy(base + pos, s.data(), s.size());
      pos += s.size();
      return r;
    };
    o.kind_ = put(kind_);
    o.api_version_ = put(api_version_);
    o.name_ = put(name_);
    o.generate_name_ = put(generate_name_);
    o.ns_ = put(namespace_);
    o.uid_ = put(uid_);
    o.resource_version_ = put(resource_version_);
    o.creation_timestamp_ = put(creation_timestamp_);
    o.deletion_timestamp_ = put(deletion_timestamp_);
    o.generation_ = generation_;
    o.label_count_ = static_cast<std::uint32_t>(labels_.size());
    if (!labels_.empty()) {
      auto* out = reinterpret_cast<Label*>(base + labels_at);
      for (std::size_t i = 0; i < labels_.size(); ++i) {
        Ref k = put(labels_[i].key);
        Ref v = put(labels_[i].value);
        new (out + i) Label{o.view(k), o.view(v)};  // Label is trivially destructible
      }
      o.labels_ = out;
    }
  }

 private:
  static Result<void> string_field(simdjson::dom::object obj, const char* key,
                                   const std::string& path, std::string_view* out) {
    simdjson::dom::element el;
    if (obj[key].get(el) || el.is_null()) return {};
    if (el.get_string().get(*out)) {
      return Error::bad_request("object JSON: " + path + ": expected a string, got " +
                                type_name(el.type()));
    }
    return {};
  }

  std::string_view api_version_, kind_, name_, namespace_, uid_, resource_version_,
      generate_name_, creation_timestamp_, deletion_timestamp_;
  std::int64_t generation_ = 0;
  std::vector<Label>& labels_;
};

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

constexpr std::string_view kManagedFieldsKey = "\"managedFields\"";

// Where the member `"managedFields": <value>` of the top-level metadata sits
// in `padded` (readable to `capacity`), with the comma that joins it to a
// neighbour: [begin, end) to cut. simdjson matches keys as written, so a key
// spelled with escapes ("managed\u0046ields") is not found; kube-apiserver
// never writes one.
std::optional<std::pair<std::size_t, std::size_t>> managed_fields_member(std::string_view padded,
                                                                         std::size_t capacity) {
  std::optional<std::string_view> value = detail::raw_field(padded, capacity, "metadata.managedFields");
  if (!value) return std::nullopt;
  std::size_t begin = static_cast<std::size_t>(value->data() - padded.data());
  std::size_t end = begin + value->size();
  while (begin > 0 && is_space(padded[begin - 1])) --begin;
  if (begin == 0 || padded[begin - 1] != ':') return std::nullopt;
  --begin;
  while (begin > 0 && is_space(padded[begin - 1])) --begin;
  const std::size_t n = kManagedFieldsKey.size();
  if (begin < n || padded.substr(begin - n, n) != kManagedFieldsKey) return std::nullopt;
  begin -= n;
  std::size_t before = begin;
  while (before > 0 && is_space(padded[before - 1])) --before;
  if (before > 0 && padded[before - 1] == ',') return std::pair{before - 1, end};
  std::size_t after = end;  // the first member: cut the comma after it
  while (after < padded.size() && is_space(padded[after])) ++after;
  if (after < padded.size() && padded[after] == ',') return std::pair{begin, after + 1};
  return std::pair{begin, end};  // the only member
}

}  // namespace

Result<ObjectPtr> Object::parse(std::string_view text) { return parse(text, ParseOptions{}); }

Result<ObjectPtr> Object::parse(std::string_view text, const ParseOptions& options) {
  // The dom parser and scratch buffer are reused per thread: building an
  // object allocates only the object itself.
  thread_local simdjson::dom::parser parser;
  thread_local std::string scratch;
  thread_local std::string minified;
  thread_local std::vector<Label> labels;
  if (text.size() > UINT32_MAX / 2) return Error::bad_request("object JSON: larger than 2 GiB");
  // The text itself is parsed (so that whitespace between values is not lost
  // before validation), from a padded copy.
  if (scratch.size() < text.size() + kPadding) scratch.resize(text.size() + kPadding);
  if (!text.empty()) std::memcpy(scratch.data(), text.data(), text.size());
  std::memset(scratch.data() + text.size(), 0, kPadding);
  simdjson::dom::element root;
  if (auto err = parser.parse(scratch.data(), text.size(), false).get(root); err) {
    return Error::bad_request(describe_json_error(text, simdjson::error_message(err)));
  }
  // Cut after the whole text is validated (bad JSON inside managedFields is
  // still an error). The DOM keeps its own copy of the strings, so the
  // metadata read from it below stays valid after the cut.
  if (options.strip_managed_fields) {
    // A loop: JSON allows the key twice, and each cut leaves valid JSON.
    // A pass only while the key's text is there (searched from its 'm': a
    // quote would stop the search at every string).
    while (text.find(kManagedFieldsKey.substr(1)) != std::string_view::npos) {
      auto cut = managed_fields_member(std::string_view(scratch.data(), text.size()), text.size() + kPadding);
      if (!cut) break;
      auto [begin, end] = *cut;
      std::size_t rest = text.size() - end;
      std::memmove(scratch.data() + begin, scratch.data() + end, rest);
      std::memset(scratch.data() + begin + rest, 0, kPadding);
      text = std::string_view(scratch.data(), begin + rest);
    }
  }
  std::string_view stored(scratch.data(), text.size());
  if (!already_minified(text)) {
    if (minified.size() < text.size()) minified.resize(text.size());
    std::size_t min_len = 0;
    if (simdjson::minify(text.data(), text.size(), minified.data(), min_len) != simdjson::SUCCESS) {
      return Error::bad_request(describe_json_error(text, "cannot minify"));
    }
    stored = std::string_view(minified.data(), min_len);
  }
  Builder b(labels);
  if (auto r = b.read(root); !r) return r.error();
  // make_shared: the Object and its control block in one allocation (the
  // constructor is private, hence the derived type).
  struct Shared final : Object {};
  std::shared_ptr<Object> o = std::make_shared<Shared>();
  b.build(stored, *o);
  return ObjectPtr(std::move(o));
}

Result<ObjectPtr> Object::from_value(const boost::json::value& value) {
  if (!value.is_object()) {
    return Error::bad_request(std::string("object JSON: expected an object, got ") +
                              std::string(boost::json::to_string(value.kind())));
  }
  return parse(boost::json::serialize(value));
}

Object::~Object() = default;

std::optional<std::string_view> Object::label(std::string_view key) const {
  auto ls = labels();
  auto it = std::lower_bound(ls.begin(), ls.end(), key,
                             [](const Label& l, std::string_view k) { return l.key < k; });
  if (it == ls.end() || it->key != key) return std::nullopt;
  return it->value;
}

namespace {

// Runs fn(bytes, capacity) over a copy of `json` that is readable
// SIMDJSON_PADDING bytes past its end, as simdjson needs. Objects keep no
// padding (it would be 64 bytes each, 0.6 MB per 10,000 pods); a lazy read
// copies the bytes into a per-thread buffer instead (about 30 ns per KB).
template <class Fn>
auto with_padding(std::string_view json, Fn&& fn) {
  thread_local std::string padded;
  if (padded.size() < json.size() + kPadding) padded.resize(json.size() + kPadding);
  if (!json.empty()) std::memcpy(padded.data(), json.data(), json.size());
  std::memset(padded.data() + json.size(), 0, kPadding);
  return fn(std::string_view(padded.data(), json.size()), json.size() + kPadding);
}

}  // namespace

std::optional<boost::json::value> Object::field(std::string_view path) const {
  auto raw = raw_field(path);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*raw, ec);
  if (ec) return std::nullopt;  // cannot happen: the bytes were validated when built
  return v;
}

std::optional<std::string_view> Object::raw_field(std::string_view path) const {
  return with_padding(json(), [&](std::string_view padded, std::size_t capacity) -> std::optional<std::string_view> {
    auto raw = detail::raw_field(padded, capacity, path);
    if (!raw) return std::nullopt;
    return json().substr(static_cast<std::size_t>(raw->data() - padded.data()), raw->size());
  });
}

std::optional<std::string> Object::field_string(std::string_view path) const {
  return with_padding(json(), [&](std::string_view padded, std::size_t capacity) {
    return detail::scalar_field(padded, capacity, path);
  });
}

std::vector<std::optional<std::string>> Object::field_strings(const std::vector<std::string>& paths) const {
  return with_padding(json(), [&](std::string_view padded, std::size_t capacity) {
    return detail::scalar_fields(padded, capacity, paths);
  });
}

std::vector<std::pair<std::string, std::string>> Object::annotations() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto v = field("metadata.annotations");
  if (!v || !v->is_object()) return out;
  for (const auto& kv : v->get_object()) {
    if (kv.value().is_string()) {
      out.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
    }
  }
  return out;
}

std::optional<std::string> Object::annotation(std::string_view key) const {
  auto v = field("metadata.annotations");
  if (!v || !v->is_object()) return std::nullopt;
  const auto* found = v->get_object().if_contains(key);
  if (found == nullptr || !found->is_string()) return std::nullopt;
  return std::string(found->get_string());
}

std::vector<OwnerReference> Object::owner_references() const {
  std::vector<OwnerReference> out;
  auto v = field("metadata.ownerReferences");
  if (!v || !v->is_array()) return out;
  auto str = [](const boost::json::object& o, std::string_view k) {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  auto flag = [](const boost::json::object& o, std::string_view k) {
    const auto* f = o.if_contains(k);
    return f && f->is_bool() && f->get_bool();
  };
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    out.push_back({str(o, "apiVersion"), str(o, "kind"), str(o, "name"), str(o, "uid"),
                   flag(o, "controller"), flag(o, "blockOwnerDeletion")});
  }
  return out;
}

std::vector<std::string> Object::finalizers() const {
  std::vector<std::string> out;
  auto v = field("metadata.finalizers");
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (e.is_string()) out.emplace_back(e.get_string());
  }
  return out;
}

namespace {
// simdjson's DOM as a Boost.JSON value (to_value()'s fallback, below).
boost::json::value from_simdjson(simdjson::dom::element el) {
  using T = simdjson::dom::element_type;
  switch (el.type()) {
    case T::ARRAY: {
      boost::json::array a;
      simdjson::dom::array items = el.get_array().value_unsafe();  // a local: the range must outlive the loop
      for (simdjson::dom::element e : items) a.push_back(from_simdjson(e));
      return a;
    }
    case T::OBJECT: {
      boost::json::object o;
      simdjson::dom::object fields = el.get_object().value_unsafe();
      for (auto field : fields) o[field.key] = from_simdjson(field.value);
      return o;
    }
    case T::INT64: return el.get_int64().value_unsafe();
    case T::UINT64: return el.get_uint64().value_unsafe();
    case T::DOUBLE: return el.get_double().value_unsafe();
    case T::STRING: return boost::json::string(el.get_string().value_unsafe());
    case T::BOOL: return el.get_bool().value_unsafe();
    case T::NULL_VALUE: return nullptr;
  }
  return nullptr;
}
}  // namespace

boost::json::value Object::to_value() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json(), ec);
  if (!ec) return v;
  // The bytes were validated by simdjson, which accepts numbers Boost.JSON
  // refuses, such as 0e100000000000000000000 ("exponent overflow"; found by
  // fuzz_object). Read them through simdjson's DOM instead of throwing.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(buf_.get(), json_size_, true).get(root) != simdjson::SUCCESS) return boost::json::object{};
  return from_simdjson(root);
}

std::size_t Object::heap_bytes() const { return buf_size_; }

}  // namespace kube
