// Fuzz target: what the client makes of a server's answer — a list page
// (items, resourceVersion, continue token, remainingItemCount) and a Status
// error body for any HTTP code. Neither may crash on any body; an error
// always has a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kube/client/rest_client.h"
#include "kube/client/status.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  int code = 400 + (data[0] % 200);
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  kube::Error e = kube::error_from_response(code, body, {.verb = "GET"});
  if (e.message.empty()) std::abort();
  if (auto list = kube::parse_list(body)) {
    for (const auto& item : list->items) {
      if (!item) std::abort();
    }
  }
  return 0;
}
