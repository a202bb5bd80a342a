// kube/core/continue_token.h — kube-apiserver's list continue token, shared
// by the embedded API server and the cache service (`kinformer serve`).
//
// The token is base64url (unpadded) of
// `{"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}`: the list's
// resourceVersion and the key just after the last one returned, relative to
// the list's key prefix (k8s.io/apiserver/pkg/storage/continue.go). rv > 0
// continues the list at that version; rv -1 (the token a 410 Expired for a
// continue carries) continues at the latest version, inconsistently.
//
//   std::string t = kube::encode_continue(285, std::string("web-2") + '\0');
//   auto tok = kube::decode_continue(t);   // {285, "web-2\0"}
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "kube/core/result.h"

namespace kube {

std::string encode_continue(std::int64_t rv, const std::string& start);

struct ContinueToken {
  std::int64_t rv;
  std::string start;
  bool operator==(const ContinueToken&) const = default;
};
// Accepts what DecodeContinue accepts (rv 0 and an empty start key are
// refused); an error is a 400 BadRequest in its wording.
Result<ContinueToken> decode_continue(const std::string& token);

// kube-apiserver's words for a continue whose resourceVersion is gone (410
// Expired; the Status carries an rv -1 token in metadata.continue).
inline constexpr const char* kExpiredContinueMessage =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list.";

}  // namespace kube
