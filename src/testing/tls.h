// Internal: a throwaway PKI for the embedded API server — a self-signed CA,
// a server certificate for 127.0.0.1 / ::1 / localhost, and a client
// certificate (CN kinformer-admin, O system:masters), all ECDSA P-256.
#pragma once

#include <string>

#include "kube/core/result.h"

namespace kube::testing::internal {

struct Pki {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};

Result<Pki> generate_pki();

}  // namespace kube::testing::internal
