// openapi_gen — emits kinformer's typed API (include/kube/api/<group>/<version>.h and
// src/api/<group>_<version>.cc) from a Kubernetes OpenAPI v2 spec (GET /openapi/v2).
//
//   openapi_gen --spec swagger.json --out DIR
//   openapi_gen --crd crd.yaml --out DIR [--namespace-cpp kube::api::GROUP::VERSION]
//
// (--crd: types of a CustomResourceDefinition's openAPIV3Schema; see CrdGenerator below.)
//
// For each definition of the selected group versions (kGroups) it writes an owning
// struct: one member per property (snake_case), std::optional unless the property is
// required, the description as a comment, `kube::UnknownFields unknown` for what this
// spec version does not know, and free functions kube_decode / kube_encode (found by
// ADL from kube::Codec, kube/core/convert.h) defined out of line in the .cc, so a
// user's translation unit compiles no converter code. Top-level kinds also get their
// API version, kind and (from the spec's paths) resource name and scope.
//
// The output is deterministic: definitions sorted by name (dependencies first within
// a file), properties in the spec's order (which the server sorts), already formatted.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Spec prefix -> (include path stem, C++ namespace).
struct GroupVersion {
  std::string prefix;  // "io.k8s.api.core.v1."
  std::string path;    // "core/v1"
  std::string ns;      // "kube::api::core::v1"
};

const std::vector<GroupVersion> kGroups = {
    {"io.k8s.apimachinery.pkg.apis.meta.v1.", "meta/v1", "kube::api::meta::v1"},
    {"io.k8s.api.core.v1.", "core/v1", "kube::api::core::v1"},
    {"io.k8s.api.apps.v1.", "apps/v1", "kube::api::apps::v1"},
    {"io.k8s.api.batch.v1.", "batch/v1", "kube::api::batch::v1"},
    {"io.k8s.api.coordination.v1.", "coordination/v1", "kube::api::coordination::v1"},
    {"io.k8s.api.discovery.v1.", "discovery/v1", "kube::api::discovery::v1"},
    {"io.k8s.api.networking.v1.", "networking/v1", "kube::api::networking::v1"},
    {"io.k8s.api.policy.v1.", "policy/v1", "kube::api::policy::v1"},
    {"io.k8s.api.rbac.v1.", "rbac/v1", "kube::api::rbac::v1"},
};

// Definitions with a hand-written C++ type (kube/api/primitives.h, kube/core/convert.h).
const std::map<std::string, std::string> kSpecial = {
    {"io.k8s.apimachinery.pkg.api.resource.Quantity", "kube::api::Quantity"},
    {"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "kube::IntOrString"},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.Time", "kube::api::Time"},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", "kube::api::MicroTime"},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "boost::json::value"},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.Patch", "boost::json::value"},
    {"io.k8s.apimachinery.pkg.runtime.RawExtension", "boost::json::value"},
};

[[noreturn]] void fail(const std::string& msg) { throw std::runtime_error(msg); }

const GroupVersion* group_of(const std::string& def) {
  for (const auto& g : kGroups)
    if (def.rfind(g.prefix, 0) == 0 && def.find('.', g.prefix.size()) == std::string::npos)
      return &g;
  return nullptr;
}

std::string short_name(const std::string& def) { return def.substr(def.rfind('.') + 1); }

const std::set<std::string> kKeywords = {
    "alignas",  "alignof",   "and",      "asm",     "auto",     "bool",     "break",    "case",
    "catch",    "char",      "class",    "concept", "const",    "continue", "default",  "delete",
    "do",       "double",    "else",     "enum",    "explicit", "export",   "extern",   "false",
    "float",    "for",       "friend",   "goto",    "if",       "inline",   "int",      "long",
    "mutable",  "namespace", "new",      "not",     "operator", "or",       "private",  "protected",
    "public",   "register",  "requires", "return",  "short",    "signed",   "sizeof",   "static",
    "struct",   "switch",    "template", "this",    "throw",    "true",     "try",      "typedef",
    "typename", "union",     "unsigned", "using",   "virtual",  "void",     "volatile", "while",
    "xor"};

