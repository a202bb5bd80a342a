// Each kind's cells are what kubectl get prints for the same object
// (k8s.io/kubernetes pkg/printers/internalversion, v1.28).
#include "tools/kinformer/columns.h"

#include <gtest/gtest.h>

namespace kinformer::cli {
namespace {

const SysTime kNow = *parse_timestamp("2026-11-26T12:00:00Z");

kube::ObjectPtr obj(const std::string& json) {
  auto o = kube::Object::parse(json);
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

Row cells(std::string_view group, std::string_view resource, const std::string& json,
          bool wide = false) {
  return columns_for(group, resource, wide).cells(*obj(json), kNow);
}

TEST(PodColumns, HeadersAndWideHeaders) {
  EXPECT_EQ(columns_for("", "pods", false).headers,
            (Row{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}));
  EXPECT_EQ(columns_for("", "pods", true).headers,
            (Row{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
                 "READINESS GATES"}));
}

TEST(PodColumns, RunningPodCountsReadyContainers) {
  auto r =
      cells("", "pods",
            R"({"kind":"Pod","metadata":{"name":"web","creationTimestamp":"2026-11-26T11:55:00Z"},
      "spec":{"containers":[{"name":"a"},{"name":"b"}],"nodeName":"node-1"},
      "status":{"phase":"Running","podIP":"10.0.0.7","containerStatuses":[
        {"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
        {"name":"b","ready":false,"restartCount":0,"state":{"running":{}}}]}})",
            true);
  EXPECT_EQ(r, (Row{"web", "1/2", "Running", "0", "5m", "10.0.0.7", "node-1", "<none>", "<none>"}));
}

TEST(PodColumns, WaitingReasonWinsAndRestartsShowWhenTheLastOneWas) {
  auto r =
      cells("", "pods", R"({"metadata":{"name":"crash","creationTimestamp":"2026-11-24T12:00:00Z"},
      "spec":{"containers":[{"name":"a"}]},
      "status":{"phase":"Running","containerStatuses":[{"name":"a","ready":false,"restartCount":7,
        "state":{"waiting":{"reason":"CrashLoopBackOff"}},
        "lastState":{"terminated":{"exitCode":1,"finishedAt":"2026-11-26T11:57:00Z"}}}]}})");
  EXPECT_EQ(r, (Row{"crash", "0/1", "CrashLoopBackOff", "7 (3m ago)", "2d"}));
}

TEST(PodColumns, InitContainersShowProgressOrTheirFailure) {
  auto pending =
      cells("", "pods",
            R"({"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],
      "containers":[{"name":"a"}]},"status":{"phase":"Pending","initContainerStatuses":[
        {"name":"i1","state":{"terminated":{"exitCode":0}}},{"name":"i2","state":{"running":{}}}]}})");
  EXPECT_EQ(pending[2], "Init:1/2");
  auto failed =
      cells("", "pods", R"({"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"}],
      "containers":[{"name":"a"}]},"status":{"phase":"Pending","initContainerStatuses":[
        {"name":"i1","restartCount":2,"state":{"terminated":{"exitCode":3}}}]}})");
  EXPECT_EQ(failed[2], "Init:ExitCode:3");
  EXPECT_EQ(failed[3], "2");
  auto waiting =
      cells("", "pods", R"({"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"}],
      "containers":[{"name":"a"}]},"status":{"phase":"Pending","initContainerStatuses":[
        {"name":"i1","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}})");
  EXPECT_EQ(waiting[2], "Init:ImagePullBackOff");
}

TEST(PodColumns, CompletedTerminatingAndUnknownAge) {
  auto done = cells("", "pods", R"({"metadata":{"name":"j"},"spec":{"containers":[{"name":"a"}]},
      "status":{"phase":"Succeeded","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})");
  EXPECT_EQ(done, (Row{"j", "0/1", "Completed", "0", "<unknown>"}));
  auto deleting =
      cells("", "pods", R"({"metadata":{"name":"d","deletionTimestamp":"2026-11-26T11:59:00Z"},
      "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}})");
  EXPECT_EQ(deleting[2], "Terminating");
  auto lost =
      cells("", "pods", R"({"metadata":{"name":"d","deletionTimestamp":"2026-11-26T11:59:00Z"},
      "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running","reason":"NodeLost"}})");
  EXPECT_EQ(lost[2], "Unknown");
}

TEST(PodColumns, ReadinessGatesCountTrueConditions) {
  auto r = cells("", "pods", R"({"metadata":{"name":"g"},"spec":{"containers":[],
      "readinessGates":[{"conditionType":"x/ok"},{"conditionType":"x/lb"}]},
      "status":{"conditions":[{"type":"x/ok","status":"True"},{"type":"x/lb","status":"False"}]}})",
                 true);
  EXPECT_EQ(r.back(), "1/2");
}

TEST(DeploymentColumns, ReadyIsReadyOverDesired) {
  std::string d = R"({"metadata":{"name":"api","creationTimestamp":"2026-11-26T09:00:00Z"},
      "spec":{"replicas":3,"selector":{"matchLabels":{"app":"api"}},
        "template":{"spec":{"containers":[{"name":"api","image":"api:1"},{"name":"proxy","image":"envoy:1.28"}]}}},
      "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})";
  EXPECT_EQ(columns_for("apps", "deployments", false).headers,
            (Row{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}));
  EXPECT_EQ(cells("apps", "deployments", d), (Row{"api", "2/3", "3", "2", "3h"}));
  EXPECT_EQ(cells("apps", "deployments", d, true),
            (Row{"api", "2/3", "3", "2", "3h", "api,proxy", "api:1,envoy:1.28", "app=api"}));
}

