#include "tools/kinformer/workload.h"

#include <boost/json.hpp>

namespace kinformer::workload {

std::string pod_json(const PodShape& s) {
  namespace json = boost::json;
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
