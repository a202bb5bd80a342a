// kube/leaderelection/lease_lock.h — the lock a leader election fights over:
// a coordination.k8s.io/v1 Lease read and written with optimistic concurrency
// (client-go's resourcelock.Interface and resourcelock.LeaseLock).
//
// The lease's spec is the LeaderElectionRecord. Writes carry the
// resourceVersion of the lease they replace, so of two candidates that read
// the same lease and both try to take it, the server accepts one and answers
// the other 409 Conflict ("someone else won this round"). Creating a lease
// that exists answers 409 AlreadyExists, with the same meaning.
//
//   namespace le = kube::leaderelection;
//   auto lock = std::make_shared<le::RestLeaseLock>(client, "kube-system", "my-controller");
//   kube::Result<le::LeaseState> lease = lock->get({.timeout = std::chrono::seconds(2)});
//   if (!lease && lease.error().is_not_found()) { /* nobody has created it yet */ }
//
// Thread-safety: RestLeaseLock is stateless beyond its configuration; calls may
// come from any thread. Implementations of LeaseLock must allow the same.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/json/object.hpp>

#include "kube/client/rest_client.h"
#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube::leaderelection {

// Who holds the lease and since when (client-go's LeaderElectionRecord, the
// Lease's spec). Times are RFC 3339 with microseconds (metav1.MicroTime) in
// wall-clock time: informative only — no candidate judges expiry by them.
struct LeaderElectionRecord {
  std::string holder_identity = {};  // "" when nobody holds it (released)
  int lease_duration_seconds = 0;
  std::string acquire_time = {};
  std::string renew_time = {};
  int lease_transitions = 0;
  bool operator==(const LeaderElectionRecord&) const = default;
};

// A lease as read (or written): its record and the whole object, whose
// resourceVersion the next update must carry.
struct LeaseState {
  LeaderElectionRecord record = {};
  ObjectPtr object = nullptr;
};

// Bounds on one lock call.
struct LockCall {
  std::chrono::milliseconds timeout{0};  // 0 = none
  std::shared_ptr<CancelToken> cancel = nullptr;
};

class LeaseLock {
 public:
  virtual ~LeaseLock() = default;
  // The lease; an Error with is_not_found() when there is none.
  virtual Result<LeaseState> get(const LockCall& call) = 0;
  // Creates the lease holding `record`; 409 AlreadyExists when it exists.
  virtual Result<LeaseState> create(const LeaderElectionRecord& record, const LockCall& call) = 0;
  // Replaces the spec of `current` with `record`, keeping the rest of the
  // object and its resourceVersion; 409 Conflict when the lease changed since.
  virtual Result<LeaseState> update(const Object& current, const LeaderElectionRecord& record,
                                    const LockCall& call) = 0;
  // "namespace/name", for messages.
  virtual std::string describe() const = 0;
};

// A Lease through a RestClient (get / create / update). Calls go through the
// client's Transport with the call's timeout as an overall deadline (retries
// included) and its cancel token.
class RestLeaseLock final : public LeaseLock {
 public:
  RestLeaseLock(std::shared_ptr<RestClient> client, std::string namespace_, std::string name);

  Result<LeaseState> get(const LockCall& call) override;
  Result<LeaseState> create(const LeaderElectionRecord& record, const LockCall& call) override;
  Result<LeaseState> update(const Object& current, const LeaderElectionRecord& record,
                            const LockCall& call) override;
  std::string describe() const override { return namespace_ + "/" + name_; }

 private:
  Result<LeaseState> send(HttpRequest request, const LockCall& call);

  const std::shared_ptr<RestClient> client_;  // thread-safe itself
  const std::string namespace_;
  const std::string name_;
};

// The record in a Lease object's spec (missing fields are zero / empty).
LeaderElectionRecord record_from_lease(const Object& lease);
// The Lease spec for a record (client-go's LeaderElectionRecordToLeaseSpec).
boost::json::object lease_spec(const LeaderElectionRecord& record);
// Wall-clock now as a metav1.MicroTime: "2026-11-26T00:18:14.123456Z".
std::string micro_time_now();

}  // namespace kube::leaderelection
