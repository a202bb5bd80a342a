#include "tools/kinformer/query.h"

#include "kube/core/selector.h"
#include "tools/kinformer/resource_arg.h"

namespace kinformer::cli {

void add_query_flags(CLI::App& cmd, QueryFlags& flags) {
  cmd.add_option("RESOURCE", flags.resource,
                 "Resource type: plural, singular, short name or kind (pods, pod, po, Pod), "
                 "optionally .group "
                 "(deployments.apps); TYPE/NAME also works")
      ->required();
  cmd.add_option("NAME", flags.name, "One object by name");
  cmd.add_option("-n,--namespace", flags.namespace_,
                 "Namespace (default: the kubeconfig context's)");
  cmd.add_flag("-A,--all-namespaces", flags.all_namespaces, "Every namespace");
  cmd.add_option("-l,--selector", flags.label_selector,
                 "Label selector, e.g. 'app=web,tier in (a,b),!canary'");
  cmd.add_option("--field-selector", flags.field_selector,
                 "Field selector, e.g. 'status.phase=Running'");
  cmd.add_option("-o,--output", flags.output,
                 "Output format: wide, json, yaml or name (default: a table)");
  cmd.add_flag("--show-managed-fields", flags.show_managed_fields,
               "Keep metadata.managedFields in json and yaml output (hidden by default, as "
               "kubectl hides them)");
  add_cluster_flags(cmd, flags.cluster);
}

std::optional<Failure> prepare_query(const QueryFlags& flags, std::string_view verb, Query& out) {
  auto format = parse_output_format(flags.output);
  if (!format) return Failure{kUsage, format.error().message};
  out.format = *format;
  if (!flags.label_selector.empty()) {
    auto sel = kube::LabelSelector::parse(flags.label_selector);
    if (!sel)
      return Failure{kUsage, "invalid label selector \"" + flags.label_selector +
                                 "\" (-l): " + sel.error().message};
  }
  if (!flags.field_selector.empty()) {
    auto sel = kube::FieldSelector::parse(flags.field_selector);
    if (!sel) {
      return Failure{kUsage, "invalid field selector \"" + flags.field_selector +
                                 "\" (--field-selector): " + sel.error().message};
    }
  }
  auto arg = parse_resource_arg(flags.resource, flags.name);
  if (!arg) return Failure{kUsage, arg.error().message};
  out.name = arg->name;
  if (!out.name.empty() && !flags.label_selector.empty()) {
    return Failure{kUsage,
                   "NAME \"" + out.name + "\" cannot be combined with a label selector (-l)"};
  }
  if (!out.name.empty() && flags.all_namespaces) {
    return Failure{
        kUsage, "NAME \"" + out.name + "\" cannot be combined with -A: name one namespace with -n"};
  }
  if (flags.all_namespaces && !flags.namespace_.empty()) {
    return Failure{kUsage, "-n \"" + flags.namespace_ + "\" and -A contradict each other"};
  }
  out.label_selector = flags.label_selector;
  out.field_selector = flags.field_selector;
  out.strip_managed_fields = !flags.show_managed_fields;

  if (auto f = connect(flags.cluster, out.connection)) return f;
  kube::Discovery discovery(*out.connection.client);
  if (auto f = resolve_resource(discovery, out.connection.config, arg->type, verb, out.api))
    return f;
  if (out.api.namespaced && !flags.all_namespaces) {
    out.namespace_ = flags.namespace_.empty() ? out.connection.config.namespace_ : flags.namespace_;
  }
  out.namespace_column = out.api.namespaced && flags.all_namespaces;
  return std::nullopt;
}

Failure list_failure(const kube::Error& e, const Query& q) {
  if (e.code == 400 && (!q.label_selector.empty() || !q.field_selector.empty())) {
    std::string which;
    if (!q.label_selector.empty()) which += "label selector \"" + q.label_selector + "\"";
    if (!q.field_selector.empty()) {
      which +=
          (which.empty() ? "" : " / ") + std::string("field selector \"") + q.field_selector + "\"";
    }
    return Failure{kUsage, "the server rejected the " + which + ": " + e.message};
  }
  return server_failure(e, q.connection.config);
}

}  // namespace kinformer::cli
