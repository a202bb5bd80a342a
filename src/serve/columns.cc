#include "tools/kinformer/columns.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "kube/core/selector.h"

namespace kinformer::cli {
namespace {

namespace json = boost::json;

constexpr const char* kNone = "<none>";

// ---- Reading the object's DOM (missing fields read as empty / zero) ----

const json::value* at(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (std::string_view key : path) {
    const json::object* o = cur->if_object();
    if (!o) return nullptr;
    cur = o->if_contains(key);
    if (!cur) return nullptr;
  }
  return cur;
}

std::string str(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* x = at(v, path);
  return x && x->is_string() ? std::string(x->get_string()) : std::string();
}

std::optional<std::int64_t> opt_int(const json::value& v,
                                    std::initializer_list<std::string_view> path) {
  const json::value* x = at(v, path);
  if (!x) return std::nullopt;
  if (x->is_int64()) return x->get_int64();
  if (x->is_uint64()) return static_cast<std::int64_t>(x->get_uint64());
  if (x->is_double()) return static_cast<std::int64_t>(x->get_double());
  return std::nullopt;
}

std::int64_t num(const json::value& v, std::initializer_list<std::string_view> path) {
  return opt_int(v, path).value_or(0);
}

bool flag(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* x = at(v, path);
  return x && x->is_bool() && x->get_bool();
}

const json::array& arr(const json::value& v, std::initializer_list<std::string_view> path) {
  static const json::array empty;
  const json::value* x = at(v, path);
  return x && x->is_array() ? x->get_array() : empty;
}

std::size_t size_of(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* x = at(v, path);
  if (x && x->is_object()) return x->get_object().size();
  return 0;
}

std::string join(const std::vector<std::string>& parts, const char* sep = ",") {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string or_none(std::string s) { return s.empty() ? kNone : s; }

std::string n(std::int64_t v) { return std::to_string(v); }

// labels.FormatLabels / labels.SelectorFromSet(...).String(): "a=b,c=d" sorted.
std::string format_map(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* x = at(v, path);
  if (!x || !x->is_object()) return kNone;
  std::map<std::string, std::string> sorted;
  for (const auto& [k, val] : x->get_object()) {
    sorted[std::string(k)] = val.is_string() ? std::string(val.get_string()) : json::serialize(val);
  }
  std::vector<std::string> parts;
  for (const auto& [k, val] : sorted) parts.push_back(k + "=" + val);
  return or_none(join(parts));
}

// metav1.LabelSelectorAsSelector(spec.selector).String().
std::string label_selector(const json::value& v) {
  const json::value* sel = at(v, {"spec", "selector"});
  if (!sel) return kNone;
  auto parsed = kube::LabelSelector::from_json(*sel);
  return parsed ? or_none(parsed->to_string()) : kNone;
}

// CONTAINERS and IMAGES of a pod template (layoutContainerCells).
void add_containers(Row& row, const json::value& v) {
  std::vector<std::string> names, images;
  for (const auto& c : arr(v, {"spec", "template", "spec", "containers"})) {
    names.push_back(str(c, {"name"}));
    images.push_back(str(c, {"image"}));
  }
  row.push_back(join(names));
  row.push_back(join(images));
}

// ---- Pods (printPod) ----

struct ContainerTally {
  int restarts = 0;
  std::optional<SysTime> last_restart;  // latest lastState.terminated.finishedAt
};

void tally_restart(ContainerTally& t, const json::value& status) {
  t.restarts += static_cast<int>(num(status, {"restartCount"}));
  if (auto fin = parse_timestamp(str(status, {"lastState", "terminated", "finishedAt"}))) {
    if (!t.last_restart || *fin > *t.last_restart) t.last_restart = fin;
  }
}

bool condition_true(const json::value& pod, std::string_view type) {
  for (const auto& c : arr(pod, {"status", "conditions"})) {
    if (str(c, {"type"}) == type) return str(c, {"status"}) == "True";
  }
  return false;
}

// The STATUS column: the phase, refined by init containers, containers and
// deletion, exactly in kubectl's order of precedence.
std::string pod_status(const json::value& pod, ContainerTally& tally, int& ready) {
  std::string reason = str(pod, {"status", "phase"});
  if (std::string r = str(pod, {"status", "reason"}); !r.empty()) reason = r;
  for (const auto& c : arr(pod, {"status", "conditions"})) {
    if (str(c, {"type"}) == "PodScheduled" && str(c, {"reason"}) == "SchedulingGated")
      reason = "SchedulingGated";
  }
  const json::array& init = arr(pod, {"status", "initContainerStatuses"});
  const std::size_t init_specs = arr(pod, {"spec", "initContainers"}).size();
  bool initializing = false;
  for (std::size_t i = 0; i < init.size(); ++i) {
    const json::value& c = init[i];
    tally_restart(tally, c);
    const json::value* terminated = at(c, {"state", "terminated"});
    std::string waiting = str(c, {"state", "waiting", "reason"});
    if (terminated && num(*terminated, {"exitCode"}) == 0) continue;
    if (terminated) {
      std::string r = str(*terminated, {"reason"});
      if (!r.empty()) {
        reason = "Init:" + r;
      } else if (std::int64_t sig = num(*terminated, {"signal"}); sig != 0) {
        reason = "Init:Signal:" + n(sig);
      } else {
        reason = "Init:ExitCode:" + n(num(*terminated, {"exitCode"}));
      }
    } else if (!waiting.empty() && waiting != "PodInitializing") {
      reason = "Init:" + waiting;
    } else {
      reason = "Init:" + n(static_cast<std::int64_t>(i)) + "/" +
               n(static_cast<std::int64_t>(init_specs));
    }
    initializing = true;
    break;
  }
  if (!initializing || condition_true(pod, "Initialized")) {
    tally = ContainerTally{};  // kubectl counts only the app containers' restarts from here
    bool has_running = false;
    const json::array& statuses = arr(pod, {"status", "containerStatuses"});
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json::value& c = *it;
      tally_restart(tally, c);
      std::string waiting = str(c, {"state", "waiting", "reason"});
      const json::value* terminated = at(c, {"state", "terminated"});
      if (!waiting.empty()) {
        reason = waiting;
      } else if (terminated && !str(*terminated, {"reason"}).empty()) {
        reason = str(*terminated, {"reason"});
      } else if (terminated) {
        std::int64_t sig = num(*terminated, {"signal"});
        reason = sig != 0 ? "Signal:" + n(sig) : "ExitCode:" + n(num(*terminated, {"exitCode"}));
      } else if (flag(c, {"ready"}) && at(c, {"state", "running"})) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running)
      reason = condition_true(pod, "Ready") ? "Running" : "NotReady";
  }
  if (!str(pod, {"metadata", "deletionTimestamp"}).empty()) {
    reason = str(pod, {"status", "reason"}) == "NodeLost" ? "Unknown" : "Terminating";
  }
  return reason;
}

Row pod_row(const json::value& pod, SysTime now, bool wide) {
  ContainerTally tally;
  int ready = 0;
  std::string status = pod_status(pod, tally, ready);
  std::string restarts = n(tally.restarts);
  if (tally.restarts != 0 && tally.last_restart) {
    restarts += " (" +
                human_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
                    now - *tally.last_restart)) +
                " ago)";
  }
  Row row{str(pod, {"metadata", "name"}),
          n(ready) + "/" + n(static_cast<std::int64_t>(arr(pod, {"spec", "containers"}).size())),
          status, restarts, age(str(pod, {"metadata", "creationTimestamp"}), now)};
  if (wide) {
    std::string ip;
    if (const json::array& ips = arr(pod, {"status", "podIPs"}); !ips.empty())
      ip = str(ips[0], {"ip"});
    if (ip.empty()) ip = str(pod, {"status", "podIP"});
    row.push_back(or_none(ip));
    row.push_back(or_none(str(pod, {"spec", "nodeName"})));
    row.push_back(or_none(str(pod, {"status", "nominatedNodeName"})));
    const json::array& gates = arr(pod, {"spec", "readinessGates"});
    if (gates.empty()) {
      row.push_back(kNone);
    } else {
      int true_gates = 0;
      for (const auto& g : gates)
        true_gates += condition_true(pod, str(g, {"conditionType"})) ? 1 : 0;
      row.push_back(n(true_gates) + "/" + n(static_cast<std::int64_t>(gates.size())));
    }
  }
  return row;
}