// "podIPs" -> "pod_ips", "IPFamilies" -> "ip_families", "namespace" -> "namespace_".
std::string snake_case(const std::string& name) {
  std::string out;
  auto upper = [&](std::size_t i) {
    return i < name.size() && std::isupper((unsigned char)name[i]);
  };
  auto lower = [&](std::size_t i) {
    return i < name.size() && std::islower((unsigned char)name[i]);
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (upper(i) && i > 0) {
      bool after_lower = !upper(i - 1) && name[i - 1] != '_';
      // An acronym ends where a capitalised word starts ("IPFamilies"), except for a
      // plural "s" ("podIPs").
      bool word_start = upper(i - 1) && lower(i + 1) &&
                        !(name[i + 1] == 's' && (i + 2 == name.size() || upper(i + 2)));
      if (after_lower || word_start) out += '_';
    }
    if (c == '-' || c == '.' || c == '$') c = '_';
    out += static_cast<char>(std::tolower((unsigned char)c));
  }
  if (kKeywords.count(out)) out += '_';
  return out;
}

// The description as // lines of at most `width` columns, each prefixed by `indent`.
std::string comment(const std::string& text, const std::string& indent, std::size_t width = 100) {
  std::string out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, cur;
    auto flush = [&] {
      // A line comment ending in a backslash would continue onto the next line.
      while (!cur.empty() && (cur.back() == '\\' || cur.back() == ' ')) cur.pop_back();
      out += indent + "//" + (cur.empty() ? "" : " " + cur) + "\n";
      cur.clear();
    };
    bool any = false;
    while (words >> word) {
      any = true;
      if (!cur.empty() && indent.size() + 3 + cur.size() + 1 + word.size() > width) flush();
      cur += (cur.empty() ? "" : " ") + word;
    }
    if (any || !out.empty()) flush();
  }
  while (out.size() >= indent.size() + 3 &&
         out.substr(out.size() - indent.size() - 3) == indent + "//\n")
    out.resize(out.size() - indent.size() - 3);
  return out;
}

// Top-level kind metadata, from x-kubernetes-group-version-kind and the paths.
struct KindInfo {
  std::string api_version, kind, resource;
  bool namespaced = false;
};

class Generator {
 public:
  explicit Generator(const json::object& spec) : defs_(spec.at("definitions").as_object()) {
    if (const auto* paths = spec.if_contains("paths")) read_resources(paths->as_object());
  }

  void run(const fs::path& out) {
    std::ostringstream kinds;  // the KUBE_API_KINDS list of include/kube/api/kinds.h
    for (const auto& g : kGroups) {
      std::vector<std::string> names;
      for (const auto& kv : defs_) {
        std::string name(kv.key());
        if (group_of(name) == &g && !kSpecial.count(name)) names.push_back(name);
      }
      std::sort(names.begin(), names.end());
      names = dependency_order(names);
      write(out / "include/kube/api" / (g.path + ".h"), header(g, names));
      std::string stem = g.path;
      std::replace(stem.begin(), stem.end(), '/', '_');
      write(out / "src/api" / (stem + ".cc"), source(g, names));
      for (const auto& def : names) {
        if (!is_struct(def)) continue;
        auto k = kind_info(def);
        if (!k || k->resource.empty()) continue;
        const auto slash = k->api_version.find('/');
        const std::string group =
            slash == std::string::npos ? "" : k->api_version.substr(0, slash);
        const std::string version =
            slash == std::string::npos ? k->api_version : k->api_version.substr(slash + 1);
        kinds << "  X(" << g.ns.substr(std::string("kube::api::").size()) << ", " << k->kind
              << ", " << k->resource << ", \"" << group << "\", \"" << version << "\", "
              << (k->namespaced ? "true" : "false") << ") \\\n";
      }
    }
    write(out / "include/kube/api/kinds.h", kinds_header(kinds.str()));
  }

 private:
  void read_resources(const json::object& paths) {
    for (const auto& kv : paths) {
      std::string path(kv.key());
      const std::string suffix = "/{name}";
      if (path.size() < suffix.size() ||
          path.compare(path.size() - suffix.size(), suffix.size(), suffix))
        continue;
      const auto* get = kv.value().as_object().if_contains("get");
      if (!get || !get->as_object().contains("x-kubernetes-group-version-kind")) continue;
      const auto& gvk = get->as_object().at("x-kubernetes-group-version-kind").as_object();
      std::string group(gvk.at("group").as_string()), version(gvk.at("version").as_string());
      KindInfo k;
      k.api_version = group.empty() ? version : group + "/" + version;
      k.kind = std::string(gvk.at("kind").as_string());
      std::string head = path.substr(0, path.size() - suffix.size());
      k.resource = head.substr(head.rfind('/') + 1);
      k.namespaced = head.find("/namespaces/{namespace}/") != std::string::npos;
      kinds_[k.api_version + " " + k.kind] = k;
    }
  }

