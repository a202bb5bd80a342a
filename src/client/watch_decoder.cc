// WatchDecoder: newline scan (memchr) to find events, simdjson On Demand to
// read `type` and the raw bytes of `object`, Object::parse on those bytes.
#include "kube/client/watch_decoder.h"

#include <cstring>
#include <string>

#include <simdjson.h>

#include "kube/client/status.h"

namespace kube {
namespace {

constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Error stream_error(std::size_t offset, const std::string& what) {
  // A stream that is not a watch is the server's fault, as in client-go's
  // "unable to decode an event from the watch stream".
  return Error::internal("watch stream: event at byte " + std::to_string(offset) + ": " + what);
}

std::optional<WatchEventType> parse_type(std::string_view t) {
  if (t == "ADDED") return WatchEventType::Added;
  if (t == "MODIFIED") return WatchEventType::Modified;
  if (t == "DELETED") return WatchEventType::Deleted;
  if (t == "BOOKMARK") return WatchEventType::Bookmark;
  if (t == "ERROR") return WatchEventType::Error;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(WatchEventType type) {
  switch (type) {
    case WatchEventType::Added: return "ADDED";
    case WatchEventType::Modified: return "MODIFIED";
    case WatchEventType::Deleted: return "DELETED";
    case WatchEventType::Bookmark: return "BOOKMARK";
    case WatchEventType::Error: return "ERROR";
  }
  return "UNKNOWN";
}

struct WatchDecoder::Parser {
  simdjson::ondemand::parser parser;
};

WatchDecoder::WatchDecoder(ParseOptions options) : parser_(std::make_unique<Parser>()), options_(options) {
  reserve(4096);
}
WatchDecoder::~WatchDecoder() = default;

void WatchDecoder::reserve(std::size_t extra) {
  std::size_t need = size_ + extra + kPadding;
  if (need <= capacity_) return;
  std::size_t cap = std::max(need, capacity_ * 2);
  auto next = std::make_unique<char[]>(cap);
  if (size_ > 0) std::memcpy(next.get(), buf_.get(), size_);
  buf_ = std::move(next);
  capacity_ = cap;
}

Result<void> WatchDecoder::feed(std::string_view bytes, std::vector<WatchEvent>& out) {
  if (failed_) return *failed_;
  // Drop what earlier calls decoded, then append.
  if (start_ > 0) {
    std::memmove(buf_.get(), buf_.get() + start_, size_ - start_);
    size_ -= start_;
    scanned_ -= start_;
    start_ = 0;
  }
  reserve(bytes.size());
  std::memcpy(buf_.get() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
  std::memset(buf_.get() + size_, 0, kPadding);

  while (scanned_ < size_) {
    const void* nl = std::memchr(buf_.get() + scanned_, '\n', size_ - scanned_);
    if (nl == nullptr) {
      scanned_ = size_;
      break;
    }
    std::size_t end = static_cast<const char*>(nl) - buf_.get();
    Result<void> r = decode_line(start_, end, out);
    consumed_ += end + 1 - start_;
    start_ = scanned_ = end + 1;
    if (!r) {
      failed_ = r.error();
      return r;
    }
  }
  return {};
}

Result<void> WatchDecoder::finish(std::vector<WatchEvent>& out) {
  if (failed_) return *failed_;
  std::size_t begin = start_, end = size_;
  while (begin < end && is_space(buf_[begin])) ++begin;
  if (begin == end) return {};
  // A last line without its newline is accepted if it is a whole event.
  std::size_t cut_at = consumed_;
  std::size_t pending = size_ - start_;
  std::vector<WatchEvent> last;
  if (decode_line(start_, size_, last)) {
    for (auto& ev : last) out.push_back(std::move(ev));
    consumed_ += pending;
    start_ = scanned_ = size_;
    return {};
  }
  Error e{0, "StreamTruncated",
          "watch stream ended mid-event at byte " + std::to_string(cut_at) + " (" +
              std::to_string(pending) + " bytes of an unterminated event)",
          std::nullopt};
  failed_ = e;
  return e;
}

Result<void> WatchDecoder::decode_line(std::size_t begin, std::size_t end,
                                       std::vector<WatchEvent>& out) {
  const std::size_t line_offset = consumed_;
  while (begin < end && is_space(buf_[begin])) ++begin;
  while (end > begin && is_space(buf_[end - 1])) --end;
  if (begin == end) return {};
  if (buf_[begin] != '{' || buf_[end - 1] != '}') {
    return stream_error(line_offset, "not a JSON object");
  }
  if (fast_path(begin, end, line_offset, out)) return {};
  namespace od = simdjson::ondemand;
  od::document doc;
  const char* data = buf_.get() + begin;
  if (auto err = parser_->parser.iterate(data, end - begin, capacity_ - begin).get(doc)) {
    return stream_error(line_offset, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  od::object obj;
  if (auto err = doc.get_object().get(obj)) {
    return stream_error(line_offset, std::string("not a JSON object: ") + simdjson::error_message(err));
  }
  std::optional<WatchEventType> type;
  std::string_view raw_object;
  std::string type_text;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) {
      return stream_error(line_offset, std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) {
      return stream_error(line_offset, std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    if (key == "type") {
      std::string_view t;
      if (field.value().get_string().get(t)) return stream_error(line_offset, "type is not a string");
      type_text = std::string(t);
      type = parse_type(t);
      if (!type) return stream_error(line_offset, "unknown event type \"" + type_text + "\"");
    } else if (key == "object") {
      od::object o;
      if (field.value().get_object().get(o)) return stream_error(line_offset, "object is not a JSON object");
      if (auto err = o.raw_json().get(raw_object)) {
        return stream_error(line_offset, std::string("invalid JSON: ") + simdjson::error_message(err));
      }
    }
  }
  if (!type) return stream_error(line_offset, "no type");
  if (raw_object.empty()) return stream_error(line_offset, "no object");

  return make_event(*type, raw_object, line_offset, out);
}

// kube-apiserver always writes {"type":"X","object":{...}} in that order
// (watch.Event through json.Encoder). For that layout the object's bytes are
// known without a JSON pass: Object::parse then validates them fully. Any other
// layout, or an object that does not parse, falls back to the general path.
bool WatchDecoder::fast_path(std::size_t begin, std::size_t end, std::size_t line_offset,
                             std::vector<WatchEvent>& out) {
  constexpr std::string_view kPrefix = R"({"type":")";
  constexpr std::string_view kMiddle = R"(","object":)";
  std::string_view line(buf_.get() + begin, end - begin);
  if (!line.starts_with(kPrefix)) return false;
  std::size_t type_end = line.find('"', kPrefix.size());
  if (type_end == std::string_view::npos || type_end - kPrefix.size() > 8) return false;
  std::optional<WatchEventType> type = parse_type(line.substr(kPrefix.size(), type_end - kPrefix.size()));
  if (!type || line.substr(type_end, kMiddle.size()) != kMiddle) return false;
  std::string_view raw = line.substr(type_end + kMiddle.size());
  raw.remove_suffix(1);  // the event's closing brace
  if (raw.empty() || raw.front() != '{') return false;
  std::size_t before = out.size();
  if (make_event(*type, raw, line_offset, out)) return true;
  out.resize(before);
  return false;
}

Result<void> WatchDecoder::make_event(WatchEventType type, std::string_view raw_object,
                                      std::size_t line_offset, std::vector<WatchEvent>& out) {
  WatchEvent ev;
  ev.type = type;
  if (type == WatchEventType::Error) {
    std::optional<Error> status = parse_status(raw_object);
    if (!status) return stream_error(line_offset, "ERROR event whose object is not a Status");
    ev.error = std::move(*status);
  } else {
    Result<ObjectPtr> parsed = Object::parse(raw_object, options_);
    if (!parsed) return stream_error(line_offset, parsed.error().message);
    ev.object = std::move(*parsed);
  }
  out.push_back(std::move(ev));
  return {};
}

}  // namespace kube
