// LabelSelector: a port of the lexer and recursive-descent parser in
// k8s.io/apimachinery/pkg/labels/selector.go, with labels.Requirement.Matches
// semantics and metav1.LabelSelectorAsSelector for the structured form.
// Validation and its messages live in label_validation.cc.
#include "kube/core/selector.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "label_validation.h"

namespace kube {
namespace {

using detail::aggregate;
using detail::field_invalid;
using detail::go_quote;
using detail::join;
using detail::parse_int64;
using detail::qualified_name_errors;
using detail::requirement_errors;

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void sort_requirements(std::vector<LabelRequirement>& reqs) {
  std::sort(reqs.begin(), reqs.end(), [](const LabelRequirement& a, const LabelRequirement& b) {
    return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
  });
}

// ---- Lexer: labels.Lexer ----------------------------------------------------

enum class Tok {
  kEnd,
  kClosedPar,
  kComma,
  kNot,
  kDoubleEquals,
  kEquals,
  kGreater,
  kIdentifier,
  kIn,
  kLess,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

struct Token {
  Tok tok;
  std::string_view text;  // empty for kEnd, as Go's literal
  std::size_t pos;        // byte offset in the selector
};

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

Tok special_token(char c) {
  switch (c) {
    case '=':
      return Tok::kEquals;
    case '!':
      return Tok::kNot;
    case '(':
      return Tok::kOpenPar;
    case ')':
      return Tok::kClosedPar;
    case ',':
      return Tok::kComma;
    case '>':
      return Tok::kGreater;
    default:
      return Tok::kLess;
  }
}

// Go's lexer reads a NUL byte as end of input at the start of a token, and as
// the (consumed) end of an identifier; we do the same.
std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < s.size() && is_whitespace(s[i])) ++i;
    const std::size_t start = i;
    if (i >= s.size() || s[i] == '\0') {
      out.push_back({Tok::kEnd, {}, start});
      return out;
    }
    if (is_special(s[i])) {
      // Every special character is a token; "!=" and "==" are the only longer ones.
      if ((s[i] == '!' || s[i] == '=') && i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({s[i] == '!' ? Tok::kNotEquals : Tok::kDoubleEquals, s.substr(i, 2), start});
        i += 2;
      } else {
        out.push_back({special_token(s[i]), s.substr(i, 1), start});
        ++i;
      }
      continue;
    }
    while (i < s.size() && s[i] != '\0' && !is_special(s[i]) && !is_whitespace(s[i])) ++i;
    std::string_view word = s.substr(start, i - start);
    if (i < s.size() && s[i] == '\0') ++i;
    Tok t = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    out.push_back({t, word, start});
  }
}

// ---- Parser: labels.Parser --------------------------------------------------

struct ParseError {
  std::string message;
  std::size_t pos = 0;
};

// A value as scanned, with where it was, so validation errors can point at it.
struct ScannedValue {
  std::string_view text;
  std::size_t pos;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(lex(text)) {}

  // labels.Parser.parse: requirements in input order, or error_.
  bool parse(std::vector<LabelRequirement>& out) {
    while (true) {
      const Token& t = peek();
      Tok k = as_value(t);
      if (k == Tok::kEnd) return true;
      if (k != Tok::kIdentifier && k != Tok::kNot) {
        return fail(found(t) + "expected: !, identifier, or 'end of string'", t);
      }
      LabelRequirement r;
      if (!parse_requirement(r)) {
        error_.message.insert(0, "unable to parse requirement: ");
        return false;
      }
      out.push_back(std::move(r));
      const Token& n = next();
      k = as_value(n);
      if (k == Tok::kEnd) return true;
      if (k != Tok::kComma) return fail(found(n) + "expected: ',' or 'end of string'", n);
      const Token& a = peek();
      if (as_value(a) != Tok::kIdentifier && as_value(a) != Tok::kNot) {
        return fail(found(a) + "expected: identifier after ','", a);
      }
    }
  }

  const ParseError& error() const { return error_; }

 private:
  // In the "values" context of Go's parser, the keywords in/notin are
  // identifiers ("in=notin" is a valid selector).
  static Tok as_value(const Token& t) {
    return t.tok == Tok::kIn || t.tok == Tok::kNotIn ? Tok::kIdentifier : t.tok;
  }
  static std::string found(const Token& t) { return "found '" + std::string(t.text) + "', "; }

