// Realistic objects for demos and benchmarks: pods shaped like the pod the
// fixtures captured from kube-apiserver (two containers, probes, resources,
// volumes, a status with conditions): about 2.5 KB of JSON each, with labels
// and nodes spread so that selectors and indexes have work to do.
#pragma once

#include <cstddef>
#include <string>

namespace kinformer::workload {

struct PodShape {
  std::string namespace_ = "demo";
  std::string name;
  std::string app;        // label app=
  std::string tier;       // label tier=
  std::string node;       // spec.nodeName
  std::string phase = "Running";
  int generation = 1;     // varies an annotation so updates change bytes
  std::size_t padding = 0;  // extra bytes in an annotation, to reach a target size
};

// The pod as JSON (compact), ready for RestClient::create.
std::string pod_json(const PodShape& shape);

// The i-th pod of a workload of `apps` applications over `nodes` nodes.
PodShape nth_pod(std::size_t i, const std::string& namespace_, std::size_t apps = 20, std::size_t nodes = 10);

}  // namespace kinformer::workload