  // Every generated top-level kind that has a REST resource, as one X-macro, so
  // that the factory (informers) and the Clientset (REST calls) name each kind's
  // accessor without including the generated headers.
  static std::string kinds_header(const std::string& rows) {
    std::ostringstream h;
    h << "// GENERATED by tools/openapi_gen from the Kubernetes OpenAPI v2 spec; do not edit.\n"
      << "// kube/api/kinds.h — every top-level kind of the typed API that has a REST\n"
      << "// resource, for the named accessors of SharedInformerFactory (factory.pods())\n"
      << "// and kube::Clientset (clientset.deployments(\"ns\")).\n"
      << "//\n"
      << "// KUBE_API_KINDS(X) expands X(NS, Kind, resource, \"group\", \"version\", namespaced)\n"
      << "// once per kind; NS is the namespace under kube::api (core::v1), resource the\n"
      << "// plural (and accessor) name.\n"
      << "#pragma once\n\n"
      << "#define KUBE_API_KINDS(X) \\\n"
      << rows << "  /* end */\n\n"
      << "// Declares each kind (kube::api::core::v1::Pod, ...) without its definition.\n"
      << "#define KUBE_API_DECLARE_KIND(NS, Kind, resource, group, version, namespaced) \\\n"
      << "  namespace kube::api::NS {                                                 \\\n"
      << "  struct Kind;                                                              \\\n"
      << "  }\n"
      << "KUBE_API_KINDS(KUBE_API_DECLARE_KIND)\n"
      << "#undef KUBE_API_DECLARE_KIND\n";
    return h.str();
  }

  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) fail("cannot write " + file.string());
  }

  // The C++ type a reference names, qualified unless it is in `from`.
  std::string ref_type(const std::string& ref, const GroupVersion& from) {
    const std::string prefix = "#/definitions/";
    std::string def = ref.substr(prefix.size());
    if (auto it = kSpecial.find(def); it != kSpecial.end()) return it->second;
    const GroupVersion* g = group_of(def);
    if (!g) fail("reference to " + def + ", which is outside the generated group versions");
    if (!defs_.contains(def)) fail("reference to undefined " + def);
    return g == &from ? short_name(def) : g->ns + "::" + short_name(def);
  }

  std::string value_type(const json::object& p, const GroupVersion& from,
                         const std::string& where) {
    if (const auto* r = p.if_contains("$ref")) return ref_type(std::string(r->as_string()), from);
    std::string type = p.contains("type") ? std::string(p.at("type").as_string()) : "";
    std::string format = p.contains("format") ? std::string(p.at("format").as_string()) : "";
    if (type == "string") return "std::string";
    if (type == "boolean") return "bool";
    if (type == "integer") return format == "int32" ? "std::int32_t" : "std::int64_t";
    if (type == "number") return "double";
    if (type == "array")
      return "std::vector<" + value_type(p.at("items").as_object(), from, where + "[]") + ">";
    if (type == "object" && p.contains("additionalProperties"))
      return "std::map<std::string, " +
             value_type(p.at("additionalProperties").as_object(), from, where + "{}") + ">";
    if (type == "object" && !p.contains("properties")) return "boost::json::value";
    fail(where + ": unsupported schema " + json::serialize(p));
  }

  std::set<std::string> local_deps(const json::value& schema, const GroupVersion* g) {
    std::set<std::string> deps;
    std::function<void(const json::value&)> walk = [&](const json::value& v) {
      if (const auto* o = v.if_object()) {
        if (const auto* r = o->if_contains("$ref")) {
          std::string def = std::string(r->as_string()).substr(14);
          if (group_of(def) == g && !kSpecial.count(def)) deps.insert(def);
        }
        for (const auto& kv : *o)
          if (kv.key() != "description") walk(kv.value());
      } else if (const auto* a = v.if_array()) {
        for (const auto& x : *a) walk(x);
      }
    };
    walk(schema);
    return deps;
  }

  // Sorted names reordered so that a struct follows every struct of its file it holds.
  std::vector<std::string> dependency_order(const std::vector<std::string>& names) {
    std::vector<std::string> out;
    std::set<std::string> done, visiting;
    std::function<void(const std::string&)> visit = [&](const std::string& n) {
      if (done.count(n)) return;
      if (visiting.count(n)) fail("recursive definition through " + n);
      visiting.insert(n);
      for (const auto& d : local_deps(defs_.at(n), group_of(n))) visit(d);
      visiting.erase(n);
      done.insert(n);
      out.push_back(n);
    };
    for (const auto& n : names) visit(n);
    return out;
  }

  struct Member {
    std::string json_name, cpp_name, type, doc;
    bool required = false;
  };

  std::vector<Member> members(const std::string& def, const GroupVersion& g) {
    const auto& d = defs_.at(def).as_object();
    std::set<std::string> required;
    if (const auto* r = d.if_contains("required"))
      for (const auto& x : r->as_array()) required.insert(std::string(x.as_string()));
    std::vector<Member> out;
    std::set<std::string> seen = {"unknown"};
    for (const auto& kv : d.at("properties").as_object()) {
      Member m;
      m.json_name = std::string(kv.key());
      m.cpp_name = snake_case(m.json_name);
      if (!seen.insert(m.cpp_name).second) fail(def + ": two properties named " + m.cpp_name);
      const auto& p = kv.value().as_object();
      m.type = value_type(p, g, def + "." + m.json_name);
      if (const auto* doc = p.if_contains("description")) m.doc = std::string(doc->as_string());
      m.required = required.count(m.json_name) > 0;
      out.push_back(std::move(m));
    }
    return out;
  }

  bool is_struct(const std::string& def) {
    return defs_.at(def).as_object().contains("properties");
  }

  std::string header(const GroupVersion& g, const std::vector<std::string>& names) {
    std::ostringstream h;
    h << "// kube/api/" << g.path
      << ".h — GENERATED by tools/openapi_gen from the Kubernetes OpenAPI v2\n"
      << "// spec; do not edit. The types of " << g.prefix.substr(0, g.prefix.size() - 1)
      << " as owning structs (docs/design.md,\n"
      << "// \"Typed API\"): decode with kube::from_unstructured<T>, encode with\n"
      << "// kube::to_unstructured; members not required by the schema are std::optional.\n"
      << "#pragma once\n\n"
      << "#include <cstdint>\n#include <map>\n#include <optional>\n#include <string>\n"
      << "#include <string_view>\n#include <vector>\n\n#include <boost/json/value.hpp>\n\n"
      << "#include \"kube/api/primitives.h\"\n";
    for (const auto& other : kGroups) {
      if (&other == &g) break;
      if (uses_group(names, other)) h << "#include \"kube/api/" << other.path << ".h\"\n";
    }
    h << "#include \"kube/core/convert.h\"\n\nnamespace " << g.ns << " {\n";
    for (const auto& def : names) {
      const auto& d = defs_.at(def).as_object();
      std::string name = short_name(def);
      h << "\n";
      if (const auto* doc = d.if_contains("description"))
        h << comment(std::string(doc->as_string()), "");
      if (!is_struct(def)) {
        h << "using " << name << " = " << value_type(d, g, def) << ";\n";
        continue;
      }
      h << "struct " << name << " {\n";
      for (const auto& m : members(def, g)) {
        if (!m.doc.empty()) h << comment(m.doc, "  ");
        if (m.required)
          h << "  " << m.type << " " << m.cpp_name << "{};\n";
        else
          h << "  std::optional<" << m.type << "> " << m.cpp_name << "{};\n";
      }
      h << "  // Fields this spec does not declare (and explicit nulls), kept for the round trip.\n"
        << "  kube::UnknownFields unknown{};\n";
      if (auto k = kind_info(def)) {
        h << "\n  static constexpr std::string_view kube_api_version = \"" << k->api_version
          << "\";\n"
          << "  static constexpr std::string_view kube_kind = \"" << k->kind << "\";\n";
        if (!k->resource.empty())
          h << "  static constexpr std::string_view kube_resource = \"" << k->resource << "\";\n"
            << "  static constexpr bool kube_namespaced = " << (k->namespaced ? "true" : "false")
            << ";\n";
      }
      h << "\n  bool operator==(const " << name << "&) const = default;\n};\n";
      h << "void kube_decode(const boost::json::value& json, " << name
        << "& out, kube::Decoder& d);\n"
        << "boost::json::value kube_encode(const " << name << "& in);\n";
    }
    h << "\n}  // namespace " << g.ns << "\n";
    return h.str();
  }

  bool uses_group(const std::vector<std::string>& names, const GroupVersion& other) {
    for (const auto& def : names) {
      std::string text = json::serialize(defs_.at(def));
      std::string needle = "#/definitions/" + other.prefix;
      for (auto pos = text.find(needle); pos != std::string::npos;
           pos = text.find(needle, pos + 1)) {
        auto end = text.find('"', pos);
        if (!kSpecial.count(text.substr(pos + 14, end - pos - 14))) return true;
      }
    }
    return false;
  }

  std::optional<KindInfo> kind_info(const std::string& def) {
    const auto* gvks = defs_.at(def).as_object().if_contains("x-kubernetes-group-version-kind");
    if (!gvks || gvks->as_array().size() != 1) return std::nullopt;
    const auto& gvk = gvks->as_array()[0].as_object();
    std::string group(gvk.at("group").as_string()), version(gvk.at("version").as_string());
    KindInfo k;
    k.api_version = group.empty() ? version : group + "/" + version;
    k.kind = std::string(gvk.at("kind").as_string());
    if (auto it = kinds_.find(k.api_version + " " + k.kind); it != kinds_.end()) return it->second;
    return k;
  }

  std::string source(const GroupVersion& g, const std::vector<std::string>& names) {
    std::ostringstream s;
    s << "// GENERATED by tools/openapi_gen from the Kubernetes OpenAPI v2 spec; do not edit.\n"
      << "// Decoding and encoding of kube/api/" << g.path << ".h (rules: kube/api/detail/codec.h).\n"
      << "#include \"kube/api/" << g.path << ".h\"\n\n#include \"kube/api/detail/codec.h\"\n\n"
      << "namespace " << g.ns << " {\n\nusing kube::api::detail::decode_member;\n"
      << "using kube::api::detail::encode_optional;\nusing "
         "kube::api::detail::encode_required;\nusing kube::api::detail::keep_unknown;\n"
      << "using kube::api::detail::write_unknown;\n";
    for (const auto& def : names) {
      if (!is_struct(def)) continue;
      std::string name = short_name(def);
      auto ms = members(def, g);
      s << "\nvoid kube_decode(const boost::json::value& json, " << name
        << "& out, kube::Decoder& d) {\n"
        << "  const boost::json::object* o = json.if_object();\n"
        << "  if (!o) return d.mismatch(\"object\", json);\n"
        << "  for (const auto& kv : *o) {\n"
        << "    const std::string_view k = kv.key();\n"
        << "    const boost::json::value& v = kv.value();\n"
        << "    if (v.is_null()) keep_unknown(out.unknown, kv);\n";
      for (const auto& m : ms)
        s << "    else if (k == \"" << m.json_name << "\") decode_member(v, k, out." << m.cpp_name
          << ", d);\n";
      s << "    else keep_unknown(out.unknown, kv);\n  }\n}\n";
      s << "\nboost::json::value kube_encode(const " << name << "& in) {\n"
        << "  boost::json::object o;\n";
      for (const auto& m : ms) {
        if (m.required)
          s << "  encode_required(o, \"" << m.json_name << "\", in." << m.cpp_name
            << ", in.unknown);\n";
        else
          s << "  encode_optional(o, \"" << m.json_name << "\", in." << m.cpp_name << ");\n";
      }
      s << "  write_unknown(o, in.unknown);\n  return o;\n}\n";
    }
    s << "\n}  // namespace " << g.ns << "\n";
    return s.str();
  }

  const json::object& defs_;
  std::map<std::string, KindInfo> kinds_;
};

