#include "tools/kinformer/workload.h"

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include <boost/json.hpp>

namespace kinformer::workload {
namespace {
namespace json = boost::json;

// The merge keys of the pod's lists that are maps (x-kubernetes-list-map-keys
// in the OpenAPI spec); lists not named here are atomic.
const std::map<std::string, std::vector<std::string>>& list_map_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"containers", {"name"}},     {"initContainers", {"name"}}, {"env", {"name"}},
      {"ports", {"containerPort", "protocol"}}, {"volumeMounts", {"mountPath"}},
      {"volumes", {"name"}},        {"conditions", {"type"}},      {"podIPs", {"ip"}},
      {"hostIPs", {"ip"}},          {"ownerReferences", {"uid"}}};
  return keys;
}

json::value field_set(const json::value& v, int depth);

// `width` hex digits derived from `seed` (stable uids and IDs for a name).
std::string hex(const std::string& seed, std::size_t width) {
  std::string out;
  std::uint64_t h = std::hash<std::string>{}(seed);
  while (out.size() < width) {
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    out += "0123456789abcdef"[h >> 60];
  }
  return out;
}

// Members sorted by name, as kube-apiserver serialises a field set.
json::object sorted(std::map<std::string, json::value> members) {
  json::object o;
  for (auto& [k, v] : members) o[k] = std::move(v);
  return o;
}

json::value member_set(const std::string& name, const json::value& v, int depth) {
  auto keys = list_map_keys().find(name);
  if (!v.is_array() || keys == list_map_keys().end()) return field_set(v, depth);
  std::map<std::string, json::value> items;
  if (name != "containers") items["."] = json::object{};  // kube-apiserver writes none for containers
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    json::object key;
    for (const auto& k : keys->second) {
      if (auto* kv = item.as_object().if_contains(k)) key[k] = *kv;
    }
    items["k:" + json::serialize(key)] = field_set(item, depth + 1);
  }
  return sorted(std::move(items));
}

// The object's own members (depth 0) and metadata, spec and status (depth 1)
// have no ".": they always exist.
json::value field_set(const json::value& v, int depth) {
  if (!v.is_object()) return json::object{};  // a scalar or an atomic list: a leaf
  std::map<std::string, json::value> members;
  if (depth >= 2) members["."] = json::object{};
  for (const auto& [k, child] : v.as_object()) {
    members["f:" + std::string(k)] = member_set(std::string(k), child, depth + 1);
  }
  return sorted(std::move(members));
}

}  // namespace

json::object fields_v1(const json::object& value) { return field_set(value, 0).as_object(); }

