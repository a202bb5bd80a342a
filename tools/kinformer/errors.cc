#include "tools/kinformer/errors.h"

#include <iostream>

#include "kube/client/status.h"

namespace kinformer::cli {

int exit_code_for(const kube::Error& e) {
  if (e.code == 0) {
    // Credential plugins and token files fail before any request is sent.
    if (e.reason == "Unauthorized") return kConfig;
    if (e.reason == "ServiceUnavailable" || e.reason == "TLSError" || e.reason == "Timeout")
      return kUnreachable;
    return kFailure;
  }
  if (e.is_not_found()) return kNotFound;
  return kServer;
}

Failure server_failure(const kube::Error& e, const kube::RestConfig& config) {
  Failure f{exit_code_for(e), {}};
  if (e.code == 0) {
    f.message = e.message;
    if (f.exit_code == kUnreachable) f.message += " (server from " + config.source + ")";
    return f;
  }
  std::string status = std::to_string(e.code) + (e.reason.empty() ? "" : " " + e.reason);
  f.message = config.host + " answered " + status + ": \"" + e.message + "\"";
  if (kube::is_unauthorized(e)) f.message += "; check the credentials of " + config.source;
  return f;
}

int fail(std::string_view command, const Failure& f) {
  std::cerr << "kinformer " << command << ": " << f.message << std::endl;
  return f.exit_code;
}

}  // namespace kinformer::cli
