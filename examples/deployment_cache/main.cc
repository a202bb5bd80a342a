// deployment_cache — an HTTP JSON API answered from an informer's cache.
//
// Every read is served from memory; the API server sees one list and one
// watch however many requests arrive:
//
//   GET /deployments/{namespace}/{name}       one deployment (404 if unknown)
//   GET /deployments/{namespace}              the deployments of a namespace
//   GET /deployments?labelSelector=app%3Dweb  by label, in every namespace
//                                             (labelSelector works on both lists)
//   GET /readyz                               503 until the cache has synced, then 200
//
// The label selector is parsed by kube::LabelSelector (the Kubernetes syntax:
// `app=web`, `tier in (a,b)`, `!canary`, ...); a bad one gets 400 with a JSON
// error that quotes it. Lists by label go through the lister, which uses the
// store's label index for `=` and `in` requirements instead of scanning.
// Before the cache has synced, the deployment endpoints answer 503 too: a
// partial cache would give wrong answers.
#include <algorithm>
#include <atomic>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "examples/common/example.h"
#include "examples/deployment_cache/http_server.h"
#include "kube/informers/factory.h"

namespace {

namespace ex = kinformer::examples;
namespace json = boost::json;

ex::HttpReply error_reply(int status, const std::string& message, json::object extra = {}) {
  extra["code"] = status;
  extra["error"] = message;
  return {status, json::serialize(extra)};
}

// {"kind":"DeploymentList",...,"items":[...]} from the cached objects' own
// JSON bytes (no re-serialization), sorted by namespace/name.
ex::HttpReply list_reply(std::vector<kube::ObjectPtr> items, const std::string& resource_version) {
  std::sort(items.begin(), items.end(), [](const kube::ObjectPtr& a, const kube::ObjectPtr& b) {
    return std::pair(a->namespace_(), a->name()) < std::pair(b->namespace_(), b->name());
  });
  std::string body =
      R"({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":)" +
      json::serialize(json::string(resource_version)) + R"(},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body += ",";
    body += items[i]->json();
  }
  body += "]}";
  return {200, std::move(body)};
}

class DeploymentApi {
 public:
  explicit DeploymentApi(kube::informers::ResourceInformer deployments)
      : deployments_(std::move(deployments)) {}

  void mark_synced() { synced_ = true; }

  ex::HttpReply handle(const ex::HttpRequest& req) const {
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) return error_reply(400, "malformed request target \"" + req.target + "\"");
    if (req.method != "GET")
      return error_reply(405, "method " + req.method + " not allowed: this API is read-only");
    std::vector<std::string> path;
    for (auto segment : url->segments()) path.emplace_back(segment);
    if (path == std::vector<std::string>{"readyz"}) {
      if (!synced_) return error_reply(503, "the deployment cache has not synced yet");
      return {200, R"({"status":"ok"})"};
    }
    if (path.empty() || path.size() > 3 || path[0] != "deployments" ||
        std::any_of(path.begin() + 1, path.end(), [](const std::string& s) { return s.empty(); })) {
      return error_reply(404, "no such endpoint: " + std::string(url->path()));
    }
    if (!synced_) return error_reply(503, "the deployment cache has not synced yet");

    auto lister = deployments_.lister();
    if (path.size() == 3) {
      auto d = lister.namespace_(path[1]).get(path[2]);
      if (!d) return error_reply(404, "deployment \"" + path[1] + "/" + path[2] + "\" not found");
      return {200, std::string((*d)->json())};
    }
    kube::LabelSelector selector;
    if (auto it = url->params().find("labelSelector"); it != url->params().end()) {
      std::string text = (*it).value;  // percent-decoded
      auto parsed = kube::LabelSelector::parse(text);
      if (!parsed) {
        return error_reply(400, "invalid labelSelector \"" + text + "\": " + parsed.error().message,
                           {{"labelSelector", text}});
      }
      selector = std::move(*parsed);
    }
    std::string rv = deployments_.informer->last_sync_resource_version();
    if (path.size() == 2) return list_reply(lister.namespace_(path[1]).list(selector), rv);
    return list_reply(lister.list(selector), rv);
  }

 private:
  const kube::informers::ResourceInformer deployments_;
  std::atomic<bool> synced_{false};
};

// "127.0.0.1:8080" -> address and port.
bool split_listen(const std::string& listen, std::string& address, std::uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  address = listen.substr(0, colon);
  if (address.size() > 1 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ex::StopSignals stop;
  ex::CommonFlags flags;
  std::string ns;
  std::string listen = "127.0.0.1:8080";
  CLI::App app{
      "deployment_cache: an HTTP JSON API for deployments, served from an informer's cache"};
  ex::add_common_flags(app, flags);
  app.add_option("-n,--namespace", ns, "Only this namespace (default: all namespaces)");
  app.add_option("--listen", listen, "Address and port to serve on (port 0: any free port)")
      ->capture_default_str();
  if (auto rc = ex::parse_flags(app, argc, argv)) return *rc;
  std::string address;
  std::uint16_t port = 0;
  if (!split_listen(listen, address, port)) {
    ex::err() << "deployment_cache: --listen \"" << listen << "\": expected ADDRESS:PORT";
    return ex::kUsage;
  }

  auto client = ex::connect(flags);
  if (!client) return ex::kConfig;
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = ns;
  kube::informers::SharedInformerFactory factory(client, options);
  auto deployments = factory.deployments();
  DeploymentApi api(deployments);
  auto server = ex::HttpServer::start(address, port, [&api](const ex::HttpRequest& req) {
    ex::HttpReply reply = api.handle(req);
    ex::out() << req.method << " " << req.target << " " << reply.status;
    return reply;
  });
  if (!server) {
    ex::err() << "deployment_cache: " << server.error().message;
    return ex::kFailure;
  }
  ex::out() << "listening on http://" << address << ":" << (*server)->port();

  stop.start_clock(flags);
  factory.start();
  std::optional<std::string> why;
  std::string last_error;
  // WaitForCacheSync, a slice at a time so a signal is not kept waiting.
  while (!deployments.informer->wait_for_cache_sync(std::chrono::milliseconds(100))) {
    if ((why = stop.poll(std::chrono::milliseconds(0)))) break;
    if (auto e = deployments.informer->last_error(); e && e->message != last_error) {
      last_error = e->message;
      ex::err() << "deployment_cache: not synced yet: " << last_error;
    }
  }
  if (!why) {
    api.mark_synced();
    ex::out() << "cache synced: " << deployments.objects().list().size()
              << " deployments; /readyz answers 200";
    why = stop.wait();
  }
  ex::out() << "stopping (" << *why << ")";
  (*server)->stop();
  factory.shutdown();
  return ex::kOk;
}
