// Realistic objects for demos and benchmarks: pods shaped like the pod the
// fixtures captured from kube-apiserver (two containers, probes, resources,
// volumes, a status with conditions): about 2.5 KB of JSON each, with labels
// and nodes spread so that selectors and indexes have work to do.
#pragma once

#include <cstddef>
#include <string>

#include <boost/json/object.hpp>

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
  // What a ReplicaSet's pod carries on a live cluster on top of the above:
  // generateName, an ownerReference, four conditions, containerStatuses, and
  // managedFields (kube-controller-manager's entry for what it set, kubelet's
  // for the status), about 6.6 KB of JSON in all, 3 KB of it managedFields
  // (the pod captured from kube-apiserver: 7.9 KB, 2.6 KB of managedFields).
  bool live = false;
};

// The pod as JSON (compact), ready for RestClient::create.
std::string pod_json(const PodShape& shape);

// FieldsV1 of `value` (metadata.managedFields[].fieldsV1) as kube-apiserver
// writes it for a manager that set all of it: "f:" per member, "." for a map
// or list element set as a whole, and "k:" keys for the lists Kubernetes
// merges by key (containers by name, ports by containerPort and protocol,
// conditions by type, ...); other lists are atomic: one leaf.
boost::json::object fields_v1(const boost::json::object& value);

// The i-th pod of a workload of `apps` applications over `nodes` nodes.
PodShape nth_pod(std::size_t i, const std::string& namespace_, std::size_t apps = 20, std::size_t nodes = 10);

}  // namespace kinformer::workload
