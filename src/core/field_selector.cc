// FieldSelector: a port of k8s.io/apimachinery/pkg/fields/selector.go
// (ParseSelector, splitTerms, splitTerm, UnescapeValue, EscapeValue).
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "kube/core/selector.h"

namespace kube {
namespace {

Error bad_selector(std::string message) { return Error::bad_request(std::move(message)); }

// fields.splitTerms: split on commas not escaped by a backslash.
std::vector<std::string_view> split_terms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  std::size_t start = 0;
  bool in_slash = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

// fields.UnescapeValue, with its messages (Go prints the unescaped rune as a
// number; we quote the character).
Result<std::string> unescape_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_slash = false;
  for (char c : s) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        return bad_selector("invalid field selector: invalid escape sequence: \\" +
                            std::string(1, c));
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      return bad_selector(std::string("invalid field selector: unescaped character in value: '") +
                          c + "'");
    } else {
      out += c;
    }
  }
  if (in_slash) return bad_selector("invalid field selector: invalid escape sequence: \\");
  return out;
}

// fields.EscapeValue.
std::string escape_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  std::vector<std::string_view> terms = split_terms(text);
  std::sort(terms.begin(), terms.end());  // as fields.ParseSelector does
  FieldSelector s;
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    // fields.splitTerm: the first "!=", "==" or "=" splits; the field part
    // has no escapes. Unlike Go we also reject an empty field name here (the
    // server rejects it later as an unsupported field label).
    std::size_t at = 0;
    std::size_t op_len = 0;
    for (; at < term.size(); ++at) {
      if (term.substr(at, 2) == "!=" || term.substr(at, 2) == "==") {
        op_len = 2;
        break;
      }
      if (term[at] == '=') {
        op_len = 1;
        break;
      }
    }
    if (op_len == 0 || at == 0) {
      return bad_selector("invalid selector: '" + std::string(text) + "'; can't understand '" +
                          std::string(term) + "'");
    }
    auto value = unescape_value(term.substr(at + op_len));
    if (!value) {
      return bad_selector(value.error().message + " (in term '" + std::string(term) + "')");
    }
    s.requirements_.push_back(
        {std::string(term.substr(0, at)), term[at] == '!', std::move(*value)});
  }
  std::sort(s.requirements_.begin(), s.requirements_.end(),
            [](const FieldRequirement& a, const FieldRequirement& b) {
              return std::tie(a.field, a.negated, a.value) < std::tie(b.field, b.negated, b.value);
            });
  return s;
}

bool FieldRequirement::matches(const Object& obj) const {
  // fields.Set.Get: a missing field (or a non-scalar one) is "".
  std::optional<std::string> v = obj.field_string(field);
  const bool equal = v ? *v == value : value.empty();
  return equal != negated;
}

bool FieldSelector::matches(const Object& obj) const {
  for (const FieldRequirement& r : requirements_) {
    if (!r.matches(obj)) return false;
  }
  return true;
}

std::string FieldSelector::to_string() const {
  std::string out;
  for (const FieldRequirement& r : requirements_) {
    if (!out.empty()) out += ',';
    out.append(r.field).append(r.negated ? "!=" : "=").append(escape_value(r.value));
  }
  return out;
}
}  // namespace kube
