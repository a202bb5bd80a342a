// Fuzz target: the watch-stream decoder fed in arbitrary chunk splits.
// The first byte chooses the chunk size, so the same stream is also cut at
// every boundary. Property: the events decoded do not depend on the splits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/watch_decoder.h"

namespace {

struct Decoded {
  std::vector<std::string> events;  // type + object JSON, or the error message
  bool failed = false;
};

Decoded decode(std::string_view stream, std::size_t chunk) {
  kube::WatchDecoder d;
  Decoded out;
  std::vector<kube::WatchEvent> events;
  for (std::size_t i = 0; i < stream.size() && !out.failed; i += chunk) {
    if (!d.feed(stream.substr(i, chunk), events)) out.failed = true;
  }
  if (!out.failed && !d.finish(events)) out.failed = true;
  for (const auto& e : events) {
    std::string s = std::to_string(static_cast<int>(e.type));
    if (e.object) s += std::string(e.object->json());
    if (e.error) s += e.error->message;
    out.events.push_back(std::move(s));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t chunk = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  Decoded whole = decode(stream, stream.size() + 1);
  Decoded split = decode(stream, chunk);
  // Events before a malformed one are delivered either way; after a failure
  // the decoders may stop at different points, so compare only clean runs.
  if (!whole.failed && !split.failed && whole.events != split.events) std::abort();
  if (whole.failed != split.failed) std::abort();
  return 0;
}
