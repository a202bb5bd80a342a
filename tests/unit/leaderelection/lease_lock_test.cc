// The Lease spec <-> LeaderElectionRecord mapping and the MicroTime format.
#include "kube/leaderelection/lease_lock.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace kube::leaderelection {
namespace {

TEST(LeaseRecord, ReadsTheSpecOfALease) {
  auto lease = Object::parse(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
      "metadata":{"name":"l","namespace":"default","resourceVersion":"7"},
      "spec":{"holderIdentity":"a","leaseDurationSeconds":15,"acquireTime":"2026-11-26T00:00:00.000000Z",
              "renewTime":"2026-11-26T00:00:02.000000Z","leaseTransitions":3}})");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(record_from_lease(**lease),
            (LeaderElectionRecord{.holder_identity = "a",
                                  .lease_duration_seconds = 15,
                                  .acquire_time = "2026-11-26T00:00:00.000000Z",
                                  .renew_time = "2026-11-26T00:00:02.000000Z",
                                  .lease_transitions = 3}));
}

TEST(LeaseRecord, MissingFieldsAreEmpty) {
  auto lease = Object::parse(
      R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"}})");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(record_from_lease(**lease), LeaderElectionRecord{});
}

TEST(LeaseRecord, SpecRoundTrips) {
  LeaderElectionRecord r{.holder_identity = "b",
                         .lease_duration_seconds = 2,
                         .acquire_time = "2026-11-26T00:00:00.000000Z",
                         .renew_time = "2026-11-26T00:00:01.500000Z",
                         .lease_transitions = 1};
  boost::json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                            {"kind", "Lease"},
                            {"metadata", {{"name", "l"}}},
                            {"spec", lease_spec(r)}};
  auto obj = Object::from_value(lease);
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(record_from_lease(**obj), r);
}

TEST(LeaseRecord, ReleasedLeaseWritesAnEmptyHolder) {
  auto spec = lease_spec({.holder_identity = "", .lease_duration_seconds = 1});
  ASSERT_TRUE(spec.contains("holderIdentity"));
  EXPECT_EQ(spec.at("holderIdentity").as_string(), "");
  EXPECT_EQ(spec.at("leaseDurationSeconds").as_int64(), 1);
}

TEST(LeaseRecord, MicroTimeIsRfc3339WithMicroseconds) {
  std::string t = micro_time_now();
  ASSERT_EQ(t.size(), 27u) << t;  // 2026-11-26T00:18:14.123456Z
  EXPECT_EQ(t[4], '-');
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t[19], '.');
  EXPECT_EQ(t.back(), 'Z');
}

}  // namespace
}  // namespace kube::leaderelection
