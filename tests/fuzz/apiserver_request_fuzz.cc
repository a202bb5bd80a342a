// Fuzz target: the embedded API server's request handling after HTTP
// parsing (Beast's job): path and query parsing, request attributes for
// authorization, selectors, continue tokens, body decoding, create / update /
// patch / delete. Input: method byte, then target, then body, split at the
// first two '\n'. Property: never crashes, every answer is a status code
// kube-apiserver could send, with a body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "src/testing/authz.h"
#include "src/testing/rest.h"

namespace ki = kube::testing::internal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static int runs = 0;
  static std::unique_ptr<ki::Store> store;
  if (!store || ++runs % 2000 == 0) store = std::make_unique<ki::Store>(1000);  // bound what creates accumulate
  if (size < 1) return 0;
  static constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  ki::Request req;
  req.method = kMethods[data[0] % 6];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto nl = rest.find('\n');
  req.target = std::string(rest.substr(0, nl));
  if (nl != std::string_view::npos) req.body = std::string(rest.substr(nl + 1));
  req.accept = "application/json";
  req.content_type = (data[0] & 0x80) ? "application/merge-patch+json" : "application/json";
  if (req.method == "PATCH" && (data[0] & 0x40)) req.content_type = "application/json-patch+json";

  std::string path;
  auto query = ki::parse_query(req.target, path);
  (void)ki::request_attributes(req.method, path, query);

  ki::RestHandler handler(*store, "127.0.0.1:6443");
  auto answer = handler.handle(req);
  if (auto* r = std::get_if<ki::Response>(&answer)) {
    if (r->status < 200 || r->status > 599) std::abort();
  }
  return 0;
}
