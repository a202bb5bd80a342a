// `kinformer get RESOURCE [NAME]`: what `kubectl get` prints, from plain list
// requests (no informer, no watch): one GET per page of --chunk-size objects
// (500, as kubectl), or one GET of the named object.
//
//   kinformer get pods -n demo -l app=web
//   kinformer get deploy -A -o wide
//   kinformer get po/web -o yaml
//   kinformer get nodes -o name
#include <atomic>
#include <iostream>

#include "kube/client/rest_client.h"
#include "tools/kinformer/commands.h"
#include "tools/kinformer/printer.h"
#include "tools/kinformer/progress.h"
#include "tools/kinformer/query.h"
#include "tools/kinformer/resource_arg.h"

namespace kinformer::cli {
namespace {

struct GetFlags {
  QueryFlags query;
  std::int64_t chunk_size = 500;
  std::string progress = "auto";
};

std::string where(const Query& q) {
  if (!q.api.namespaced) return "";
  if (q.namespace_.empty()) return " in any namespace";
  return " in namespace \"" + q.namespace_ + "\"";
}

int get_one(const Query& q, const ObjectPrinter& printer) {
  auto obj = q.connection.client->get(q.api.resource(), q.namespace_, q.name, {},
                                      {.strip_managed_fields = q.strip_managed_fields});
  if (!obj) {
    if (obj.error().is_not_found()) {
      return fail("get",
                  {kNotFound, display_name(q.api) + " \"" + q.name + "\" not found" + where(q)});
    }
    return fail("get", server_failure(obj.error(), q.connection.config));
  }
  std::cout << printer.object(**obj, std::chrono::system_clock::now()) << std::flush;
  return kOk;
}

int get_list(const Query& q, const ObjectPrinter& printer, const GetFlags& flags,
             ProgressMode mode) {
  kube::RestClient& client = *q.connection.client;
  std::atomic<std::uint64_t> received{0};
  const std::uint64_t bytes_before = client.transport().stats().bytes_received;
  Progress progress(mode, "listing " + display_name(q.api), [&] {
    return ProgressSample{received.load(),
                          client.transport().stats().bytes_received - bytes_before};
  });
  kube::ListOptions o;
  o.label_selector = q.label_selector;
  o.field_selector = q.field_selector;
  o.limit = flags.chunk_size;
  o.strip_managed_fields = q.strip_managed_fields;
  std::vector<kube::ObjectPtr> all;
  while (true) {
    auto page = client.list(q.api.resource(), q.namespace_, o);
    if (!page) {
      progress.stop();
      return fail("get", list_failure(page.error(), q));
    }
    received += page->items.size();
    all.insert(all.end(), std::make_move_iterator(page->items.begin()),
               std::make_move_iterator(page->items.end()));
    if (page->continue_token.empty()) break;
    o.continue_token = page->continue_token;
  }
  progress.stop();
  if (all.empty() && q.format != OutputFormat::kJson && q.format != OutputFormat::kYaml) {
    std::cerr << "No resources found" << where(q) << "." << std::endl;
    return kOk;
  }
  std::cout << printer.objects(all, std::chrono::system_clock::now()) << std::flush;
  return kOk;
}

int run_get(const GetFlags& flags) {
  auto mode = parse_progress_mode(flags.progress);
  if (!mode) return fail("get", {kUsage, mode.error().message});
  if (flags.chunk_size < 0)
    return fail("get", {kUsage, "--chunk-size must be 0 (no paging) or more"});
  Query q;
  if (auto f = prepare_query(flags.query, "list", q)) return fail("get", *f);
  ObjectPrinter printer(q.api, q.format, q.namespace_column);
  return q.name.empty() ? get_list(q, printer, flags, *mode) : get_one(q, printer);
}

}  // namespace

void add_get_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<GetFlags>();
  auto* cmd = app.add_subcommand("get",
                                 "Print objects as kubectl get does (its default columns for pods, "
                                 "deployments, services, nodes, "
                                 "namespaces, configmaps, secrets, replicasets, statefulsets, "
                                 "daemonsets, jobs; NAME AGE otherwise). "
                                 "Uses plain list requests through the REST client (one per "
                                 "--chunk-size page), not an informer.");
  add_query_flags(*cmd, flags->query);
  cmd->add_option("--chunk-size", flags->chunk_size, "Objects per list request (0: all in one)")
      ->capture_default_str();
  cmd->add_option("--progress", flags->progress,
                  "Progress line on stderr while listing: auto (on a terminal), always, never")
      ->capture_default_str();
  cmd->footer(kExitCodeHelp);
  cmd->callback([flags, &exit_code] { exit_code = run_get(*flags); });
}

}  // namespace kinformer::cli
