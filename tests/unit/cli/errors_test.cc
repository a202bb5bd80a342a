// Exit codes a script can rely on, and messages that never show credentials.
#include "tools/kinformer/errors.h"

#include <gtest/gtest.h>

#include "kube/client/status.h"

namespace kinformer::cli {
namespace {

kube::RestConfig config() {
  kube::RestConfig c;
  c.host = "https://127.0.0.1:6443";
  c.bearer_token = "s3cr3t-token";
  c.source = "kubeconfig /x/config, context \"dev\"";
  return c;
}

TEST(ExitCodes, ClassifyWhereTheFailureHappened) {
  EXPECT_EQ(exit_code_for(kube::error_from_response(401, "")), kServer);
  EXPECT_EQ(exit_code_for(kube::error_from_response(403, "")), kServer);
  EXPECT_EQ(exit_code_for(kube::error_from_response(500, "")), kServer);
  EXPECT_EQ(exit_code_for(kube::error_from_response(404, "")), kNotFound);
  EXPECT_EQ(exit_code_for(kube::Error{0, "ServiceUnavailable", "connection refused", std::nullopt}),
            kUnreachable);
  EXPECT_EQ(exit_code_for(kube::Error{0, "TLSError", "bad certificate", std::nullopt}),
            kUnreachable);
  EXPECT_EQ(exit_code_for(kube::Error{0, "Unauthorized", "exec plugin failed", std::nullopt}),
            kConfig);
}

TEST(ServerFailure, UnauthorizedQuotesTheServerAndNamesTheConfigButNotTheToken) {
  auto e = kube::error_from_response(
      401,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  Failure f = server_failure(e, config());
  EXPECT_EQ(f.exit_code, kServer);
  EXPECT_NE(f.message.find("401 Unauthorized"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("\"Unauthorized\""), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("/x/config"), std::string::npos) << f.message;
  EXPECT_EQ(f.message.find("s3cr3t"), std::string::npos) << f.message;
}

TEST(ServerFailure, ForbiddenCarriesTheServersMessage) {
  auto e = kube::error_from_response(
      403,
      R"({"kind":"Status","status":"Failure","message":"pods is forbidden: User \"bob\" cannot list resource \"pods\"","reason":"Forbidden","code":403})");
  Failure f = server_failure(e, config());
  EXPECT_EQ(f.exit_code, kServer);
  EXPECT_NE(f.message.find("User \"bob\" cannot list resource"), std::string::npos) << f.message;
}

}  // namespace
}  // namespace kinformer::cli
