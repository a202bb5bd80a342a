// RestLeaseLock: a coordination.k8s.io/v1 Lease read and replaced through the
// RestClient's paths and Transport (client-go's resourcelock.LeaseLock).
#include "kube/leaderelection/lease_lock.h"

#include <ctime>

#include <boost/json.hpp>

namespace kube::leaderelection {
namespace {

const Resource kLeases{{"coordination.k8s.io", "v1", "leases"}, true};

std::string string_field(const Object& o, std::string_view path) {
  auto v = o.field(path);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int int_field(const Object& o, std::string_view path) {
  auto v = o.field(path);
  return v && v->is_int64() ? static_cast<int>(v->as_int64()) : 0;
}

}  // namespace

LeaderElectionRecord record_from_lease(const Object& lease) {
  return LeaderElectionRecord{
      .holder_identity = string_field(lease, "spec.holderIdentity"),
      .lease_duration_seconds = int_field(lease, "spec.leaseDurationSeconds"),
      .acquire_time = string_field(lease, "spec.acquireTime"),
      .renew_time = string_field(lease, "spec.renewTime"),
      .lease_transitions = int_field(lease, "spec.leaseTransitions"),
  };
}

boost::json::object lease_spec(const LeaderElectionRecord& r) {
  boost::json::object spec;
  // client-go writes holderIdentity even when empty (a released lease).
  spec["holderIdentity"] = r.holder_identity;
  spec["leaseDurationSeconds"] = r.lease_duration_seconds;
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  spec["leaseTransitions"] = r.lease_transitions;
  return spec;
}

std::string micro_time_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::floor<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // sized for any int values, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

RestLeaseLock::RestLeaseLock(std::shared_ptr<RestClient> client, std::string namespace_,
                             std::string name)
    : client_(std::move(client)), namespace_(std::move(namespace_)), name_(std::move(name)) {}

Result<LeaseState> RestLeaseLock::send(HttpRequest request, const LockCall& call) {
  request.headers.emplace_back("Accept", "application/json");
  if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.cancel = call.cancel;
  if (call.timeout.count() > 0) request.deadline = std::chrono::steady_clock::now() + call.timeout;
  Result<HttpResponse> resp = client_->transport().request(std::move(request));
  if (!resp) {
    Error e = resp.error();
    e.message = "lease " + describe() + ": " + e.message;
    return e;
  }
  Result<ObjectPtr> obj = Object::parse(resp->body);
  if (!obj) return Error::internal("lease " + describe() + ": " + obj.error().message);
  return LeaseState{record_from_lease(**obj), *obj};
}

Result<LeaseState> RestLeaseLock::get(const LockCall& call) {
  return send({.path = RestClient::path(kLeases, namespace_, name_)}, call);
}

Result<LeaseState> RestLeaseLock::create(const LeaderElectionRecord& record, const LockCall& call) {
  boost::json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                            {"kind", "Lease"},
                            {"metadata", {{"name", name_}, {"namespace", namespace_}}},
                            {"spec", lease_spec(record)}};
  return send({.method = "POST",
               .path = RestClient::path(kLeases, namespace_),
               .body = boost::json::serialize(lease)},
              call);
}

Result<LeaseState> RestLeaseLock::update(const Object& current, const LeaderElectionRecord& record,
                                         const LockCall& call) {
  // The whole object as read, with a new spec: its metadata.resourceVersion
  // makes the server refuse the write (409) if anyone wrote since.
  boost::json::value lease = current.to_value();
  if (!lease.is_object()) return Error::invalid_argument("lease " + describe() + ": not an object");
  lease.as_object()["spec"] = lease_spec(record);
  return send({.method = "PUT",
               .path = RestClient::path(kLeases, namespace_, name_),
               .body = boost::json::serialize(lease)},
              call);
}

}  // namespace kube::leaderelection
