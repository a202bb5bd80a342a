// Fuzz target: the embedded API server's continue-token decoder and its
// resourceVersion parameter parser, alone and through a list request.
// Input: arbitrary bytes, used as a token, as a resourceVersion and (URL-
// escaped) as the continue parameter of a list.
// Properties: nothing crashes; a token that decodes re-encodes to a token that
// decodes to the same state; a refused token is a 400 "continue key is not
// valid"; an accepted resourceVersion is all digits and prints back (leading
// zeros aside), a refused one is a 400 naming it; a list answers 200, 400 or
// 410, and the token of a 410 continues (200).
// The client side keeps resourceVersion and continue opaque, as client-go
// does: it only reads them out of list bodies (response_fuzz covers that).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json.hpp>

#include "src/testing/rest.h"
#include "src/testing/store.h"

namespace ki = kube::testing::internal;

namespace {

std::string url_escape(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ki::Response call(ki::RestHandler& h, std::string method, std::string target, std::string body = "") {
  ki::Request req{.method = std::move(method), .target = std::move(target), .accept = "application/json",
                  .content_type = "application/json", .user_agent = "", .body = std::move(body)};
  auto answer = h.handle(req);
  if (!std::holds_alternative<ki::Response>(answer)) std::abort();
  ki::Response r = std::get<ki::Response>(std::move(answer));
  if (r.parts) r.body = r.parts->str();  // a list's body comes in parts
  return r;
}

// A store with a few ConfigMaps and compacted history, so that tokens with
// old versions get 410 and newer ones a page.
ki::Store& store() {
  static auto* s = [] {
    auto* st = new ki::Store(1000);
    ki::RestHandler h(*st, "127.0.0.1:6443");
    call(h, "POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}})");
    for (const char* n : {"a", "b", "c", "d", "e"}) {
      call(h, "POST", "/api/v1/namespaces/demo/configmaps",
           std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")") + n + R"("}})");
    }
    st->compact();
    return st;
  }();
  return *s;
}

void check_token(const std::string& token) {
  auto tok = ki::decode_continue(token);
  if (!tok) {
    if (tok.error().code != 400 || tok.error().message.rfind("continue key is not valid", 0) != 0) std::abort();
    return;
  }
  if (tok->rv == 0 || tok->start.empty()) std::abort();
  auto again = ki::decode_continue(ki::encode_continue(tok->rv, tok->start));
  if (!again || !(*again == *tok)) std::abort();
}

void check_resource_version(const std::string& rv) {
  auto n = ki::parse_resource_version(rv);
  if (!n) {
    if (n.error().code != 400 || n.error().message.find('"' + rv + '"') == std::string::npos) std::abort();
    return;
  }
  if (*n < 0) std::abort();
  std::size_t zeros = rv.find_first_not_of('0');
  std::string digits = zeros == std::string::npos ? "0" : rv.substr(zeros);
  if (!rv.empty() && std::to_string(*n) != digits) std::abort();
}

void check_list(const std::string& token) {
  ki::RestHandler h(store(), "127.0.0.1:6443");
  auto r = call(h, "GET", "/api/v1/namespaces/demo/configmaps?limit=2&continue=" + url_escape(token));
  if (r.status == 200 || r.status == 400) return;
  if (r.status != 410) std::abort();
  auto body = boost::json::parse(r.body);
  std::string next(body.at("metadata").at("continue").as_string());
  auto again = call(h, "GET", "/api/v1/namespaces/demo/configmaps?limit=2&continue=" + url_escape(next));
  if (again.status != 200) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  check_token(input);
  check_resource_version(input);
  check_list(input);
  return 0;
}