// ---- CRD input: openapi_gen --crd FILE.yaml --out DIR [--namespace-cpp NS] ----------
//
// Reads a CustomResourceDefinition (apiextensions.k8s.io/v1, YAML; a multi-document
// file is fine: the documents of another kind are skipped) and, for each served
// version, writes DIR/include/kube/api/<g>/<version>.h and DIR/src/api/<g>_<version>.cc
// where <g> is the first label of the group ("stable.example.com" -> "stable"), in
// namespace kube::api::<g>::<version> unless --namespace-cpp says otherwise. The kind's
// struct and one struct per inline object schema, named after its path (CronTab,
// CronTabSpec, CronTabSpecTemplate; array items: ...Item, map values: ...Value).

struct CrdMember {
  std::string json_name, cpp_name, type, doc;
  bool required = false;
};

struct CrdStruct {
  std::string name, doc;
  std::vector<CrdMember> members;
  std::optional<KindInfo> kind;
};

std::string pascal_case(const std::string& name) {
  std::string out;
  bool up = true;
  for (char c : name) {
    if (!std::isalnum((unsigned char)c)) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper((unsigned char)c)) : c;
    up = false;
  }
  return out;
}

class CrdGenerator {
 public:
  explicit CrdGenerator(std::string ns_override) : ns_override_(std::move(ns_override)) {}

