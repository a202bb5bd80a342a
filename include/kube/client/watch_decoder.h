// kube/client/watch_decoder.h — turns a watch response's bytes into events.
//
// kube-apiserver writes a watch as one JSON object per line:
//   {"type":"ADDED","object":{...}}\n
// (JSON escapes newlines inside strings, so a raw '\n' always ends an event).
// The transport hands the decoder whatever chunks arrived — a chunk may hold
// half an event or a hundred — and the decoder yields each complete event.
// An event's object bytes are parsed into a kube::Object straight from the
// decoder's buffer (one copy: the Object's own). An ERROR event's object is a
// metav1.Status and becomes a kube::Error (see status.h).
//
//   kube::WatchDecoder dec;
//   std::vector<kube::WatchEvent> events;
//   if (auto r = dec.feed(chunk, events); !r) { /* malformed stream: stop */ }
//   for (auto& ev : events) { if (ev.type == kube::WatchEventType::Added) use(ev.object); }
//   if (auto r = dec.finish(); !r) { /* stream cut mid-event */ }
//
// Errors (a line that is not JSON, not an object, has no known type, or no
// object) name the byte offset of the line in the stream; after one, every
// later feed returns the same error (client-go also ends a watch on a decode
// error). Leading/trailing whitespace and empty lines are ignored.
//
// Thread-safety: a decoder belongs to one stream and one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube {

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };

// "ADDED", "MODIFIED", ...
std::string_view to_string(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::Added;
  ObjectPtr object;            // set unless type == Error
  std::optional<Error> error;  // set when type == Error (the Status it carried)
};

class WatchDecoder {
 public:
  // `options`: how each event's object is built.
  explicit WatchDecoder(ParseOptions options = {});
  ~WatchDecoder();
  WatchDecoder(const WatchDecoder&) = delete;
  WatchDecoder& operator=(const WatchDecoder&) = delete;

  // Appends the complete events found so far to `out`. Returns an error for a
  // malformed event (events before it in the same chunk are still appended).
  Result<void> feed(std::string_view bytes, std::vector<WatchEvent>& out);

  // Call at the end of the stream. An unterminated last line that is a whole
  // event is decoded into `out`; a partial one is an error naming how many
  // bytes were cut ("watch stream ended mid-event at byte N").
  Result<void> finish(std::vector<WatchEvent>& out);
  Result<void> finish() {
    std::vector<WatchEvent> ignored;
    return finish(ignored);
  }

  // Bytes consumed (complete lines) so far.
  std::size_t offset() const { return consumed_; }
  // Bytes buffered waiting for the end of their line.
  std::size_t pending() const { return size_ - start_; }

 private:
  Result<void> decode_line(std::size_t begin, std::size_t end, std::vector<WatchEvent>& out);
  bool fast_path(std::size_t begin, std::size_t end, std::size_t line_offset,
                 std::vector<WatchEvent>& out);
  Result<void> make_event(WatchEventType type, std::string_view raw_object, std::size_t line_offset,
                          std::vector<WatchEvent>& out);
  void reserve(std::size_t extra);

  struct Parser;
  std::unique_ptr<Parser> parser_;
  const ParseOptions options_;
  // buf_[start_, size_) holds bytes not yet decoded; capacity_ keeps
  // simdjson's padding past size_ readable.
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;
  std::size_t size_ = 0;
  std::size_t scanned_ = 0;   // buf_[start_, scanned_) has no newline
  std::size_t consumed_ = 0;  // stream offset of buf_[start_]
  std::optional<Error> failed_;
};

}  // namespace kube