// ---- Workloads ----

std::string creation_age(const json::value& v, SysTime now) {
  return age(str(v, {"metadata", "creationTimestamp"}), now);
}

std::string name_of(const json::value& v) { return str(v, {"metadata", "name"}); }

// spec.replicas is defaulted to 1 by the API server.
std::int64_t desired_replicas(const json::value& v) {
  return opt_int(v, {"spec", "replicas"}).value_or(1);
}

Row deployment_row(const json::value& d, SysTime now, bool wide) {
  Row row{name_of(d), n(num(d, {"status", "readyReplicas"})) + "/" + n(desired_replicas(d)),
          n(num(d, {"status", "updatedReplicas"})), n(num(d, {"status", "availableReplicas"})),
          creation_age(d, now)};
  if (wide) {
    add_containers(row, d);
    row.push_back(label_selector(d));
  }
  return row;
}

Row replicaset_row(const json::value& r, SysTime now, bool wide) {
  Row row{name_of(r), n(desired_replicas(r)), n(num(r, {"status", "replicas"})),
          n(num(r, {"status", "readyReplicas"})), creation_age(r, now)};
  if (wide) {
    add_containers(row, r);
    row.push_back(label_selector(r));
  }
  return row;
}

Row statefulset_row(const json::value& s, SysTime now, bool wide) {
  Row row{name_of(s), n(num(s, {"status", "readyReplicas"})) + "/" + n(desired_replicas(s)),
          creation_age(s, now)};
  if (wide) add_containers(row, s);
  return row;
}

