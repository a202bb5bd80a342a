// From a kube::Error met while talking to the server to what the user reads
// and the exit code a script tests (commands.h).
//
//   if (!list) return fail("get", server_failure(list.error(), config));
//   // kinformer get: https://127.0.0.1:6443: 401 Unauthorized: the server rejected
//   //   the credentials of kubeconfig /x/config, context "dev": Unauthorized
//
// Messages come from the Error (the server's own Status message for 4xx/5xx)
// and the RestConfig's host and source; never from credentials.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "kube/client/config.h"
#include "kube/core/result.h"
#include "tools/kinformer/commands.h"

namespace kinformer::cli {

struct Failure {
  int exit_code = kFailure;
  std::string message;
};

// 0-coded transport errors → kUnreachable (a credential plugin's → kConfig);
// 401/403 and other server answers → kServer; 404 → kNotFound.
int exit_code_for(const kube::Error& e);

// An error from a request to the server, classified and described.
Failure server_failure(const kube::Error& e, const kube::RestConfig& config);

// Prints "kinformer <command>: <message>" to stderr; returns the exit code.
int fail(std::string_view command, const Failure& f);

}  // namespace kinformer::cli
