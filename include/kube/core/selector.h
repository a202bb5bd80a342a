// kube/core/selector.h — label selectors and field selectors.
//
// Label selectors take the full Kubernetes syntax (k8s.io/apimachinery
// labels.Parse): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
// `!a`, `a>3`, `a<3`, joined by commas, with free whitespace; keys and values
// are checked with the Kubernetes label rules (qualified name; value of at
// most 63 characters). The structured form (metav1.LabelSelector with
// matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist) converts to
// the same type. Matching follows labels.Requirement.Matches exactly: != and
// notin match when the key is absent; > and < parse the label as an int64 and
// never match an absent or non-integer label.
//
// Quirks kept from labels.Parse, on purpose (the server behaves the same):
// `a in ()` is the set {""} (not an error; only the structured form rejects
// an empty In/NotIn list), `a=` means a="" and `!a=b` is an error.
//
// Field selectors take `path=value`, `path==value`, `path!=value` joined by
// commas (fields.ParseSelector), with `\` escaping `,` `=` and `\` in values
// (fields.EscapeValue; any other escape is an error, as on the server). Any
// dotted path works on unstructured objects (Object::field_string); a missing
// field compares as "".
//
// Errors are 400 BadRequest values. Label selector messages are
// kube-apiserver's text followed by the byte offset of the offending token:
//   parse("app in (")    -> "unable to parse requirement: found '', expected: ',', ')' or
//   identifier (at position 8)" parse("app in (web") -> "unable to parse requirement: found '',
//   expected: ',' or ')' (at position 11)" parse("Bad_=x")      -> "unable to parse requirement:
//   <nil>: Invalid value: \"Bad_\": name part must ... (at position 0)"
// Field selector messages name the offending term.
//
//   auto sel = kube::LabelSelector::parse("app=web,tier in (frontend,edge),!canary");
//   if (!sel) { std::cerr << sel.error().message; }
//   bool m = sel->matches(*pod);
//
// Thread-safety: immutable after construction; const methods are safe from
// any number of threads. matches() does not allocate.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube {

enum class SelectorOp {
  kEquals,        // = and ==
  kNotEquals,     // !=  (matches when the key is absent, as in Kubernetes)
  kIn,            // in (a,b)
  kNotIn,         // notin (a,b)  (matches when the key is absent)
  kExists,        // key
  kDoesNotExist,  // !key
  kGreaterThan,   // key>N (integer compare; no match if absent or not an integer)
  kLessThan,      // key<N
};

struct LabelRequirement {
  std::string key;
  SelectorOp op;
  std::vector<std::string> values;  // sorted, unique; one for = != > <, none for exists

  // `sorted_labels` must be sorted by key (as Object::labels() is).
  bool matches(std::span<const Label> sorted_labels) const;
  bool operator==(const LabelRequirement&) const = default;
};

class LabelSelector {
 public:
  // The empty selector: matches everything.
  LabelSelector() = default;

  static Result<LabelSelector> parse(std::string_view text);
  // A metav1.LabelSelector JSON value ({"matchLabels":{...},"matchExpressions":[...]}).
  // {} matches everything (as LabelSelectorAsSelector does). null also matches
  // everything here; Go maps a nil *LabelSelector to labels.Nothing(), which
  // this type cannot express: callers that need "nothing" check for null.
  // Errors use LabelSelectorAsSelector's wording, prefixed with where they are
  // ("matchExpressions[1]: \"Foo\" is not a valid label selector operator").
  static Result<LabelSelector> from_json(const boost::json::value& selector);

  bool empty() const { return requirements_.empty(); }
  // All requirements match. `sorted_labels` must be sorted by key (as
  // Object::labels() is).
  bool matches(std::span<const Label> sorted_labels) const;
  bool matches(const Object& obj) const { return matches(obj.labels()); }
  // Requirements sorted by key (then operator), as client-go keeps them.
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // The canonical text form, parseable again: "app=web,tier in (edge,frontend)".
  std::string to_string() const;

  bool operator==(const LabelSelector&) const = default;

 private:
  std::vector<LabelRequirement> requirements_;
};

struct FieldRequirement {
  std::string field;     // dotted path, e.g. "metadata.name", "spec.nodeName"
  bool negated = false;  // true for !=
  std::string value;

  // The field (Object::field_string, "" when missing) equals value, or
  // differs from it when negated.
  bool matches(const Object& obj) const;
  bool operator==(const FieldRequirement&) const = default;
};

class FieldSelector {
 public:
  FieldSelector() = default;

  static Result<FieldSelector> parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  bool matches(const Object& obj) const;
  // Sorted by (field, negated, value).
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  // Canonical text form with values escaped, parseable again.
  std::string to_string() const;

  bool operator==(const FieldSelector&) const = default;

 private:
  std::vector<FieldRequirement> requirements_;
};

}  // namespace kube