Row daemonset_row(const json::value& d, SysTime now, bool wide) {
  Row row{name_of(d),
          n(num(d, {"status", "desiredNumberScheduled"})),
          n(num(d, {"status", "currentNumberScheduled"})),
          n(num(d, {"status", "numberReady"})),
          n(num(d, {"status", "updatedNumberScheduled"})),
          n(num(d, {"status", "numberAvailable"})),
          format_map(d, {"spec", "template", "spec", "nodeSelector"}),
          creation_age(d, now)};
  if (wide) {
    add_containers(row, d);
    row.push_back(label_selector(d));
  }
  return row;
}

Row job_row(const json::value& j, SysTime now, bool wide) {
  std::int64_t succeeded = num(j, {"status", "succeeded"});
  std::string completions;
  if (auto c = opt_int(j, {"spec", "completions"})) {
    completions = n(succeeded) + "/" + n(*c);
  } else if (std::int64_t p = num(j, {"spec", "parallelism"}); p > 1) {
    completions = n(succeeded) + "/1 of " + n(p);
  } else {
    completions = n(succeeded) + "/1";
  }
  std::string duration;
  if (auto start = parse_timestamp(str(j, {"status", "startTime"}))) {
    auto end = parse_timestamp(str(j, {"status", "completionTime"})).value_or(now);
    duration = human_duration(std::chrono::duration_cast<std::chrono::milliseconds>(end - *start));
  }
  Row row{name_of(j), completions, duration, creation_age(j, now)};
  if (wide) {
    add_containers(row, j);
    row.push_back(label_selector(j));
  }
  return row;
}

// ---- Services (printService) ----

std::string load_balancer_ips(const json::value& svc, bool wide) {
  std::vector<std::string> out;
  for (const auto& ing : arr(svc, {"status", "loadBalancer", "ingress"})) {
    std::string ip = str(ing, {"ip"});
    out.push_back(!ip.empty() ? ip : str(ing, {"hostname"}));
  }
  std::string s = join(out);
  if (!wide && s.size() > 16) s = s.substr(0, 13) + "...";  // kubectl's loadBalancerWidth
  return s;
}

std::string external_ip(const json::value& svc, bool wide) {
  std::string type = str(svc, {"spec", "type"});
  if (type.empty()) type = "ClusterIP";
  std::vector<std::string> external;
  for (const auto& ip : arr(svc, {"spec", "externalIPs"})) {
    if (ip.is_string()) external.emplace_back(ip.get_string());
  }
  if (type == "ClusterIP" || type == "NodePort") return external.empty() ? kNone : join(external);
  if (type == "LoadBalancer") {
    std::string lb = load_balancer_ips(svc, wide);
    if (!external.empty()) return lb.empty() ? join(external) : lb + "," + join(external);
    return lb.empty() ? "<pending>" : lb;
  }
  if (type == "ExternalName") return str(svc, {"spec", "externalName"});
  return "<unknown>";
}

std::string ports(const json::value& svc) {
  std::vector<std::string> out;
  for (const auto& p : arr(svc, {"spec", "ports"})) {
    std::string protocol = str(p, {"protocol"});
    if (protocol.empty()) protocol = "TCP";
    std::string s = n(num(p, {"port"}));
    if (std::int64_t node_port = num(p, {"nodePort"}); node_port != 0) s += ":" + n(node_port);
    out.push_back(s + "/" + protocol);
  }
  return or_none(join(out));
}

Row service_row(const json::value& svc, SysTime now, bool wide) {
  std::string type = str(svc, {"spec", "type"});
  Row row{name_of(svc),
          type.empty() ? "ClusterIP" : type,
          or_none(str(svc, {"spec", "clusterIP"})),
          external_ip(svc, wide),
          ports(svc),
          creation_age(svc, now)};
  if (wide) row.push_back(format_map(svc, {"spec", "selector"}));
  return row;
}

// ---- Cluster objects ----

std::string node_roles(const json::value& node) {
  std::set<std::string> roles;
  if (const json::value* labels = at(node, {"metadata", "labels"}); labels && labels->is_object()) {
    for (const auto& [k, v] : labels->get_object()) {
      std::string_view key = k;
      constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
      if (key.starts_with(kPrefix) && key.size() > kPrefix.size()) {
        roles.emplace(key.substr(kPrefix.size()));
      } else if (key == "kubernetes.io/role" && v.is_string() && !v.get_string().empty()) {
        roles.emplace(v.get_string());
      }
    }
  }
  return or_none(join(std::vector<std::string>(roles.begin(), roles.end())));
}