  // Adds the types of one CRD document; CRDs of the same group and version share a file.
  void add(const YAML::Node& crd) {
    const YAML::Node spec = crd["spec"];
    if (!spec || !spec.IsMap()) fail("the CustomResourceDefinition has no spec");
    group_ = scalar(spec, "group", "spec");
    const YAML::Node names = spec["names"];
    if (!names || !names.IsMap()) fail("spec.names is missing");
    kind_ = scalar(names, "kind", "spec.names");
    plural_ = scalar(names, "plural", "spec.names");
    std::string scope = scalar(spec, "scope", "spec");
    if (scope != "Namespaced" && scope != "Cluster")
      fail("spec.scope is \"" + scope + "\", expected Namespaced or Cluster");
    const YAML::Node versions = spec["versions"];
    if (!versions || !versions.IsSequence() || versions.size() == 0)
      fail("spec.versions is missing or empty");
    std::vector<YAML::Node> served;
    for (std::size_t i = 0; i < versions.size(); ++i)
      if (flag(versions[i], "served", "spec.versions[" + std::to_string(i) + "]"))
        served.push_back(versions[i]);
    if (served.empty()) fail("no version of spec.versions is served");
    if (!ns_override_.empty() && served.size() > 1)
      fail("--namespace-cpp names one namespace but " + std::to_string(served.size()) +
           " versions are served");
    std::string label = group_.substr(0, group_.find('.'));
    label = snake_case(label);
    for (const auto& v : served) {
      std::string version = scalar(v, "name", "spec.versions[]");
      std::string where = "spec.versions[" + version + "].schema.openAPIV3Schema";
      const YAML::Node schema = v["schema"] ? v["schema"]["openAPIV3Schema"] : YAML::Node();
      if (!schema || !schema.IsMap()) fail(where + " is missing (no schema to generate from)");
      std::string ns = ns_override_.empty() ? "kube::api::" + label + "::" + version : ns_override_;
      std::string path = label + "/" + version;
      CrdFile& file = files_[path];
      if (!file.ns.empty() && file.ns != ns)
        fail(plural_ + "." + group_ + " " + version + ": kube/api/" + path +
             ".h already holds namespace " + file.ns);
      file.ns = ns;
      file.stem = label + "_" + version;
      file.sources.push_back(plural_ + "." + group_);
      structs_ = &file.structs;
      KindInfo k{group_ + "/" + version, kind_, plural_, scope == "Namespaced"};
      object_struct(schema, kind_, where, &k);
    }
  }

