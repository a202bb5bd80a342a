#include "kube/client/status.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

TEST(Status, NotFoundFixtureKeepsReasonMessageAndDetails) {
  KUBE_FIXTURE_OR_SKIP(body, "errors/404-notfound.json");
  Error e = error_from_response(404, body);
  EXPECT_EQ(e.code, 404);
  EXPECT_EQ(e.reason, "NotFound");
  EXPECT_EQ(e.message, "pods \"nope\" not found");
  ASSERT_TRUE(e.details);
  EXPECT_EQ(e.details->name, "nope");
  EXPECT_EQ(e.details->kind, "pods");
  EXPECT_TRUE(e.is_not_found());
}

TEST(Status, InvalidFixtureCarriesCauses) {
  KUBE_FIXTURE_OR_SKIP(body, "errors/422-invalid.json");
  Error e = error_from_response(422, body);
  EXPECT_TRUE(is_invalid(e));
  ASSERT_TRUE(e.details);
  ASSERT_EQ(e.details->causes.size(), 1u);
  EXPECT_EQ(e.details->causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(e.details->causes[0].field, "metadata.name");
  EXPECT_EQ(e.details->name, "Bad_Name");
}

TEST(Status, EveryErrorFixtureDecodesWithTheCodeInItsName) {
  struct Case {
    const char* file;
    int code;
    const char* reason;
  } cases[] = {
      {"errors/400-bad-labelselector.json", 400, "BadRequest"},
      {"errors/400-malformed-json.json", 400, "BadRequest"},
      {"errors/400-namespace-mismatch.json", 400, "BadRequest"},
      {"errors/401-unauthorized.json", 401, "Unauthorized"},
      {"errors/403-forbidden.json", 403, "Forbidden"},
      {"errors/404-namespace-missing.json", 404, "NotFound"},
      {"errors/404-notfound.json", 404, "NotFound"},
      {"errors/404-unknown-resource.json", 404, "NotFound"},
      // The server answered this create with a 500 Status without reason.
      {"errors/409-alreadyexists.json", 500, "InternalError"},
      {"errors/409-conflict.json", 409, "Conflict"},
      {"errors/410-expired-continue.json", 410, "Expired"},
      {"errors/410-list-exact-compacted.json", 410, "Expired"},
      {"errors/415-patch-content-type.json", 415, "UnsupportedMediaType"},
      {"errors/422-invalid.json", 422, "Invalid"},
  };
  for (const Case& c : cases) {
    KUBE_FIXTURE_OR_SKIP(body, c.file);
    std::optional<Error> e = parse_status(body);
    ASSERT_TRUE(e) << c.file;
    EXPECT_EQ(e->code, c.code) << c.file;
    EXPECT_EQ(e->reason, c.reason) << c.file;
    EXPECT_FALSE(e->message.empty()) << c.file;
  }
}

// Found by tests/fuzz/response_fuzz: a Status without a message must still
// give the user an error that says something.
TEST(Status, StatusWithoutAMessageStillSaysWhatCameBack) {
  Error e = error_from_response(410, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410})");
  EXPECT_EQ(e.code, 410);
  EXPECT_EQ(e.reason, "Expired");
  EXPECT_EQ(e.message, "the server answered 410 Expired with no message");
}

TEST(Status, ExpiredIsGone) {
  KUBE_FIXTURE_OR_SKIP(body, "errors/410-expired-continue.json");
  EXPECT_TRUE(error_from_response(410, body).is_gone());
}

TEST(Status, ConflictIsConflictAndNotAlreadyExists) {
  KUBE_FIXTURE_OR_SKIP(body, "errors/409-conflict.json");
  Error e = error_from_response(409, body, {.verb = "PUT"});
  EXPECT_TRUE(e.is_conflict());
  EXPECT_FALSE(is_already_exists(e));
}

TEST(Status, NonStatusBodyGetsReasonFromCodeLikeClientGo) {
  Error e = error_from_response(503, "<html>down</html>");
  EXPECT_EQ(e.code, 503);
  EXPECT_EQ(e.reason, "ServiceUnavailable");
  EXPECT_EQ(e.message, "the server is currently unable to handle the request");
  ASSERT_TRUE(e.details);
  ASSERT_EQ(e.details->causes.size(), 1u);
  EXPECT_EQ(e.details->causes[0].reason, "UnexpectedServerResponse");
  EXPECT_EQ(e.details->causes[0].message, "<html>down</html>");
}

TEST(Status, Conflict409OnPostWithoutStatusIsAlreadyExists) {
  EXPECT_EQ(error_from_response(409, "", {.verb = "POST"}).reason, "AlreadyExists");
  EXPECT_EQ(error_from_response(409, "", {.verb = "PUT"}).reason, "Conflict");
}

TEST(Status, Unknown5xxIsInternalErrorQuotingTheBody) {
  Error e = error_from_response(502, "bad gateway\n");
  EXPECT_EQ(e.reason, "InternalError");
  EXPECT_EQ(e.message, "an error on the server (\"bad gateway\") has prevented the request from succeeding");
}

TEST(Status, TooManyRequestsTakesRetryAfterFromHeader) {
  Error e = error_from_response(429, "slow down", {.retry_after_seconds = 7});
  EXPECT_TRUE(is_too_many_requests(e));
  EXPECT_EQ(retry_after_seconds(e), 7);
}

TEST(Status, RetryAfterSecondsFromStatusDetailsWins) {
  std::string body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"wait",
    "reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})";
  Error e = error_from_response(429, body, {.retry_after_seconds = 9});
  EXPECT_EQ(retry_after_seconds(e), 3);
  EXPECT_EQ(e.message, "wait");
}

TEST(Status, StatusWithoutCodeTakesTheHttpCode) {
  Error e = error_from_response(504, R"({"kind":"Status","status":"Failure","message":"slow"})");
  EXPECT_EQ(e.code, 504);
  EXPECT_EQ(e.reason, "Timeout");
  EXPECT_EQ(e.message, "slow");
}

TEST(Status, ParseStatusRejectsOtherKinds) {
  EXPECT_FALSE(parse_status(R"({"kind":"Pod","apiVersion":"v1"})"));
  EXPECT_FALSE(parse_status("not json"));
  EXPECT_FALSE(parse_status("[1]"));
}

TEST(Status, EmptyBodyIsUnknownWithGenericMessage) {
  Error e = error_from_response(418, "");
  EXPECT_EQ(e.reason, "");
  EXPECT_EQ(e.message, "the server responded with the status code 418 but did not return more information");
}

}  // namespace
}  // namespace kube
