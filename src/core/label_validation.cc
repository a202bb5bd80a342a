// Label key/value validation with apimachinery's messages (see label_validation.h).
#include "label_validation.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include <boost/json.hpp>

namespace kube::detail {
namespace {

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', "
    "and must start and end with an alphanumeric character";
constexpr std::size_t kQualifiedNameMaxLength = 63;
constexpr std::size_t kLabelValueMaxLength = 63;
constexpr std::size_t kDns1123SubdomainMaxLength = 253;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
bool matches_qualified_name_fmt(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
bool matches_dns1123_subdomain_fmt(std::string_view s) {
  while (true) {
    std::size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || !is_lower_alnum(label.front()) || !is_lower_alnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!is_lower_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

std::string max_len_error(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

// validation.RegexError, including its doubled space before " or".
std::string regex_error(std::string_view msg, std::string_view fmt,
                        std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  out += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) out += " or ";
    first = false;
    out.append("'").append(e).append("', ");
  }
  out.append("regex used for validation is '").append(fmt).append("')");
  return out;
}

std::string qualified_name_regex_error() {
  return regex_error(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"});
}

// json.Marshal of the []string NewRequirement saw (nil when empty, as
// LabelSelectorAsSelector passes append([]string(nil), values...)).
std::string render_values(const std::vector<std::string>& values) {
  if (values.empty()) return "null";
  boost::json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return boost::json::serialize(a);
}

}  // namespace

// validation.IsQualifiedName.
std::vector<std::string> qualified_name_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " + qualified_name_regex_error() +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.emplace_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > kDns1123SubdomainMaxLength) {
        errs.push_back("prefix part " + max_len_error(kDns1123SubdomainMaxLength));
      }
      if (!matches_dns1123_subdomain_fmt(prefix)) {
        errs.push_back("prefix part " +
                       regex_error(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
      }
    }
  }
  if (name.empty()) {
    errs.emplace_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + max_len_error(kQualifiedNameMaxLength));
  }
  if (!matches_qualified_name_fmt(name))
    errs.push_back("name part " + qualified_name_regex_error());
  return errs;
}

// validation.IsValidLabelValue.
std::vector<std::string> label_value_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(max_len_error(kLabelValueMaxLength));
  if (!value.empty() && !matches_qualified_name_fmt(value)) {
    errs.push_back(
        regex_error(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %q for the ASCII range; other bytes pass through.
std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out.append("\\x").append(1, kHex[c >> 4]).append(1, kHex[c & 15]);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// field.Invalid(path, value, detail).Error().
std::string field_invalid(std::string_view path, std::string_view rendered_value,
                          std::string_view detail) {
  std::string out(path);
  out.append(": Invalid value: ").append(rendered_value).append(": ").append(detail);
  return out;
}

// strconv.ParseInt(s, 10, 64).
std::optional<std::int64_t> parse_int64(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return std::nullopt;
  }
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// labels.NewRequirement's checks, in its order, with its messages.
std::vector<RequirementError> requirement_errors(const LabelRequirement& r) {
  std::vector<RequirementError> errs;
  if (auto key_errs = qualified_name_errors(r.key); !key_errs.empty()) {
    errs.push_back({field_invalid("key", go_quote(r.key), join(key_errs, "; "))});
  }
  switch (r.op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (r.values.empty()) {
        errs.push_back({field_invalid("values", render_values(r.values),
                                      "for 'in', 'notin' operators, values set can't be empty")});
      }
      break;
    case SelectorOp::kEquals:
    case SelectorOp::kNotEquals:
      if (r.values.size() != 1) {
        errs.push_back({field_invalid("values", render_values(r.values),
                                      "exact-match compatibility requires one single value")});
      }
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!r.values.empty()) {
        errs.push_back({field_invalid("values", render_values(r.values),
                                      "values set must be empty for exists and does not exist")});
      }
      break;
    case SelectorOp::kGreaterThan:
    case SelectorOp::kLessThan:
      if (r.values.size() != 1) {
        errs.push_back({field_invalid("values", render_values(r.values),
                                      "for 'Gt', 'Lt' operators, exactly one value is required")});
      }
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        if (!parse_int64(r.values[i])) {
          errs.push_back({field_invalid("values[" + std::to_string(i) + "]", go_quote(r.values[i]),
                                        "for 'Gt', 'Lt' operators, the value must be an integer"),
                          i});
        }
      }
      break;
  }
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    if (auto v = label_value_errors(r.values[i]); !v.empty()) {
      errs.push_back({field_invalid("values[" + std::to_string(i) + "][" + r.key + "]",
                                    go_quote(r.values[i]), join(v, "; ")),
                      i});
    }
  }
  return errs;
}

// utilerrors.NewAggregate(...).Error(): one message as is, several
// (deduplicated) as "[a, b]".
std::string aggregate(const std::vector<RequirementError>& errs) {
  std::vector<std::string> seen;
  for (const auto& e : errs) {
    if (std::find(seen.begin(), seen.end(), e.message) == seen.end()) seen.push_back(e.message);
  }
  if (seen.size() == 1) return seen[0];
  // Appended rather than "[" + ...: GCC 12 -O3 reports a false -Wrestrict
  // on operator+(const char*, std::string&&) (GCC PR105651).
  std::string out = "[";
  out += join(seen, ", ");
  out += ']';
  return out;
}

}  // namespace kube::detail