  const Token& peek() const { return tokens_[std::min(next_, tokens_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (next_ < tokens_.size()) ++next_;
    return t;
  }
  bool fail(std::string message, const Token& at) { return fail(std::move(message), at.pos); }
  bool fail(std::string message, std::size_t pos) {
    error_ = {std::move(message), pos};
    return false;
  }

  bool parse_requirement(LabelRequirement& r) {
    // parseKeyAndInferOperator
    const Token* t = &next();
    const bool negated = as_value(*t) == Tok::kNot;
    if (negated) t = &next();
    if (as_value(*t) != Tok::kIdentifier) return fail(found(*t) + "expected: identifier", *t);
    if (auto errs = qualified_name_errors(t->text); !errs.empty()) {
      return fail(field_invalid("<nil>", go_quote(t->text), join(errs, "; ")), *t);
    }
    r.key = std::string(t->text);
    const std::size_t key_pos = t->pos;
    const Tok after = as_value(peek());
    if (negated || after == Tok::kEnd || after == Tok::kComma) {
      r.op = negated ? SelectorOp::kDoesNotExist : SelectorOp::kExists;
      return true;
    }
    // parseOperator (the one place where in/notin are keywords)
    const Token& op = next();
    switch (op.tok) {
      case Tok::kIn:
        r.op = SelectorOp::kIn;
        break;
      case Tok::kNotIn:
        r.op = SelectorOp::kNotIn;
        break;
      case Tok::kEquals:
      case Tok::kDoubleEquals:
        r.op = SelectorOp::kEquals;
        break;
      case Tok::kNotEquals:
        r.op = SelectorOp::kNotEquals;
        break;
      case Tok::kGreater:
        r.op = SelectorOp::kGreaterThan;
        break;
      case Tok::kLess:
        r.op = SelectorOp::kLessThan;
        break;
      default:
        return fail(found(op) + "expected: in, notin, =, ==, !=, gt, lt", op);
    }
    std::vector<ScannedValue> values;
    const bool set_op = r.op == SelectorOp::kIn || r.op == SelectorOp::kNotIn;
    if (!(set_op ? parse_values(values) : parse_exact_value(values))) return false;
    return finish(r, values, key_pos);
  }

  // parseValues: "(" list ")"; "()" is the set {""}.
  bool parse_values(std::vector<ScannedValue>& values) {
    const Token& open = next();
    if (as_value(open) != Tok::kOpenPar) {  // Go's text has no comma here
      return fail("found '" + std::string(open.text) + "' expected: '('", open);
    }
    const Token& a = peek();
    switch (as_value(a)) {
      case Tok::kIdentifier:
      case Tok::kComma: {
        if (!parse_identifiers_list(values)) return false;
        const Token& close = next();  // always ')': the list only returns before one
        if (as_value(close) != Tok::kClosedPar) return fail(found(a) + "expected: ')'", close);
        return true;
      }
      case Tok::kClosedPar:
        next();
        values.push_back({"", a.pos});
        return true;
      default:
        return fail(found(a) + "expected: ',', ')' or identifier", a);
    }
  }

  // parseIdentifiersList: comma-separated, possibly empty identifiers.
  bool parse_identifiers_list(std::vector<ScannedValue>& values) {
    while (true) {
      const Token& t = next();
      switch (as_value(t)) {
        case Tok::kIdentifier: {
          values.push_back({t.text, t.pos});
          const Token& a = peek();
          if (as_value(a) == Tok::kComma) continue;
          if (as_value(a) == Tok::kClosedPar) return true;
          return fail(found(a) + "expected: ',' or ')'", a);
        }
        case Tok::kComma: {
          if (values.empty()) values.push_back({"", t.pos});  // "(,"
          const Token& a = peek();
          if (as_value(a) == Tok::kClosedPar) {  // ",)"
            values.push_back({"", t.pos});
            return true;
          }
          if (as_value(a) == Tok::kComma) {  // ",,"
            next();
            values.push_back({"", a.pos});
          }
          continue;
        }
        default:
          return fail(found(t) + "expected: ',', or identifier", t);
      }
    }
  }

  // parseExactValue: one identifier, or "" before ',' or the end.
  bool parse_exact_value(std::vector<ScannedValue>& values) {
    const Token& a = peek();
    if (as_value(a) == Tok::kEnd || as_value(a) == Tok::kComma) {
      values.push_back({"", a.pos});
      return true;
    }
    const Token& t = next();
    if (as_value(t) != Tok::kIdentifier) return fail(found(t) + "expected: identifier", t);
    values.push_back({t.text, t.pos});
    return true;
  }

  // Go builds a sets.String and passes values.List() (sorted) to
  // NewRequirement, so value indexes in messages are sorted positions.
  bool finish(LabelRequirement& r, std::vector<ScannedValue>& values, std::size_t key_pos) {
    std::sort(values.begin(), values.end(), [](const ScannedValue& a, const ScannedValue& b) {
      return std::tie(a.text, a.pos) < std::tie(b.text, b.pos);
    });
    values.erase(
        std::unique(values.begin(), values.end(),
                    [](const ScannedValue& a, const ScannedValue& b) { return a.text == b.text; }),
        values.end());
    for (const auto& v : values) r.values.emplace_back(v.text);
    auto errs = requirement_errors(r);
    if (errs.empty()) return true;
    const std::size_t i = errs.front().value_index;
    return fail(aggregate(errs), i < values.size() ? values[i].pos : key_pos);
  }

  std::vector<Token> tokens_;
  std::size_t next_ = 0;
  ParseError error_;
};

// The Label with `key` in [first, last), or nullptr.
const Label* find_label(const Label* first, const Label* last, std::string_view key) {
  const Label* it = std::lower_bound(first, last, key,
                                     [](const Label& l, std::string_view k) { return l.key < k; });
  return it != last && it->key == key ? it : nullptr;
}

bool has_value(const std::vector<std::string>& values, std::string_view v) {
  if (values.size() == 1) return values.front() == v;
  auto it = std::lower_bound(values.begin(), values.end(), v,
                             [](const std::string& a, std::string_view b) { return a < b; });
  return it != values.end() && *it == v;
}

// labels.Requirement.Matches, given the label for the key (nullptr if absent).
bool matches_label(const LabelRequirement& r, const Label* label) {
  switch (r.op) {
    case SelectorOp::kEquals:
    case SelectorOp::kIn:
      return label && has_value(r.values, label->value);
    case SelectorOp::kNotEquals:
    case SelectorOp::kNotIn:
      return !label || !has_value(r.values, label->value);
    case SelectorOp::kExists:
      return label != nullptr;
    case SelectorOp::kDoesNotExist:
      return label == nullptr;
    case SelectorOp::kGreaterThan:
    case SelectorOp::kLessThan: {
      if (!label || r.values.size() != 1) return false;
      auto have = parse_int64(label->value);
      auto want = parse_int64(r.values.front());
      if (!have || !want) return false;
      return r.op == SelectorOp::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

Error bad_selector(std::string message) { return Error::bad_request(std::move(message)); }

std::string_view json_kind(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
    default:
      return "a number";
  }
}

// One metav1.LabelSelectorRequirement, as LabelSelectorAsSelector converts
// it. Errors are bare messages; the caller says which expression.
Result<LabelRequirement> expression_from_json(const boost::json::value& expr) {
  const auto* e = expr.if_object();
  if (!e) return bad_selector("expected an object, got " + std::string(json_kind(expr)));
  LabelRequirement r;
  if (const auto* key = e->if_contains("key"); key && !key->is_null()) {
    if (!key->is_string()) return bad_selector("key: expected a string");
    r.key = std::string(key->get_string());
  }
  std::string_view op;
  if (const auto* o = e->if_contains("operator"); o && o->is_string()) op = o->get_string();
  if (op == "In") {
    r.op = SelectorOp::kIn;
  } else if (op == "NotIn") {
    r.op = SelectorOp::kNotIn;
  } else if (op == "Exists") {
    r.op = SelectorOp::kExists;
  } else if (op == "DoesNotExist") {
    r.op = SelectorOp::kDoesNotExist;
  } else {
    return bad_selector(go_quote(op) + " is not a valid label selector operator");
  }
  if (const auto* vs = e->if_contains("values"); vs && !vs->is_null()) {
    if (!vs->is_array()) return bad_selector("values: expected an array");
    for (const auto& v : vs->get_array()) {
      if (!v.is_string()) return bad_selector("values: expected strings");
      r.values.emplace_back(v.get_string());
    }
  }
  // Validated as given (unsorted, as Go does), then normalized.
  if (auto errs = requirement_errors(r); !errs.empty()) return bad_selector(aggregate(errs));
  sort_unique(r.values);
  return r;
}

}  // namespace

// ---- LabelSelector ------------------------------------------------------------

bool LabelRequirement::matches(std::span<const Label> sorted_labels) const {
  const Label* first = sorted_labels.data();
  return matches_label(*this, find_label(first, first + sorted_labels.size(), key));
}

bool LabelSelector::matches(std::span<const Label> sorted_labels) const {
  // Requirements and labels are both sorted by key: each search starts where
  // the previous one ended.
  const Label* first = sorted_labels.data();
  const Label* last = first + sorted_labels.size();
  for (const LabelRequirement& r : requirements_) {
    first = std::lower_bound(first, last, std::string_view(r.key),
                             [](const Label& l, std::string_view k) { return l.key < k; });
    const Label* label = first != last && first->key == r.key ? first : nullptr;
    if (!matches_label(r, label)) return false;
  }
  return true;
}

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  Parser parser(text);
  LabelSelector s;
  if (!parser.parse(s.requirements_)) {
    return bad_selector(parser.error().message + " (at position " +
                        std::to_string(parser.error().pos) + ")");
  }
  sort_requirements(s.requirements_);
  return s;
}

Result<LabelSelector> LabelSelector::from_json(const boost::json::value& selector) {
  LabelSelector s;
  if (selector.is_null()) return s;
  if (!selector.is_object()) {
    return bad_selector("label selector: expected an object, got " +
                        std::string(json_kind(selector)));
  }
  const boost::json::object& obj = selector.get_object();
  if (const auto* ml = obj.if_contains("matchLabels"); ml && !ml->is_null()) {
    if (!ml->is_object()) {
      return bad_selector("label selector: matchLabels: expected an object, got " +
                          std::string(json_kind(*ml)));
    }
    for (const auto& kv : ml->get_object()) {
      std::string where = "label selector: matchLabels[" + go_quote(kv.key()) + "]: ";
      if (!kv.value().is_string()) {
        return bad_selector(where + "expected a string, got " + std::string(json_kind(kv.value())));
      }
      LabelRequirement r{
          std::string(kv.key()), SelectorOp::kEquals, {std::string(kv.value().get_string())}};
      if (auto errs = requirement_errors(r); !errs.empty()) {
        return bad_selector(where + aggregate(errs));
      }
      s.requirements_.push_back(std::move(r));
    }
  }
  if (const auto* me = obj.if_contains("matchExpressions"); me && !me->is_null()) {
    if (!me->is_array()) {
      return bad_selector("label selector: matchExpressions: expected an array, got " +
                          std::string(json_kind(*me)));
    }
    const boost::json::array& exprs = me->get_array();
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      auto r = expression_from_json(exprs[i]);
      if (!r) {
        return bad_selector("label selector: matchExpressions[" + std::to_string(i) +
                            "]: " + r.error().message);
      }
      s.requirements_.push_back(std::move(*r));
    }
  }
  sort_requirements(s.requirements_);
  return s;
}

// labels.Requirement.String, joined with ",".
std::string LabelSelector::to_string() const {
  std::string out;
  for (const LabelRequirement& r : requirements_) {
    if (!out.empty()) out += ',';
    if (r.op == SelectorOp::kDoesNotExist) out += '!';
    out += r.key;
    switch (r.op) {
      case SelectorOp::kExists:
      case SelectorOp::kDoesNotExist:
        continue;
      case SelectorOp::kEquals:
        out += '=';
        break;
      case SelectorOp::kNotEquals:
        out += "!=";
        break;
      case SelectorOp::kGreaterThan:
        out += '>';
        break;
      case SelectorOp::kLessThan:
        out += '<';
        break;
      case SelectorOp::kIn:
        out += " in (";
        break;
      case SelectorOp::kNotIn:
        out += " notin (";
        break;
    }
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      if (i > 0) out += ',';
      out += r.values[i];
    }
    if (r.op == SelectorOp::kIn || r.op == SelectorOp::kNotIn) out += ')';
  }
  return out;
}

}  // namespace kube
