// kube/core/timestamp.h — metadata timestamps and the short durations
// kubectl and kube-apiserver's table printers show for them.
//
//   kube::parse_timestamp("2026-11-24T12:27:54Z")             // a time_point; nullopt if
//   unparsable kube::human_duration(std::chrono::seconds(125))          // "2m5s"
//   kube::translate_timestamp_since("2026-11-24T12:27:54Z", now)   // "3d4h"
//   kube::format_timestamp(t)                                // "2026-11-24T12:27:54Z"
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kube {

using SysTime = std::chrono::system_clock::time_point;

// k8s.io/apimachinery/pkg/util/duration.HumanDuration: seconds below 2
// minutes ("90s"), then minutes and seconds below 10 minutes ("3m5s"),
// minutes below 3 hours ("95m"), hours and minutes below 8 hours ("7h5m"),
// hours below 2 days ("30h"), days and hours below 8 days ("2d4h"), days
// below 2 years ("400d"), then years and days below 8 years ("3y20d"), then
// years. Slightly negative durations (clock skew up to 1 s) print "0s"; more
// negative ones "<invalid>".
std::string human_duration(std::chrono::milliseconds d);

// RFC 3339 ("2026-11-24T12:27:54Z"), with optional fractional seconds and a
// numeric offset ("+02:00"). nullopt for anything else.
std::optional<SysTime> parse_timestamp(std::string_view rfc3339);

// RFC 3339 in UTC to the second, as metav1.Time serialises.
std::string format_timestamp(SysTime t);

// human_duration(now - timestamp); "<unknown>" for an empty or unparsable
// timestamp (the printers' translateTimestampSince prints that for a zero time).
std::string translate_timestamp_since(std::string_view rfc3339, SysTime now);

}  // namespace kube