std::string node_address(const json::value& node, std::string_view type) {
  for (const auto& a : arr(node, {"status", "addresses"})) {
    if (str(a, {"type"}) == type) return str(a, {"address"});
  }
  return kNone;
}

Row node_row(const json::value& node, SysTime now, bool wide) {
  std::vector<std::string> status;
  for (const auto& c : arr(node, {"status", "conditions"})) {
    if (str(c, {"type"}) == "Ready")
      status.push_back(str(c, {"status"}) == "True" ? "Ready" : "NotReady");
  }
  if (status.empty()) status.push_back("Unknown");
  if (flag(node, {"spec", "unschedulable"})) status.push_back("SchedulingDisabled");
  Row row{name_of(node), join(status), node_roles(node), creation_age(node, now),
          str(node, {"status", "nodeInfo", "kubeletVersion"})};
  if (wide) {
    auto unknown = [](std::string s) { return s.empty() ? std::string("<unknown>") : s; };
    row.push_back(node_address(node, "InternalIP"));
    row.push_back(node_address(node, "ExternalIP"));
    row.push_back(unknown(str(node, {"status", "nodeInfo", "osImage"})));
    row.push_back(unknown(str(node, {"status", "nodeInfo", "kernelVersion"})));
    row.push_back(unknown(str(node, {"status", "nodeInfo", "containerRuntimeVersion"})));
  }
  return row;
}

Row namespace_row(const json::value& ns, SysTime now, bool) {
  return {name_of(ns), str(ns, {"status", "phase"}), creation_age(ns, now)};
}

Row configmap_row(const json::value& cm, SysTime now, bool) {
  return {name_of(cm),
          n(static_cast<std::int64_t>(size_of(cm, {"data"}) + size_of(cm, {"binaryData"}))),
          creation_age(cm, now)};
}

Row secret_row(const json::value& s, SysTime now, bool) {
  return {name_of(s), str(s, {"type"}), n(static_cast<std::int64_t>(size_of(s, {"data"}))),
          creation_age(s, now)};
}

// ---- The table of kinds ----

using RowFn = Row (*)(const json::value&, SysTime, bool);

struct KindColumns {
  std::string_view group;
  std::string_view resource;
  std::initializer_list<const char*> headers;
  std::initializer_list<const char*> wide_headers;
  RowFn row;
};

const KindColumns kKinds[] = {
    {"",
     "pods",
     {"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
     {"IP", "NODE", "NOMINATED NODE", "READINESS GATES"},
     pod_row},
    {"apps",
     "deployments",
     {"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
     {"CONTAINERS", "IMAGES", "SELECTOR"},
     deployment_row},
    {"apps",
     "replicasets",
     {"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
     {"CONTAINERS", "IMAGES", "SELECTOR"},
     replicaset_row},
    {"apps", "statefulsets", {"NAME", "READY", "AGE"}, {"CONTAINERS", "IMAGES"}, statefulset_row},
    {"apps",
     "daemonsets",
     {"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"},
     {"CONTAINERS", "IMAGES", "SELECTOR"},
     daemonset_row},
    {"batch",
     "jobs",
     {"NAME", "COMPLETIONS", "DURATION", "AGE"},
     {"CONTAINERS", "IMAGES", "SELECTOR"},
     job_row},
    {"",
     "services",
     {"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
     {"SELECTOR"},
     service_row},
    {"",
     "nodes",
     {"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
     {"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"},
     node_row},
    {"", "namespaces", {"NAME", "STATUS", "AGE"}, {}, namespace_row},
    {"", "configmaps", {"NAME", "DATA", "AGE"}, {}, configmap_row},
    {"", "secrets", {"NAME", "TYPE", "DATA", "AGE"}, {}, secret_row},
};

}  // namespace

Columns columns_for(std::string_view group, std::string_view resource, bool wide) {
  for (const KindColumns& k : kKinds) {
    if (k.group != group || k.resource != resource) continue;
    Columns c;
    c.headers.assign(k.headers.begin(), k.headers.end());
    if (wide) c.headers.insert(c.headers.end(), k.wide_headers.begin(), k.wide_headers.end());
    RowFn fn = k.row;
    c.cells = [fn, wide](const kube::Object& obj, SysTime now) {
      return fn(obj.to_value(), now, wide);
    };
    return c;
  }
  return Columns{{"NAME", "AGE"}, [](const kube::Object& obj, SysTime now) {
                   return Row{std::string(obj.name()), age(obj.creation_timestamp(), now)};
                 }};
}

}  // namespace kinformer::cli