  void write_all(const fs::path& out) {
    for (const auto& [path, file] : files_) {
      write(out / "include/kube/api" / (path + ".h"), header(path, file));
      write(out / "src/api" / (file.stem + ".cc"), source(path, file));
    }
  }

 private:
  static std::string scalar(const YAML::Node& n, const std::string& key, const std::string& where) {
    const YAML::Node v = n[key];
    if (!v || !v.IsScalar() || v.Scalar().empty()) fail(where + "." + key + " is missing");
    return v.Scalar();
  }

  static bool flag(const YAML::Node& n, const char* key, const std::string& where) {
    if (!n[key]) return false;
    bool b = false;
    if (!n[key].IsScalar() || !YAML::convert<bool>::decode(n[key], b))
      fail(where + "." + key + " is not a boolean");
    return b;
  }

  static std::string text(const YAML::Node& n, const char* key) {
    return n[key] && n[key].IsScalar() ? n[key].Scalar() : std::string();
  }

  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) fail("cannot write " + file.string());
  }

  // The C++ type of a schema; object schemas with properties become structs named `name`.
  std::string value_type(const YAML::Node& p, const std::string& name, const std::string& where) {
    if (!p.IsMap()) fail(where + ": the schema is not a map");
    if (flag(p, "x-kubernetes-int-or-string", where)) return "kube::IntOrString";
    std::string type = text(p, "type"), format = text(p, "format");
    if (type == "string") return format == "date-time" ? "kube::api::Time" : "std::string";
    if (type == "boolean") return "bool";
    if (type == "integer") return format == "int32" ? "std::int32_t" : "std::int64_t";
    if (type == "number") return "double";
    if (type == "array") {
      if (!p["items"] || !p["items"].IsMap()) fail(where + ": an array without items");
      return "std::vector<" + value_type(p["items"], name + "Item", where + "[]") + ">";
    }
    if (type == "object" || type.empty()) {
      if (p["properties"] && p["properties"].IsMap() && p["properties"].size() > 0)
        return object_struct(p, name, where, nullptr);
      if (const YAML::Node ap = p["additionalProperties"]) {
        if (ap.IsMap())
          return "std::map<std::string, " + value_type(ap, name + "Value", where + "{}") + ">";
        if (flag(p, "additionalProperties", where))
          return "std::map<std::string, boost::json::value>";
      }
      // x-kubernetes-preserve-unknown-fields, or an object/any without a declared shape.
      return "boost::json::value";
    }
    fail(where + ": unsupported type \"" + type + "\"");
  }

  // Emits the struct `name` for an object schema (after the structs it holds).
  std::string object_struct(const YAML::Node& schema, const std::string& name,
                            const std::string& where, const KindInfo* kind) {
    for (const auto& s : *structs_)
      if (s.name == name) fail(where + ": two schemas map to the C++ type name " + name);
    CrdStruct st;
    st.name = name;
    st.doc = text(schema, "description");
    if (kind) st.kind = *kind;
    std::set<std::string> required;
    if (const YAML::Node r = schema["required"]; r && r.IsSequence())
      for (const auto& x : r) required.insert(x.Scalar());
    std::set<std::string> seen = {"unknown"};
    auto add = [&](const std::string& json_name, const std::string& type, const std::string& doc) {
      CrdMember m{json_name, snake_case(json_name), type, doc, required.count(json_name) > 0};
      if (!seen.insert(m.cpp_name).second)
        fail(where + ": two properties named " + m.cpp_name + " in C++");
      st.members.push_back(std::move(m));
    };
    const YAML::Node props = schema["properties"];
    if (kind) {
      // Every object of a kind has these, whether the schema lists them or not.
      const std::string api_version_doc =
          "APIVersion defines the versioned schema of this representation of an object.";
      add("apiVersion", "std::string", api_version_doc);
      add("kind", "std::string", "Kind is a string value representing the REST resource.");
      add("metadata", "kube::api::meta::v1::ObjectMeta", "Standard object's metadata.");
      for (auto& m : st.members) m.required = false;
    }
    if (props && props.IsMap()) {
      for (const auto& kv : props) {
        std::string key = kv.first.Scalar();
        if (kind && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
        std::string type = value_type(kv.second, name + pascal_case(key), where + "." + key);
        add(key, type, kv.second.IsMap() ? text(kv.second, "description") : "");
      }
    }
    structs_->push_back(std::move(st));
    return name;
  }

  struct CrdFile {
    std::string ns, stem;
    std::vector<std::string> sources;  // "crontabs.stable.example.com"
    std::vector<CrdStruct> structs;
  };

  static std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

  std::string header(const std::string& path, const CrdFile& file) {
    const std::string& ns = file.ns;
    std::ostringstream h;
    h << "// kube/api/" << path << ".h — GENERATED by tools/openapi_gen --crd from the\n"
      << "// CustomResourceDefinition " << joined(file.sources) << "; do not edit.\n"
      << "// Decode with kube::from_unstructured<T>, encode with kube::to_unstructured;\n"
      << "// members not required by the schema are std::optional.\n"
      << "#pragma once\n\n"
      << "#include <cstdint>\n#include <map>\n#include <optional>\n#include <string>\n"
      << "#include <string_view>\n#include <vector>\n\n#include <boost/json/value.hpp>\n\n"
      << "#include \"kube/api/meta/v1.h\"\n#include \"kube/api/primitives.h\"\n"
      << "#include \"kube/core/convert.h\"\n\nnamespace " << ns << " {\n";
    for (const auto& st : file.structs) {
      h << "\n";
      if (!st.doc.empty()) h << comment(st.doc, "");
      h << "struct " << st.name << " {\n";
      for (const auto& m : st.members) {
        if (!m.doc.empty()) h << comment(m.doc, "  ");
        if (m.required)
          h << "  " << m.type << " " << m.cpp_name << "{};\n";
        else
          h << "  std::optional<" << m.type << "> " << m.cpp_name << "{};\n";
      }
      h << "  // Fields this schema does not declare (and explicit nulls), kept for the round "
           "trip.\n"
        << "  kube::UnknownFields unknown{};\n";
      if (st.kind) {
        h << "\n  static constexpr std::string_view kube_api_version = \"" << st.kind->api_version
          << "\";\n"
          << "  static constexpr std::string_view kube_kind = \"" << st.kind->kind << "\";\n"
          << "  static constexpr std::string_view kube_resource = \"" << st.kind->resource
          << "\";\n"
          << "  static constexpr bool kube_namespaced = "
          << (st.kind->namespaced ? "true" : "false") << ";\n";
      }
      h << "\n  bool operator==(const " << st.name << "&) const = default;\n};\n";
      h << "void kube_decode(const boost::json::value& json, " << st.name
        << "& out, kube::Decoder& d);\n"
        << "boost::json::value kube_encode(const " << st.name << "& in);\n";
    }
    h << "\n}  // namespace " << ns << "\n";
    return h.str();
  }

  std::string source(const std::string& path, const CrdFile& file) {
    const std::string& ns = file.ns;
    std::ostringstream s;
    s << "// GENERATED by tools/openapi_gen --crd from the CustomResourceDefinition\n"
      << "// " << joined(file.sources) << "; do not edit. Decoding and encoding of kube/api/"
      << path << ".h\n// (rules: kube/api/detail/codec.h).\n"
      << "#include \"kube/api/" << path << ".h\"\n\n#include \"kube/api/detail/codec.h\"\n\n"
      << "namespace " << ns << " {\n\nusing kube::api::detail::decode_member;\n"
      << "using kube::api::detail::encode_optional;\nusing "
         "kube::api::detail::encode_required;\nusing kube::api::detail::keep_unknown;\n"
      << "using kube::api::detail::write_unknown;\n";
    for (const auto& st : file.structs) {
      s << "\nvoid kube_decode(const boost::json::value& json, " << st.name
        << "& out, kube::Decoder& d) {\n"
        << "  const boost::json::object* o = json.if_object();\n"
        << "  if (!o) return d.mismatch(\"object\", json);\n"
        << "  for (const auto& kv : *o) {\n"
        << "    const std::string_view k = kv.key();\n"
        << "    const boost::json::value& v = kv.value();\n"
        << "    if (v.is_null()) keep_unknown(out.unknown, kv);\n";
      for (const auto& m : st.members)
        s << "    else if (k == \"" << m.json_name << "\") decode_member(v, k, out." << m.cpp_name
          << ", d);\n";
      s << "    else keep_unknown(out.unknown, kv);\n  }\n}\n";
      s << "\nboost::json::value kube_encode(const " << st.name << "& in) {\n"
        << "  boost::json::object o;\n";
      for (const auto& m : st.members) {
        if (m.required)
          s << "  encode_required(o, \"" << m.json_name << "\", in." << m.cpp_name
            << ", in.unknown);\n";
        else
          s << "  encode_optional(o, \"" << m.json_name << "\", in." << m.cpp_name << ");\n";
      }
      s << "  write_unknown(o, in.unknown);\n  return o;\n}\n";
    }
    s << "\n}  // namespace " << ns << "\n";
    return s.str();
  }

  std::string ns_override_;
  std::string group_, kind_, plural_;          // of the CRD being added
  std::map<std::string, CrdFile> files_;       // by "<g>/<version>"
  std::vector<CrdStruct>* structs_ = nullptr;  // of the file being added to
};

