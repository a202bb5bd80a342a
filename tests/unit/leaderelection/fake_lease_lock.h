// A LeaseLock held in memory, with the server's optimistic concurrency: an
// update must carry the current resourceVersion (else 409 Conflict), a create
// of an existing lease is 409 AlreadyExists. Failures can be switched on.
#pragma once

#include <boost/json.hpp>

#include "kube/core/mutex.h"
#include "kube/leaderelection/lease_lock.h"

namespace kube::leaderelection::testing {

class FakeLeaseLock final : public LeaseLock {
 public:
  Result<LeaseState> get(const LockCall&) override {
    MutexLock l(mu_);
    ++gets_;
    if (failing_) return failure();
    if (!lease_) return Error::not_found("leases.coordination.k8s.io \"lock\" not found");
    return LeaseState{record_from_lease(*lease_), lease_};
  }

  Result<LeaseState> create(const LeaderElectionRecord& record, const LockCall&) override {
    MutexLock l(mu_);
    if (failing_) return failure();
    if (lease_)
      return Error{409, "AlreadyExists", "leases.coordination.k8s.io \"lock\" already exists", {}};
    lease_ = build(record);
    return LeaseState{record, lease_};
  }

  Result<LeaseState> update(const Object& current, const LeaderElectionRecord& record,
                            const LockCall&) override {
    MutexLock l(mu_);
    ++updates_;
    if (failing_) return failure();
    if (!lease_) return Error::not_found("leases.coordination.k8s.io \"lock\" not found");
    if (current.resource_version() != lease_->resource_version()) {
      return Error{409, "Conflict", "the object has been modified", {}};
    }
    lease_ = build(record);
    return LeaseState{record, lease_};
  }

  std::string describe() const override { return "default/lock"; }

  // Writes the lease as another party would (bumps the resourceVersion).
  void put(const LeaderElectionRecord& record) {
    MutexLock l(mu_);
    lease_ = build(record);
  }
  std::optional<LeaderElectionRecord> record() const {
    MutexLock l(mu_);
    if (!lease_) return std::nullopt;
    return record_from_lease(*lease_);
  }
  // Every call fails (as with an unreachable server) while set.
  void set_failing(bool failing) {
    MutexLock l(mu_);
    failing_ = failing;
  }
  int gets() const {
    MutexLock l(mu_);
    return gets_;
  }

 private:
  static Error failure() { return Error{0, "Timeout", "GET lease: deadline exceeded", {}}; }

  ObjectPtr build(const LeaderElectionRecord& record) KUBE_REQUIRES(mu_) {
    boost::json::object lease{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata",
         {{"name", "lock"}, {"namespace", "default"}, {"resourceVersion", std::to_string(++rv_)}}},
        {"spec", lease_spec(record)}};
    return *Object::from_value(lease);
  }

  mutable Mutex mu_;  // guards everything below
  ObjectPtr lease_ KUBE_GUARDED_BY(mu_);
  int rv_ KUBE_GUARDED_BY(mu_) = 0;
  bool failing_ KUBE_GUARDED_BY(mu_) = false;
  int gets_ KUBE_GUARDED_BY(mu_) = 0;
  int updates_ KUBE_GUARDED_BY(mu_) = 0;
};

}  // namespace kube::leaderelection::testing
