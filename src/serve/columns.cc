#include "kube/serve/columns.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "kube/core/selector.h"
#include "kube/core/timestamp.h"

namespace kube::serve {
namespace {

namespace json = boost::json;

using Cells = std::vector<TableCell>;

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
  auto parsed = LabelSelector::from_json(*sel);
  return parsed ? or_none(parsed->to_string()) : kNone;
}

// CONTAINERS and IMAGES of a pod template (layoutContainerCells).
void add_containers(Cells& row, const json::value& v) {
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

Cells pod_row(const json::value& pod, SysTime now, bool wide) {
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
  Cells row{str(pod, {"metadata", "name"}),
            n(ready) + "/" + n(static_cast<std::int64_t>(arr(pod, {"spec", "containers"}).size())),
            status, restarts,
            translate_timestamp_since(str(pod, {"metadata", "creationTimestamp"}), now)};
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
  return translate_timestamp_since(str(v, {"metadata", "creationTimestamp"}), now);
}

std::string name_of(const json::value& v) { return str(v, {"metadata", "name"}); }

// spec.replicas is defaulted to 1 by the API server.
std::int64_t desired_replicas(const json::value& v) {
  return opt_int(v, {"spec", "replicas"}).value_or(1);
}

Cells deployment_row(const json::value& d, SysTime now, bool wide) {
  Cells row{name_of(d), n(num(d, {"status", "readyReplicas"})) + "/" + n(desired_replicas(d)),
            num(d, {"status", "updatedReplicas"}), num(d, {"status", "availableReplicas"}),
            creation_age(d, now)};
  if (wide) {
    add_containers(row, d);
    row.push_back(label_selector(d));
  }
  return row;
}

Cells replicaset_row(const json::value& r, SysTime now, bool wide) {
  Cells row{name_of(r), desired_replicas(r), num(r, {"status", "replicas"}),
            num(r, {"status", "readyReplicas"}), creation_age(r, now)};
  if (wide) {
    add_containers(row, r);
    row.push_back(label_selector(r));
  }
  return row;
}

Cells statefulset_row(const json::value& s, SysTime now, bool wide) {
  Cells row{name_of(s), n(num(s, {"status", "readyReplicas"})) + "/" + n(desired_replicas(s)),
            creation_age(s, now)};
  if (wide) add_containers(row, s);
  return row;
}

Cells daemonset_row(const json::value& d, SysTime now, bool wide) {
  Cells row{name_of(d),
            num(d, {"status", "desiredNumberScheduled"}),
            num(d, {"status", "currentNumberScheduled"}),
            num(d, {"status", "numberReady"}),
            num(d, {"status", "updatedNumberScheduled"}),
            num(d, {"status", "numberAvailable"}),
            format_map(d, {"spec", "template", "spec", "nodeSelector"}),
            creation_age(d, now)};
  if (wide) {
    add_containers(row, d);
    row.push_back(label_selector(d));
  }
  return row;
}

Cells job_row(const json::value& j, SysTime now, bool wide) {
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
  Cells row{name_of(j), completions, duration, creation_age(j, now)};
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

Cells service_row(const json::value& svc, SysTime now, bool wide) {
  std::string type = str(svc, {"spec", "type"});
  Cells row{name_of(svc),
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

Cells node_row(const json::value& node, SysTime now, bool wide) {
  std::vector<std::string> status;
  for (const auto& c : arr(node, {"status", "conditions"})) {
    if (str(c, {"type"}) == "Ready")
      status.push_back(str(c, {"status"}) == "True" ? "Ready" : "NotReady");
  }
  if (status.empty()) status.push_back("Unknown");
  if (flag(node, {"spec", "unschedulable"})) status.push_back("SchedulingDisabled");
  Cells row{name_of(node), join(status), node_roles(node), creation_age(node, now),
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

Cells namespace_row(const json::value& ns, SysTime now, bool) {
  return {name_of(ns), str(ns, {"status", "phase"}), creation_age(ns, now)};
}

Cells configmap_row(const json::value& cm, SysTime now, bool) {
  return {name_of(cm),
          static_cast<std::int64_t>(size_of(cm, {"data"}) + size_of(cm, {"binaryData"})),
          creation_age(cm, now)};
}

Cells secret_row(const json::value& s, SysTime now, bool) {
  return {name_of(s), str(s, {"type"}), static_cast<std::int64_t>(size_of(s, {"data"})),
          creation_age(s, now)};
}

// ---- The table of kinds ----

// Descriptions as the printers take them (the API types' field docs, v1.28).
constexpr std::string_view kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
constexpr std::string_view kCreationDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";
constexpr std::string_view kContainersDoc = "Names of each container in the template.";
constexpr std::string_view kImagesDoc = "Images referenced by each container in the template.";
constexpr std::string_view kReadyPodsDoc = "Number of the pod with ready state";
constexpr std::string_view kNodeAddressesDoc =
    "List of addresses reachable to the node. Queried from cloud provider, "
    "if available. More info: "
    "https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This "
    "field is declared as mergeable, but the merge key is not sufficiently "
    "unique, which can cause data corruption when it is merged. Callers "
    "should instead use a full-replacement patch. See "
    "https://pr.k8s.io/79391 for an example. Consumers should assume that "
    "addresses can change during the lifetime of a Node. However, there are "
    "some exceptions where this may not be possible, such as Pods that "
    "inherit a Node's address in its own status or consumers of the "
    "downward API (status.hostIP).";

constexpr TableColumn name_column() { return {"Name", "string", "name", kNameDoc, 0}; }
constexpr TableColumn age_column() { return {"Age", "string", "", kCreationDoc, 0}; }
constexpr TableColumn str_column(std::string_view name, std::string_view doc, int priority = 0) {
  return {name, "string", "", doc, priority};
}
constexpr TableColumn int_column(std::string_view name, std::string_view doc) {
  return {name, "integer", "", doc, 0};
}

template <Cells (*Fn)(const json::value&, SysTime, bool)>
std::vector<TableCell> cells_of(const Object& obj, SysTime now, bool wide) {
  return Fn(obj.to_value(), now, wide);
}

struct Kind {
  std::string_view group;
  std::string_view resource;
  TableColumns columns;
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> all = {
      {"",
       "pods",
       {{name_column(),
         str_column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
         str_column("Status", "The aggregate status of the containers in this pod."),
         str_column("Restarts",
                    "The number of times the containers in this pod have been restarted and when "
                    "the last container in this pod has restarted."),
         age_column(),
         str_column("IP",
                    "podIP address allocated to the pod. Routable at least within the cluster. "
                    "Empty if not yet allocated.",
                    1),
         str_column("Node",
                    "NodeName is a request to schedule this pod onto a specific node. If it is "
                    "non-empty, the scheduler simply schedules this pod onto that node, assuming "
                    "that it fits resource requirements.",
                    1),
         str_column(
             "Nominated Node",
             "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
             "cannot be scheduled right away as preemption victims receive their graceful "
             "termination periods. This field does not guarantee that the pod will be scheduled "
             "on this node. Scheduler may decide to place the pod elsewhere if other nodes become "
             "available sooner. Scheduler may also decide to give the resources on this node to a "
             "higher priority pod that is created after preemption. As a result, this field may "
             "be different than PodSpec.nodeName when the pod is scheduled.",
             1),
         str_column("Readiness Gates",
                    "If specified, all readiness gates will be evaluated for pod readiness. A pod "
                    "is ready when all its containers are ready AND all conditions specified in "
                    "the readiness gates have status equal to \"True\" More info: "
                    "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
                    1)},
        cells_of<pod_row>}},
      {"apps",
       "deployments",
       {{name_column(), str_column("Ready", kReadyPodsDoc),
         str_column("Up-to-date",
                    "Total number of non-terminated pods targeted by this deployment that have "
                    "the desired template spec."),
         str_column("Available",
                    "Total number of available pods (ready for at least minReadySeconds) "
                    "targeted by this deployment."),
         age_column(), str_column("Containers", kContainersDoc, 1),
         str_column("Images", kImagesDoc, 1),
         str_column("Selector",
                    "Label selector for pods. Existing ReplicaSets whose pods are selected by "
                    "this will be the ones affected by this deployment. It must match the pod "
                    "template's labels.",
                    1)},
        cells_of<deployment_row>}},
      {"apps",
       "replicasets",
       {{name_column(),
         int_column("Desired",
                    "Replicas is the number of desired replicas. This is a pointer to distinguish "
                    "between explicit zero and unspecified. Defaults to 1. More info: "
                    "https://kubernetes.io/docs/concepts/workloads/controllers/"
                    "replicationcontroller/#what-is-a-replicationcontroller"),
         int_column("Current",
                    "Replicas is the most recently observed number of replicas. More info: "
                    "https://kubernetes.io/docs/concepts/workloads/controllers/"
                    "replicationcontroller/#what-is-a-replicationcontroller"),
         int_column("Ready",
                    "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready "
                    "Condition."),
         age_column(), str_column("Containers", kContainersDoc, 1),
         str_column("Images", kImagesDoc, 1),
         str_column("Selector",
                    "Selector is a label query over pods that should match the replica count. "
                    "Label keys and values that must match in order to be controlled by this "
                    "replica set. It must match the pod template's labels. More info: "
                    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                    "#label-selectors",
                    1)},
        cells_of<replicaset_row>}},
      {"apps",
       "statefulsets",
       {{name_column(), str_column("Ready", kReadyPodsDoc), age_column(),
         str_column("Containers", kContainersDoc, 1), str_column("Images", kImagesDoc, 1)},
        cells_of<statefulset_row>}},
      {"apps",
       "daemonsets",
       {{name_column(),
         int_column("Desired",
                    "The total number of nodes that should be running the daemon pod (including "
                    "nodes correctly running the daemon pod). More info: "
                    "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
         int_column("Current",
                    "The number of nodes that are running at least 1 daemon pod and are supposed "
                    "to run the daemon pod. More info: "
                    "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
         int_column("Ready",
                    "numberReady is the number of nodes that should be running the daemon pod "
                    "and have one or more of the daemon pod running with a Ready Condition."),
         int_column("Up-to-date", "The total number of nodes that are running updated daemon pod"),
         int_column("Available",
                    "The number of nodes that should be running the daemon pod and have one or "
                    "more of the daemon pod running and available (ready for at least "
                    "spec.minReadySeconds)"),
         str_column("Node Selector",
                    "NodeSelector is a selector which must be true for the pod to fit on a node. "
                    "Selector which must match a node's labels for the pod to be scheduled on "
                    "that node. More info: "
                    "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
         age_column(), str_column("Containers", kContainersDoc, 1),
         str_column("Images", kImagesDoc, 1),
         str_column("Selector",
                    "A label query over pods that are managed by the daemon set. Must match in "
                    "order to be controlled. It must match the pod template's labels. More info: "
                    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                    "#label-selectors",
                    1)},
        cells_of<daemonset_row>}},
      {"batch",
       "jobs",
       {{name_column(),
         str_column("Completions", "The number of pods which reached phase Succeeded."),
         str_column("Duration", "Time required to complete the job."), age_column(),
         str_column("Containers", kContainersDoc, 1), str_column("Images", kImagesDoc, 1),
         str_column("Selector",
                    "A label query over pods that should match the pod count. Normally, the "
                    "system sets this field for you. More info: "
                    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                    "#label-selectors",
                    1)},
        cells_of<job_row>}},
      {"",
       "services",
       {{name_column(),
         str_column(
             "Type",
             "type determines how the Service is exposed. Defaults to ClusterIP. Valid options "
             "are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
             "cluster-internal IP address for load-balancing to endpoints. Endpoints are "
             "determined by the selector or if that is not specified, by manual construction of "
             "an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual "
             "IP is allocated and the endpoints are published as a set of endpoints rather than a "
             "virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node "
             "which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on "
             "NodePort and creates an external load-balancer (if supported in the current cloud) "
             "which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this "
             "service to the specified externalName. Several other fields do not apply to "
             "ExternalName services. More info: "
             "https://kubernetes.io/docs/concepts/services-networking/service/"
             "#publishing-services-service-types"),
         str_column("Cluster-IP",
                    "clusterIP is the IP address of the service and is usually assigned "
                    "randomly. If an address is specified manually, is in-range (as per "
                    "system configuration), and is not in use, it will be allocated to the "
                    "service; otherwise creation of the service will fail. This field may "
                    "not be changed through updates unless the type field is also being "
                    "changed to ExternalName (which requires this field to be blank) or the "
                    "type field is being changed from ExternalName (in which case this "
                    "field may optionally be specified, as describe above).  Valid values "
                    "are \"None\", empty string (\"\"), or a valid IP address. Setting this to "
                    "\"None\" makes a \"headless service\" (no virtual IP), which is useful "
                    "when direct endpoint connections are preferred and proxying is not "
                    "required.  Only applies to types ClusterIP, NodePort, and "
                    "LoadBalancer. If this field is specified when creating a Service of "
                    "type ExternalName, creation will fail. This field will be wiped when "
                    "updating a Service to type ExternalName. More info: "
                    "https://kubernetes.io/docs/concepts/services-networking/service/"
                    "#virtual-ips-and-service-proxies"),
         str_column("External-IP",
                    "externalIPs is a list of IP addresses for which nodes in the cluster will "
                    "also accept traffic for this service.  These IPs are not managed by "
                    "Kubernetes.  The user is responsible for ensuring that traffic arrives at a "
                    "node with this IP.  A common example is external load-balancers that are "
                    "not part of the Kubernetes system."),
         str_column("Port(s)",
                    "The list of ports that are exposed by this service. More info: "
                    "https://kubernetes.io/docs/concepts/services-networking/service/"
                    "#virtual-ips-and-service-proxies"),
         age_column(),
         str_column("Selector",
                    "Route service traffic to pods with label keys and values matching this "
                    "selector. If empty or not present, the service is assumed to have an "
                    "external process managing its endpoints, which Kubernetes will not modify. "
                    "Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type "
                    "is ExternalName. More info: "
                    "https://kubernetes.io/docs/concepts/services-networking/service/",
                    1)},
        cells_of<service_row>}},
      {"",
       "nodes",
       {{name_column(), str_column("Status", "The status of the node"),
         str_column("Roles", "The roles of the node"), age_column(),
         str_column("Version", "Kubelet Version reported by the node."),
         str_column("Internal-IP", kNodeAddressesDoc, 1),
         str_column("External-IP", kNodeAddressesDoc, 1),
         str_column("OS-Image",
                    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
                    "(wheezy)).",
                    1),
         str_column("Kernel-Version",
                    "Kernel Version reported by the node from 'uname -r' (e.g. "
                    "3.16.0-0.bpo.4-amd64).",
                    1),
         str_column("Container-Runtime",
                    "ContainerRuntime Version reported by the node through runtime remote API "
                    "(e.g. containerd://1.4.2).",
                    1)},
        cells_of<node_row>}},
      {"",
       "namespaces",
       {{name_column(), str_column("Status", "The status of the namespace"), age_column()},
        cells_of<namespace_row>}},
      {"",
       "configmaps",
       {{name_column(),
         str_column("Data",
                    "Data contains the configuration data. Each key must consist of alphanumeric "
                    "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use "
                    "the BinaryData field. The keys stored in Data must not overlap with the keys "
                    "in the BinaryData field, this is enforced during validation process."),
         age_column()},
        cells_of<configmap_row>}},
      {"",
       "secrets",
       {{name_column(),
         str_column("Type",
                    "Used to facilitate programmatic handling of secret data. More info: "
                    "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
         str_column("Data",
                    "Data contains the secret data. Each key must consist of alphanumeric "
                    "characters, '-', '_' or '.'. The serialized form of the secret data is a "
                    "base64 encoded string, representing the arbitrary (possibly non-string) "
                    "data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
         age_column()},
        cells_of<secret_row>}},
  };
  return all;
}

std::vector<TableCell> default_cells(const Object& obj, SysTime, bool) {
  // metav1.Time of an absent timestamp formats as Go's zero time.
  auto created = parse_timestamp(obj.creation_timestamp());
  return {std::string(obj.name()),
          created ? format_timestamp(*created) : std::string("0001-01-01T00:00:00Z")};
}

}  // namespace

std::string cell_text(const TableCell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  return std::to_string(std::get<std::int64_t>(cell));
}

const TableColumns* table_columns_for(std::string_view group, std::string_view resource) {
  for (const Kind& k : kinds()) {
    if (k.group == group && k.resource == resource) return &k.columns;
  }
  return nullptr;
}

const TableColumns& default_table_columns() {
  static const TableColumns columns{
      {name_column(), TableColumn{"Created At", "date", "", kCreationDoc, 0}}, default_cells};
  return columns;
}

}  // namespace kube::serve
