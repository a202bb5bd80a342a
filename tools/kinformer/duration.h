// Times as kubectl shows and reads them: the AGE column's short durations
// (k8s.io/apimachinery/pkg/util/duration.HumanDuration), RFC 3339 timestamps
// from metadata, and duration flags such as --request-timeout=30s.
//
//   human_duration(std::chrono::seconds(125))   // "2m5s"
//   age("2026-11-24T12:27:54Z", now)            // "3d4h"; "<unknown>" when unparsable
//   parse_duration("1m30s")                     // 90 s; a bare number is seconds ("5" → 5 s)
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kube/core/result.h"

namespace kinformer::cli {

using SysTime = std::chrono::system_clock::time_point;

// kubectl's rounding: seconds below 2 minutes ("90s"), then minutes and
// seconds below 10 minutes ("3m5s"), minutes below 3 hours ("95m"), hours and
// minutes below 8 hours ("7h5m"), hours below 2 days ("30h"), days and hours
// below 8 days ("2d4h"), days below 2 years ("400d"), then years and days
// below 8 years ("3y20d"), then years. Slightly negative durations (clock
// skew up to 1 s) print "0s"; more negative ones "<invalid>".
std::string human_duration(std::chrono::milliseconds d);

// "2026-11-24T12:27:54Z", with optional fractional seconds and a numeric
// offset ("+02:00"). nullopt for anything else.
std::optional<SysTime> parse_timestamp(std::string_view rfc3339);

// human_duration(now - timestamp); "<unknown>" for an empty or unparsable
// timestamp (kubectl's translateTimestampSince prints that for a zero time).
std::string age(std::string_view rfc3339, SysTime now);

// Go duration syntax ("300ms", "1.5s", "2m", "1h30m") or a bare number of
// seconds, as kubectl's --request-timeout takes. Errors name the text.
kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace kinformer::cli