std::string pod_json(const PodShape& s) {
  json::object labels{{"app", s.app}, {"tier", s.tier}, {"pod-template-hash", "7d9f8c6b5"}};
  json::object annotations{{"kinformer.dev/generation", std::to_string(s.generation)}};
  if (s.padding > 0) annotations["kinformer.dev/padding"] = std::string(s.padding, 'p');
  json::array containers{
      json::object{{"name", "app"},
                   {"image", "registry.example.com/" + s.app + ":1.25.3"},
                   {"ports", json::array{json::object{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}}},
                   {"env", json::array{json::object{{"name", "LOG_LEVEL"}, {"value", "info"}},
                                       json::object{{"name", "POD_IP"},
                                                    {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "status.podIP"}}}}}}}},
                   {"resources", {{"limits", {{"memory", "256Mi"}}}, {"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}},
                   {"readinessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", "http"}, {"scheme", "HTTP"}}},
                                       {"periodSeconds", 5}, {"timeoutSeconds", 1}, {"successThreshold", 1}, {"failureThreshold", 3}}},
                   {"volumeMounts", json::array{json::object{{"name", "config"}, {"mountPath", "/etc/app"}},
                                                json::object{{"name", "kube-api-access"}, {"readOnly", true},
                                                             {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}}}},
                   {"terminationMessagePath", "/dev/termination-log"},
                   {"terminationMessagePolicy", "File"},
                   {"imagePullPolicy", "IfNotPresent"}},
      json::object{{"name", "log-shipper"},
                   {"image", "fluent/fluent-bit:2.2"},
                   {"resources", {{"requests", {{"cpu", "20m"}, {"memory", "32Mi"}}}}},
                   {"terminationMessagePath", "/dev/termination-log"},
                   {"terminationMessagePolicy", "File"},
                   {"imagePullPolicy", "IfNotPresent"}}};
  json::object pod{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", s.name}, {"namespace", s.namespace_}, {"labels", labels}, {"annotations", annotations}}},
      {"spec", {{"containers", containers},
                {"volumes", json::array{json::object{{"name", "config"}, {"configMap", {{"name", s.app + "-config"}, {"defaultMode", 420}}}},
                                        json::object{{"name", "kube-api-access"}, {"projected", {{"defaultMode", 420}, {"sources", json::array{json::object{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}}}}}}}}},
                {"nodeName", s.node},
                {"restartPolicy", "Always"},
                {"terminationGracePeriodSeconds", 30},
                {"dnsPolicy", "ClusterFirst"},
                {"serviceAccountName", "default"},
                {"schedulerName", "default-scheduler"},
                {"priority", 0},
                {"enableServiceLinks", true},
                {"preemptionPolicy", "PreemptLowerPriority"},
                {"tolerations", json::array{json::object{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}}}}}},
      {"status", {{"phase", s.phase},
                  {"hostIP", "172.18.0.2"},
                  {"podIP", "10.244.0.12"},
                  {"qosClass", "Burstable"},
                  {"startTime", "2026-11-24T12:27:54Z"},
                  {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2026-11-24T12:28:01Z"}},
                                             json::object{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", "2026-11-24T12:27:54Z"}}}}}}};
  if (s.live) {
    auto& meta = pod["metadata"].as_object();
    auto& status = pod["status"].as_object();
    std::string rs = s.app + "-7d9f8c6b5";
    meta["generateName"] = rs + "-";
    meta["ownerReferences"] = json::array{json::object{
        {"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", rs},
        {"uid", hex(rs, 8) + "-" + hex(rs + "1", 4) + "-4" + hex(rs + "2", 3) + "-a" + hex(rs + "3", 3) + "-" +
                    hex(rs + "4", 12)},
        {"controller", true}, {"blockOwnerDeletion", true}}};
    const std::string started = "2026-11-24T12:27:56Z";
    json::array conditions;
    for (const char* type : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
      conditions.push_back(json::object{{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr},
                                        {"lastTransitionTime", started}});
    }
    status["conditions"] = std::move(conditions);
    status["podIPs"] = json::array{json::object{{"ip", status["podIP"]}}};
    status["hostIPs"] = json::array{json::object{{"ip", status["hostIP"]}}};
    json::array statuses;
    for (const auto& c : pod["spec"].at("containers").as_array()) {
      std::string name(c.at("name").as_string());
      std::string image(c.at("image").as_string());
      statuses.push_back(json::object{
          {"name", name}, {"state", {{"running", {{"startedAt", started}}}}}, {"lastState", json::object{}},
          {"ready", true}, {"restartCount", 0}, {"image", image},
          {"imageID", image.substr(0, image.rfind(':')) + "@sha256:" + hex(image, 64)},
          {"containerID", "containerd://" + hex(s.name + "/" + name, 64)},
          {"started", true}});
    }
    status["containerStatuses"] = std::move(statuses);
    // kube-controller-manager created the pod (all but the status); kubelet
    // wrote the status through the status subresource.
    json::object created = pod;
    created.erase("status");
    created.erase("apiVersion");
    created.erase("kind");
    auto& created_meta = created["metadata"].as_object();
    created_meta.erase("name");
    created_meta.erase("namespace");
    json::object status_only{{"status", status}};
    auto status_fields = fields_v1(status_only);
    meta["managedFields"] = json::array{
        json::object{{"manager", "kube-controller-manager"}, {"operation", "Update"}, {"apiVersion", "v1"},
                     {"time", "2026-11-24T12:27:54Z"}, {"fieldsType", "FieldsV1"}, {"fieldsV1", fields_v1(created)}},
        json::object{{"manager", "kubelet"}, {"operation", "Update"}, {"apiVersion", "v1"}, {"time", started},
                     {"fieldsType", "FieldsV1"}, {"fieldsV1", std::move(status_fields)}, {"subresource", "status"}}};
  }
  return json::serialize(pod);
}

PodShape nth_pod(std::size_t i, const std::string& namespace_, std::size_t apps, std::size_t nodes) {
  static const char* tiers[] = {"frontend", "backend", "cache", "batch"};
  PodShape s;
  s.namespace_ = namespace_;
  s.app = "app-" + std::to_string(i % apps);
  s.tier = tiers[i % 4];
  s.node = "node-" + std::to_string(i % nodes);
  s.name = s.app + "-7d9f8c6b5-" + std::to_string(i);
  s.phase = i % 17 == 0 ? "Pending" : "Running";
  return s;
}

}  // namespace kinformer::workload