// Every CustomResourceDefinition document of a (multi-document) YAML file.
std::vector<YAML::Node> crd_documents(const std::string& file) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAllFromFile(file);
  } catch (const YAML::BadFile&) {
    fail("cannot read the file");
  } catch (const YAML::Exception& e) {
    fail(std::string("not valid YAML: ") + e.what());
  }
  std::vector<YAML::Node> crds;
  for (const auto& d : docs)
    if (d.IsMap() && d["kind"] && d["kind"].IsScalar() &&
        d["kind"].Scalar() == "CustomResourceDefinition") {
      std::string api =
          d["apiVersion"] && d["apiVersion"].IsScalar() ? d["apiVersion"].Scalar() : "";
      if (api != "apiextensions.k8s.io/v1")
        fail("a CustomResourceDefinition of apiVersion \"" + api +
             "\"; only apiextensions.k8s.io/v1 is supported");
      crds.push_back(d);
    }
  if (crds.empty())
    fail("no CustomResourceDefinition document (kind: CustomResourceDefinition) in the file");
  return crds;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: openapi_gen --spec swagger.json --out DIR\n"
      "       openapi_gen --crd crd.yaml --out DIR [--namespace-cpp kube::api::GROUP::VERSION]\n";
  std::string spec, crd, out, ns;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--spec" && i + 1 < argc) {
      spec = argv[++i];
    } else if (a == "--crd" && i + 1 < argc) {
      crd = argv[++i];
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--namespace-cpp" && i + 1 < argc) {
      ns = argv[++i];
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  if (spec.empty() == crd.empty() || out.empty() || (!ns.empty() && crd.empty())) {
    std::cerr << usage;
    return 2;
  }
  const std::string& input = spec.empty() ? crd : spec;
  try {
    if (!crd.empty()) {
      CrdGenerator gen(ns);
      for (const auto& doc : crd_documents(crd)) {
        try {
          gen.add(doc);
        } catch (const std::exception& e) {
          const YAML::Node name = doc["metadata"] ? doc["metadata"]["name"] : YAML::Node();
          fail("CustomResourceDefinition " +
               (name && name.IsScalar() ? name.Scalar() : std::string("(no metadata.name)")) +
               ": " + e.what());
        }
      }
      gen.write_all(out);
    } else {
      json::value doc = json::parse(read_file(spec));
      Generator(doc.as_object()).run(out);
    }
  } catch (const std::exception& e) {
    std::cerr << "openapi_gen: " << input << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
