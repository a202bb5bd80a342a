// ThreadSafeStore at 100k pods: add, get, by_index, list by selector, the
// 1% list through the lister (indexed) against a scan, and the store's own
// memory per object (mallinfo2 delta, objects excluded).
//
//   cmake --preset release -B build/release
//   cmake --build build/release -j2 --target store_bench
//   ./build/release/bench/store_bench
//   ./build/release/bench/store_bench --benchmark_filter='OnePercent|StoreAdd|StoreUpdate'
//
// Pods are built from the captured pod (../shared/fixtures/objects/pod.json)
// when present, else from an embedded sample, with varied names, namespaces
// and labels; pod i has label group=g-(i % 100) and spec.nodeName
// node-(i % 100), so `group=g-7` and `spec.nodeName=node-7` each select
// exactly 1%. The stores carry the factory's pod field indexes
// (spec.nodeName, status.phase) unless a benchmark says otherwise.
#include <malloc.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "kube/cache/index.h"
#include "kube/cache/store.h"
#include "kube/core/key.h"
#include "kube/core/selector.h"
#include "kube/informers/lister.h"

namespace {

using kube::ObjectPtr;
using kube::cache::ThreadSafeStore;

constexpr int kObjects = 100'000;
constexpr int kNamespaces = 50;
constexpr int kApps = 40;
constexpr int kGroups = 100;  // label group and spec.nodeName: 1% each

// A trimmed running pod (two containers), used when the fixture is absent.
constexpr const char* kSamplePod = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-7d9f8c6b5-pod1","namespace":"demo","uid":"ea1a74f6-ead1-4979-a46f-dc694aeb6343","resourceVersion":"280","creationTimestamp":"2026-11-24T12:27:54Z","labels":{"app":"web","pod-template-hash":"7d9f8c6b5","tier":"frontend"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c6b5","uid":"0b0e6b1e-1f55-4a8e-9d62-2b8c2a0c9a11","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"config","configMap":{"name":"web-config","defaultMode":420}},{"name":"kube-api-access-7x2kq","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"containers":[{"name":"nginx","image":"nginx:1.25.3","ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],"env":[{"name":"LOG_LEVEL","valueFrom":{"configMapKeyRef":{"name":"web-config","key":"LOG_LEVEL"}}},{"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"volumeMounts":[{"name":"config","mountPath":"/etc/nginx/conf.d"},{"name":"kube-api-access-7x2kq","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"},{"name":"log-shipper","image":"fluent/fluent-bit:2.2","resources":{"requests":{"cpu":"20m","memory":"32Mi"}},"volumeMounts":[{"name":"kube-api-access-7x2kq","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","nodeName":"node-a","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-24T12:27:54Z"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-24T12:28:01Z"},{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-24T12:28:01Z"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-24T12:27:54Z"}],"hostIP":"10.0.0.11","podIP":"10.244.1.17","podIPs":[{"ip":"10.244.1.17"}],"startTime":"2026-11-24T12:27:54Z","containerStatuses":[{"name":"log-shipper","state":{"running":{"startedAt":"2026-11-24T12:27:58Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"fluent/fluent-bit:2.2","imageID":"docker.io/fluent/fluent-bit@sha256:4f8b4b1f0b0e","containerID":"containerd://5b1a","started":true},{"name":"nginx","state":{"running":{"startedAt":"2026-11-24T12:27:57Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"docker.io/library/nginx:1.25.3","imageID":"docker.io/library/nginx@sha256:2bdc49f2f8ae","containerID":"containerd://9c2e","started":true}],"qosClass":"Burstable"}})";

boost::json::value template_pod() {
  std::ifstream in(std::string(KINFORMER_SHARED_DIR) + "/fixtures/objects/pod.json");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = boost::json::parse(ss.str(), ec);
    if (!ec && v.is_object()) {
      // Without managedFields (informers commonly strip them with a
      // transform) and kubectl's last-applied copy of the spec, the captured
      // pod is ~4 KB minified, the size of a typical controller-made pod.
      if (auto* meta = v.as_object().if_contains("metadata")) {
        meta->as_object().erase("managedFields");
        if (auto* ann = meta->as_object().if_contains("annotations")) {
          ann->as_object().erase("kubectl.kubernetes.io/last-applied-configuration");
        }
      }
      return v;
    }
  }
  return boost::json::parse(kSamplePod);
}

// Deterministic pods: namespaces and apps skewed (some large, many small),
// a pod-template-hash per 10 pods, a few other labels.
const std::vector<ObjectPtr>& pods() {
  static const std::vector<ObjectPtr> all = [] {
    boost::json::value tmpl = template_pod();
    std::mt19937 rng(42);
    std::vector<ObjectPtr> out;
    out.reserve(kObjects);
    const char* tiers[] = {"frontend", "backend", "edge"};
    const char* envs[] = {"prod", "staging", "dev"};
    for (int i = 0; i < kObjects; ++i) {
      boost::json::value v = tmpl;
      auto& meta = v.at("metadata").as_object();
      int app = static_cast<int>(std::min<unsigned>(rng() % kApps, rng() % kApps));  // skewed
      std::string app_name = "app-" + std::to_string(app);
      meta["name"] = app_name + "-" + std::to_string(i / 10) + "-" + std::to_string(i);
      meta["namespace"] = "ns-" + std::to_string(std::min(rng() % kNamespaces, rng() % kNamespaces));
      meta["uid"] = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
      meta["resourceVersion"] = std::to_string(1000 + i);
      meta["labels"] = boost::json::object{{"app", app_name},
                                           {"tier", tiers[rng() % 3]},
                                           {"env", envs[rng() % 3]},
                                           {"pod-template-hash", std::to_string(i / 10)},
                                           {"shard", std::to_string(rng() % 16)},
                                           {"group", "g-" + std::to_string(i % kGroups)}};
      v.at("spec").as_object()["nodeName"] = "node-" + std::to_string(i % kGroups);
      auto obj = kube::Object::from_value(v);
      if (!obj) std::abort();
      out.push_back(*obj);
    }
    return out;
  }();
  return all;
}

// What SharedInformerFactory gives a pod informer.
kube::cache::Indexers pod_field_indexes() {
  return {kube::cache::field_indexer("spec.nodeName"), kube::cache::field_indexer("status.phase")};
}

const ThreadSafeStore& filled_store() {
  static ThreadSafeStore* store = [] {
    auto* s = new ThreadSafeStore(pod_field_indexes());
    for (const auto& p : pods()) (void)s->add(p);
    return s;
  }();
  return *store;
}

// Arg: 1 with the pod field indexes, 0 without (their cost per add).
void BM_StoreAdd(benchmark::State& state) {
  const auto& all = pods();
  for (auto _ : state) {
    auto* store =
        new ThreadSafeStore(state.range(0) ? pod_field_indexes() : kube::cache::Indexers{});
    for (const auto& p : all) benchmark::DoNotOptimize(store->add(p));
    state.PauseTiming();  // destruction is not part of adding
    delete store;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
}
BENCHMARK(BM_StoreAdd)->Unit(benchmark::kMillisecond)->Iterations(3)->Arg(0)->Arg(1);

void BM_StoreUpdate(benchmark::State& state) {
  ThreadSafeStore store(state.range(0) ? pod_field_indexes() : kube::cache::Indexers{});
  const auto& all = pods();
  for (const auto& p : all) (void)store.add(p);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store.update(all[i]));
    i = (i + 7919) % all.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreUpdate)->Arg(0)->Arg(1);

void BM_StoreGetByKey(benchmark::State& state) {
  const auto& store = filled_store();
  std::vector<std::string> keys;
  for (int i = 0; i < 4096; ++i) keys.push_back(kube::object_key(*pods()[(i * 7919) % kObjects]));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store.get_by_key(keys[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreGetByKey);

void BM_StoreByIndexNamespace(benchmark::State& state) {
  const auto& store = filled_store();
  std::string ns = "ns-" + std::to_string(state.range(0));
  std::size_t n = 0;
  for (auto _ : state) {
    auto r = store.by_index(kube::cache::kNamespaceIndex, ns);
    n += r->size();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.counters["objects_per_call"] = static_cast<double>(n) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_StoreByIndexNamespace)->Arg(0)->Arg(25)->Arg(49);

void BM_StoreListBySelector(benchmark::State& state, const char* text, const char* ns) {
  const auto& store = filled_store();
  auto sel = kube::LabelSelector::parse(text);
  if (!sel) {
    state.SkipWithError(sel.error().message.c_str());
    return;
  }
  std::size_t n = 0;
  for (auto _ : state) {
    auto r = ns ? store.list(ns, *sel) : store.list(*sel);
    n += r.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["matches_per_call"] = static_cast<double>(n) / static_cast<double>(state.iterations());
  state.counters["candidates"] = static_cast<double>(
      store.count_candidates(ns ? std::optional<std::string_view>(ns) : std::nullopt, *sel));
}
BENCHMARK_CAPTURE(BM_StoreListBySelector, eq_indexed, "app=app-30,tier=edge", nullptr)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_StoreListBySelector, in_indexed, "pod-template-hash in (17,4242,9000)", nullptr)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_StoreListBySelector, ns_and_eq, "app=app-3", "ns-0")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_StoreListBySelector, scan_notin, "env notin (prod,dev),shard!=3", nullptr)
    ->Unit(benchmark::kMicrosecond);

// The same selector, selecting exactly 1% (1,000 of 100k pods), answered by
// the lister from the indexes (label index; field index spec.nodeName) and
// by a scan of the whole cache with matches(), which is what a lister without
// those indexes must do.
enum class Path { kIndexed, kScan };

template <class Selector>
void list_one_percent(benchmark::State& state, const Selector& sel, Path path) {
  const auto& store = filled_store();
  kube::informers::Lister lister(store, "pods");
  std::size_t n = 0;
  for (auto _ : state) {
    std::vector<ObjectPtr> r;
    if (path == Path::kIndexed) {
      r = lister.list(sel);
    } else {
      for (ObjectPtr& o : store.list()) {
        if (sel.matches(*o)) r.push_back(std::move(o));
      }
    }
    n += r.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["matches_per_call"] =
      static_cast<double>(n) / static_cast<double>(state.iterations());
}

void BM_ListOnePercentByLabel(benchmark::State& state, Path path) {
  list_one_percent(state, *kube::LabelSelector::parse("group=g-7"), path);
}
BENCHMARK_CAPTURE(BM_ListOnePercentByLabel, indexed, Path::kIndexed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListOnePercentByLabel, scan, Path::kScan)->Unit(benchmark::kMicrosecond);

void BM_ListOnePercentByField(benchmark::State& state, Path path) {
  list_one_percent(state, *kube::FieldSelector::parse("spec.nodeName=node-7"), path);
}
BENCHMARK_CAPTURE(BM_ListOnePercentByField, indexed, Path::kIndexed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListOnePercentByField, scan, Path::kScan)->Unit(benchmark::kMillisecond);

// The store's own heap per object: items map, namespace index and label
// index (Arg 1: and the pod field indexes); the objects themselves are built
// before the measurement.
void BM_StoreOverheadBytesPerObject(benchmark::State& state) {
  const auto& all = pods();
  double object_bytes = 0;
  for (const auto& p : all) object_bytes += static_cast<double>(p->heap_bytes());
  double json_bytes = 0;
  for (const auto& p : all) json_bytes += static_cast<double>(p->json().size());
  for (auto _ : state) {
    malloc_trim(0);
    std::size_t before = mallinfo2().uordblks;
    auto* store =
        new ThreadSafeStore(state.range(0) ? pod_field_indexes() : kube::cache::Indexers{});
    for (const auto& p : all) (void)store->add(p);
    std::size_t after = mallinfo2().uordblks;
    state.counters["store_bytes_per_object"] =
        static_cast<double>(after - before) / static_cast<double>(all.size());
    delete store;
  }
  state.counters["object_heap_bytes_avg"] = object_bytes / static_cast<double>(all.size());
  state.counters["object_json_bytes_avg"] = json_bytes / static_cast<double>(all.size());
}
BENCHMARK(BM_StoreOverheadBytesPerObject)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Arg(0)
    ->Arg(1);

}  // namespace

BENCHMARK_MAIN();
