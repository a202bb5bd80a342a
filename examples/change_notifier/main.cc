// change_notifier — be told when pods and services change, instead of
// listing them every 2 seconds.
//
// The program this replaces ran `list pods; list services; sleep 2` forever:
// every poll transferred every object, changed or not, and a change shorter
// than 2 s could be missed. Here two informers list once, then hold one watch
// each; every ADDED / MODIFIED / DELETED arrives as it happens and is printed
// with what changed (a pod's phase, node, IP, readiness, restarts; a
// service's type, cluster IP, ports, selector; labels of both):
//
//   MODIFIED pod demo/web-1 phase: Pending -> Running; ready: False -> True
//
// At exit (SIGINT, SIGTERM or --duration) it prints the API requests and
// response bytes the informers used (measured by the transport) and what the
// polling loop would have used over the same time: one list of pods plus one
// of services, measured once at start, times the number of 2-second polls.
#include <cmath>
#include <functional>
#include <initializer_list>
#include <iomanip>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "examples/common/example.h"
#include "kube/informers/factory.h"

namespace {

using kinformer::examples::out;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr double kPollSeconds = 2.0;

// A short text for a JSON scalar, "" when missing.
std::string text(const kube::Object& o, std::string_view path) {
  return o.field_string(path).value_or("");
}

std::string labels(const kube::Object& o) {
  std::string s;
  for (const auto& l : o.labels()) {
    if (!s.empty()) s += ",";
    s.append(l.key).append("=").append(l.value);
  }
  return s;
}

// status.conditions[type=Ready].status: "True", "False" or "".
std::string pod_ready(const kube::Object& o) {
  auto conditions = o.field("status.conditions");
  if (!conditions || !conditions->is_array()) return "";
  for (const auto& c : conditions->as_array()) {
    const auto* type = c.is_object() ? c.as_object().if_contains("type") : nullptr;
    const auto* status = c.is_object() ? c.as_object().if_contains("status") : nullptr;
    if (type && status && type->is_string() && status->is_string() &&
        type->as_string() == "Ready") {
      return std::string(status->as_string());
    }
  }
  return "";
}

// The sum of status.containerStatuses[].restartCount.
std::string pod_restarts(const kube::Object& o) {
  auto statuses = o.field("status.containerStatuses");
  if (!statuses || !statuses->is_array()) return "";
  std::int64_t n = 0;
  for (const auto& s : statuses->as_array()) {
    const auto* r = s.is_object() ? s.as_object().if_contains("restartCount") : nullptr;
    if (r && r->is_int64()) n += r->as_int64();
  }
  return std::to_string(n);
}

// spec.ports as "80/TCP,443/TCP".
std::string service_ports(const kube::Object& o) {
  auto ports = o.field("spec.ports");
  if (!ports || !ports->is_array()) return "";
  std::string s;
  for (const auto& p : ports->as_array()) {
    if (!p.is_object()) continue;
    const auto* port = p.as_object().if_contains("port");
    const auto* proto = p.as_object().if_contains("protocol");
    if (!s.empty()) s += ",";
    s += port ? json::serialize(*port) : "?";
    s += "/";
    s += proto && proto->is_string() ? std::string(proto->as_string()) : "TCP";
  }
  return s;
}

// spec.selector as "app=web,tier=fe".
std::string service_selector(const kube::Object& o) {
  auto sel = o.field("spec.selector");
  if (!sel || !sel->is_object()) return "";
  std::string s;
  for (const auto& [k, v] : sel->as_object()) {
    if (!s.empty()) s += ",";
    s.append(k).append("=").append(v.is_string() ? std::string(v.as_string()) : json::serialize(v));
  }
  return s;
}

// The fields a kind's lines show, in order.
struct Field {
  const char* name;
  std::function<std::string(const kube::Object&)> read;
};

std::vector<Field> pod_fields() {
  return {{"phase", [](const kube::Object& o) { return text(o, "status.phase"); }},
          {"node", [](const kube::Object& o) { return text(o, "spec.nodeName"); }},
          {"ip", [](const kube::Object& o) { return text(o, "status.podIP"); }},
          {"ready", pod_ready},
          {"restarts", pod_restarts},
          {"labels", labels},
          {"deleting", [](const kube::Object& o) { return std::string(o.deletion_timestamp()); }}};
}

std::vector<Field> service_fields() {
  return {{"type", [](const kube::Object& o) { return text(o, "spec.type"); }},
          {"clusterIP", [](const kube::Object& o) { return text(o, "spec.clusterIP"); }},
          {"ports", service_ports},
          {"selector", service_selector},
          {"labels", labels}};
}

std::string or_none(const std::string& s) { return s.empty() ? "<none>" : s; }

// Prints one line per change of one kind. Runs on the informer's handler
// thread for this kind; Line makes each line whole across the two kinds.
class ChangePrinter : public kube::informers::ResourceEventHandler {
 public:
  ChangePrinter(std::string kind, std::vector<Field> fields)
      : kind_(std::move(kind)), fields_(std::move(fields)) {}

  void on_add(const kube::ObjectPtr& o, bool is_in_initial_list) override {
    if (is_in_initial_list) return;  // the state at start is not a change
    std::string what;
    for (const auto& f : fields_) {
      std::string v = f.read(*o);
      if (v.empty()) continue;
      what += (what.empty() ? "" : " ") + std::string(f.name) + "=" + v;
    }
    out() << "ADDED " << kind_ << " " << kube::object_key(*o) << (what.empty() ? "" : " ") << what;
  }

