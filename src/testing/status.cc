#include "src/testing/status.h"


namespace kube::testing::internal {
namespace json = boost::json;

std::string qualified_resource(const ResourceInfo& res) {
  return res.group.empty() ? res.resource : res.resource + "." + res.group;
}

namespace {
StatusDetails details_for(const ResourceInfo& res, const std::string& name) {
  StatusDetails d;
  d.name = name;
  d.group = res.group;
  d.kind = res.resource;
  return d;
}
}  // namespace

Error not_found(const ResourceInfo& res, const std::string& name) {
  return Error{404, "NotFound", qualified_resource(res) + " \"" + name + "\" not found",
               details_for(res, name)};
}

Error namespace_not_found(const std::string& ns) {
  StatusDetails d;
  d.name = ns;
  d.kind = "namespaces";
  return Error{404, "NotFound", "namespaces \"" + ns + "\" not found", d};
}

Error already_exists(const ResourceInfo& res, const std::string& name) {
  return Error{409, "AlreadyExists", qualified_resource(res) + " \"" + name + "\" already exists",
               details_for(res, name)};
}

Error conflict(const ResourceInfo& res, const std::string& name, const std::string& why) {
  return Error{409, "Conflict",
               "Operation cannot be fulfilled on " + qualified_resource(res) + " \"" + name + "\": " + why,
               details_for(res, name)};
}

Error stale_conflict(const ResourceInfo& res, const std::string& name) {
  return conflict(res, name,
                  "the object has been modified; please apply your changes to the latest version and "
                  "try again");
}

Error invalid(const ResourceInfo& res, const std::string& name, std::vector<StatusCause> causes) {
  std::string msg = res.kind + " \"" + name + "\" is invalid: ";
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (i) msg += ", ";
    msg += causes[i].field + ": " + causes[i].message;
  }
  StatusDetails d;
  d.name = name;
  d.group = res.group;
  d.kind = res.kind;
  d.causes = std::move(causes);
  return Error{422, "Invalid", msg, d};
}

Error unknown_resource() {
  return Error{404, "NotFound", "the server could not find the requested resource", StatusDetails{}};
}

Error gone(const std::string& message) { return Error{410, "Expired", message, std::nullopt}; }

json::object status_json(const Error& e) {
  json::object o{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object{}},
                 {"status", "Failure"}, {"message", e.message}};
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (e.details) {
    json::object d;
    const auto& det = *e.details;
    if (!det.name.empty()) d["name"] = det.name;
    if (!det.group.empty()) d["group"] = det.group;
    if (!det.kind.empty()) d["kind"] = det.kind;
    if (!det.uid.empty()) d["uid"] = det.uid;
    if (!det.causes.empty()) {
      json::array causes;
      for (const auto& c : det.causes) {
        json::object co;
        if (!c.reason.empty()) co["reason"] = c.reason;
        if (!c.message.empty()) co["message"] = c.message;
        if (!c.field.empty()) co["field"] = c.field;
        causes.push_back(std::move(co));
      }
      d["causes"] = std::move(causes);
    }
    if (det.retry_after_seconds > 0) d["retryAfterSeconds"] = det.retry_after_seconds;
    o["details"] = std::move(d);
  }
  o["code"] = e.code;
  return o;
}

json::object success_status(const ResourceInfo& res, const std::string& name, const std::string& uid) {
  json::object d{{"name", name}};
  if (!res.group.empty()) d["group"] = res.group;
  d["kind"] = res.resource;
  d["uid"] = uid;
  return json::object{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object{}},
                      {"status", "Success"}, {"details", std::move(d)}};
}

std::string pretty(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 2);
  int depth = 0;
  bool in_string = false;
  auto newline = [&](int d) {
    out += '\n';
    out.append(std::size_t(d) * 2, ' ');
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) {
        out += in[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        if (i + 1 < in.size() && (in[i + 1] == '}' || in[i + 1] == ']')) {
          out += in[++i];  // empty {} / [] stay on one line, as json.Indent does
        } else {
          newline(++depth);
        }
        break;
      case '}':
      case ']':
        newline(--depth);
        out += c;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += ": ";
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string validate_name(const std::string& name) {
  if (name.size() > 253) return "must be no more than 253 characters";
  // RFC 1123 subdomain: dot-separated labels of [a-z0-9-], each starting and
  // ending with an alphanumeric character.
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty();
  std::size_t start = 0;
  while (ok && start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::size_t end = dot == std::string::npos ? name.size() : dot;
    if (end == start || !alnum(name[start]) || !alnum(name[end - 1])) ok = false;
    for (std::size_t i = start; ok && i < end; ++i) ok = alnum(name[i]) || name[i] == '-';
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (ok) return "";
  return "Invalid value: \"" + name +
         "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
         "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
         "used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

}  // namespace kube::testing::internal