TEST(WorkloadColumns, ReplicaSetStatefulSetDaemonSet) {
  EXPECT_EQ(cells("apps", "replicasets", R"({"metadata":{"name":"rs"},"spec":{"replicas":2},
      "status":{"replicas":2,"readyReplicas":1}})"),
            (Row{"rs", "2", "2", "1", "<unknown>"}));
  EXPECT_EQ(
      cells("apps", "statefulsets", R"({"metadata":{"name":"db"},"status":{"readyReplicas":1}})"),
      (Row{"db", "1/1", "<unknown>"}));  // spec.replicas defaults to 1
  EXPECT_EQ(cells("apps", "daemonsets", R"({"metadata":{"name":"agent"},
      "spec":{"template":{"spec":{"nodeSelector":{"os":"linux","arch":"amd64"}}}},
      "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,
                "updatedNumberScheduled":3,"numberAvailable":2}})"),
            (Row{"agent", "3", "3", "2", "3", "2", "arch=amd64,os=linux", "<unknown>"}));
}

TEST(JobColumns, CompletionsAndDuration) {
  EXPECT_EQ(cells("batch", "jobs", R"({"metadata":{"name":"j"},"spec":{"completions":3},
      "status":{"succeeded":1,"startTime":"2026-11-26T11:00:00Z"}})"),
            (Row{"j", "1/3", "60m", "<unknown>"}));
  EXPECT_EQ(cells("batch", "jobs", R"({"metadata":{"name":"j"},"spec":{"parallelism":4},
      "status":{"succeeded":0,"startTime":"2026-11-26T11:00:00Z","completionTime":"2026-11-26T11:00:42Z"}})"),
            (Row{"j", "0/1 of 4", "42s", "<unknown>"}));
  EXPECT_EQ(cells("batch", "jobs", R"({"metadata":{"name":"j"},"spec":{}})")[1], "0/1");
}

TEST(ServiceColumns, TypesExternalIpsAndPorts) {
  EXPECT_EQ(columns_for("", "services", false).headers,
            (Row{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}));
  EXPECT_EQ(
      cells("", "services", R"({"metadata":{"name":"web"},"spec":{"clusterIP":"10.96.0.10",
      "ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}],"selector":{"app":"web"}}})",
            true),
      (Row{"web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "<unknown>", "app=web"}));
  EXPECT_EQ(
      cells("", "services",
            R"({"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","clusterIP":"10.96.0.11",
      "ports":[{"port":443,"nodePort":30443,"protocol":"TCP"}]}})"),
      (Row{"lb", "LoadBalancer", "10.96.0.11", "<pending>", "443:30443/TCP", "<unknown>"}));
  EXPECT_EQ(
      cells("", "services",
            R"({"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","clusterIP":"10.96.0.11"},
      "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}}})")[3],
      "203.0.113.7");
  EXPECT_EQ(cells("", "services", R"({"metadata":{"name":"ext"},"spec":{"type":"ExternalName",
      "externalName":"db.example.com"}})")[3],
            "db.example.com");
}

TEST(NodeColumns, StatusRolesVersion) {
  std::string n = R"({"metadata":{"name":"cp","creationTimestamp":"2026-11-01T12:00:00Z",
      "labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"master"}},
      "spec":{"unschedulable":true},
      "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
        "addresses":[{"type":"InternalIP","address":"172.18.0.2"}],
        "nodeInfo":{"kubeletVersion":"v1.28.0","osImage":"Debian 12","kernelVersion":"6.1.0",
                    "containerRuntimeVersion":"containerd://1.7.1"}}})";
  EXPECT_EQ(cells("", "nodes", n),
            (Row{"cp", "Ready,SchedulingDisabled", "control-plane,master", "25d", "v1.28.0"}));
  EXPECT_EQ(cells("", "nodes", n, true),
            (Row{"cp", "Ready,SchedulingDisabled", "control-plane,master", "25d", "v1.28.0",
                 "172.18.0.2", "<none>", "Debian 12", "6.1.0", "containerd://1.7.1"}));
  EXPECT_EQ(
      cells(
          "", "nodes",
          R"({"metadata":{"name":"w"},"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})")
          [1],
      "NotReady");
  EXPECT_EQ(cells("", "nodes", R"({"metadata":{"name":"w"}})")[1], "Unknown");
}

TEST(SmallKinds, NamespacesConfigMapsSecrets) {
  EXPECT_EQ(cells("", "namespaces", R"({"metadata":{"name":"demo"},"status":{"phase":"Active"}})"),
            (Row{"demo", "Active", "<unknown>"}));
  EXPECT_EQ(
      cells("", "configmaps",
            R"({"metadata":{"name":"cm"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})"),
      (Row{"cm", "3", "<unknown>"}));
  EXPECT_EQ(
      cells("", "secrets", R"({"metadata":{"name":"s"},"type":"Opaque","data":{"k":"dg=="}})"),
      (Row{"s", "Opaque", "1", "<unknown>"}));
}

TEST(OtherKinds, FallBackToNameAndAge) {
  auto c = columns_for("example.com", "widgets", true);
  EXPECT_EQ(c.headers, (Row{"NAME", "AGE"}));
  EXPECT_EQ(
      c.cells(*obj(R"({"metadata":{"name":"w1","creationTimestamp":"2026-11-26T11:59:30Z"}})"),
              kNow),
      (Row{"w1", "30s"}));
  // A group-less "deployments" is not apps/v1's.
  EXPECT_EQ(columns_for("", "deployments", false).headers, (Row{"NAME", "AGE"}));
}

}  // namespace
}  // namespace kinformer::cli
