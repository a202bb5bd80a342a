// Times as kubectl shows and reads them. The AGE column's short durations
// and RFC 3339 timestamps live in the library (kube/core/timestamp.h, shared
// with the cache service's Table output); this adds duration flags such as
// --request-timeout=30s.
//
//   human_duration(std::chrono::seconds(125))   // "2m5s"
//   age("2026-11-24T12:27:54Z", now)            // "3d4h"; "<unknown>" when unparsable
//   parse_duration("1m30s")                     // 90 s; a bare number is seconds ("5" → 5 s)
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "kube/core/result.h"
#include "kube/core/timestamp.h"

namespace kinformer::cli {

using kube::human_duration;
using kube::parse_timestamp;
using kube::SysTime;

// kube::translate_timestamp_since: the AGE column.
inline std::string age(std::string_view rfc3339, SysTime now) {
  return kube::translate_timestamp_since(rfc3339, now);
}

// Go duration syntax ("300ms", "1.5s", "2m", "1h30m") or a bare number of
// seconds, as kubectl's --request-timeout takes. Errors name the text.
kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace kinformer::cli