  void on_update(const kube::ObjectPtr& old_obj, const kube::ObjectPtr& o) override {
    if (old_obj->resource_version() == o->resource_version()) return;  // a resync, not a change
    std::string what;
    for (const auto& f : fields_) {
      std::string before = f.read(*old_obj), after = f.read(*o);
      if (before == after) continue;
      what += (what.empty() ? "" : "; ") + std::string(f.name) + ": " + or_none(before) + " -> " +
              or_none(after);
    }
    if (what.empty())
      what = "other fields (resourceVersion " + std::string(old_obj->resource_version()) + " -> " +
             std::string(o->resource_version()) + ")";
    out() << "MODIFIED " << kind_ << " " << kube::object_key(*o) << " " << what;
  }

  void on_delete(const kube::informers::DeletedObject& d) override {
    if (const auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) {
      out() << "DELETED " << kind_ << " " << t->key << " (while the watch was down)";
      return;
    }
    out() << "DELETED " << kind_ << " " << kube::object_key(*std::get<kube::ObjectPtr>(d));
  }

 private:
  const std::string kind_;
  const std::vector<Field> fields_;
};

struct PollCost {
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;
};

// What one iteration of the old loop cost: a list of pods and a list of
// services, on a transport of its own so the informers' counts stay theirs.
kube::Result<PollCost> measure_one_poll(const kube::RestConfig& config, const std::string& ns) {
  auto transport = kube::Transport::create(config);
  if (!transport) return transport.error();
  kube::RestClient client(std::shared_ptr<kube::Transport>(std::move(*transport)));
  for (const char* resource : {"pods", "services"}) {
    if (auto r = client.list({{"", "v1", resource}, true}, ns); !r) return r.error();
  }
  auto s = client.transport().stats();
  return PollCost{s.requests_started, s.bytes_received};
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = kinformer::examples;
  ex::StopSignals stop;
  ex::CommonFlags flags;
  std::string ns;
  CLI::App app{
      "change_notifier: print pod and service changes as they happen (informers, not polling)"};
  ex::add_common_flags(app, flags);
  app.add_option("-n,--namespace", ns, "Only this namespace (default: all namespaces)");
  if (auto rc = ex::parse_flags(app, argc, argv)) return *rc;

  auto config = ex::load_config(flags);
  if (!config) {
    ex::err() << "change_notifier: " << config.error().message;
    return ex::kConfig;
  }
  out() << "using " << config->source << " (" << config->host << ")";
  auto poll = measure_one_poll(*config, ns);
  if (!poll) {
    ex::err() << "change_notifier: listing pods and services: " << poll.error().message;
    return ex::kFailure;
  }
  auto transport = kube::Transport::create(*config);
  if (!transport) {
    ex::err() << "change_notifier: " << transport.error().message;
    return ex::kConfig;
  }
  std::shared_ptr<kube::Transport> shared_transport(std::move(*transport));
  auto client = std::make_shared<kube::RestClient>(shared_transport);

  kube::informers::InformerFactoryOptions options;
  options.namespace_ = ns;
  kube::informers::SharedInformerFactory factory(client, options);
  auto pods = factory.pods();
  auto services = factory.services();
  pods.informer->add_event_handler(std::make_shared<ChangePrinter>("pod", pod_fields()));
  services.informer->add_event_handler(
      std::make_shared<ChangePrinter>("service", service_fields()));

  auto t0 = Clock::now();
  stop.start_clock(flags);
  factory.start();
  bool synced = false;
  std::optional<std::string> why;
  while (!synced && !(why = stop.poll(std::chrono::milliseconds(100)))) {
    synced = pods.informer->has_synced() && services.informer->has_synced();
  }
  if (synced) {
    out() << "synced " << pods.objects().list().size() << " pods and "
          << services.objects().list().size() << " services"
          << (ns.empty() ? "" : " in namespace " + ns) << "; watching for changes";
    why = stop.wait();
  } else {
    for (const kube::informers::ResourceInformer& inf :
         std::initializer_list<kube::informers::ResourceInformer>{pods, services}) {
      if (auto e = inf.informer->last_error()) {
        ex::err() << "change_notifier: " << inf.resource.gvr.resource
                  << " not synced: " << e->message;
      }
    }
  }
  factory.shutdown();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // The old loop polls at 0 s, 2 s, 4 s, ...: floor(T / 2) + 1 times in T seconds.
  auto polls = static_cast<std::uint64_t>(std::floor(seconds / kPollSeconds)) + 1;
  auto used = shared_transport->stats();
  out() << "stopping (" << *why << ") after " << std::fixed << std::setprecision(1) << seconds
        << " s";
  out() << "api usage: informers requests=" << used.requests_started
        << " bytes=" << used.bytes_received;
  out() << "api usage: polling every " << kPollSeconds
        << "s (estimated) requests=" << polls * poll->requests << " bytes=" << polls * poll->bytes
        << " (" << polls << " polls x " << poll->requests << " requests, " << poll->bytes
        << " bytes)";
  if (polls * poll->bytes > 0) {
    out() << "the informers used " << std::fixed << std::setprecision(0)
          << 100.0 * used.bytes_received / (polls * poll->bytes) << "% of the bytes and "
          << 100.0 * used.requests_started / (polls * poll->requests)
          << "% of the requests polling would have";
  }
  return synced ? ex::kOk : ex::kFailure;
}
