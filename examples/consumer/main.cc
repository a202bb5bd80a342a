// A program built against an installed kinformer: starts the embedded API
// server, creates a ConfigMap through the REST client, runs a ConfigMap
// informer until its cache has synced, and prints what the cache holds.
// Exits 0 when the informer saw the ConfigMap, 1 otherwise.
#include <chrono>
#include <iostream>
#include <memory>
#include <utility>

#include <kube/client/rest_client.h>
#include <kube/client/transport.h>
#include <kube/informers/factory.h>
#include <kube/testing/api_server.h>
#include <kube/version.h>

int main() {
  // The headers and the library must come from the same install.
  if (kube::version() != KINFORMER_VERSION_STRING) {
    std::cerr << "consumer: headers are kinformer " << KINFORMER_VERSION_STRING << ", library is "
              << kube::version() << "\n";
    return 1;
  }

  kube::testing::ApiServer server(kube::testing::ApiServerOptions{});
  if (auto started = server.start(); !started) {
    std::cerr << "consumer: embedded API server: " << started.error().message << "\n";
    return 1;
  }
  kube::RestConfig config;
  config.host = server.url();
  config.ca_pem = server.ca_pem();
  config.bearer_token = server.token();
  auto transport = kube::Transport::create(config);
  if (!transport) {
    std::cerr << "consumer: transport: " << transport.error().message << "\n";
    return 1;
  }
  auto client =
      std::make_shared<kube::RestClient>(std::shared_ptr<kube::Transport>(std::move(*transport)));

  const kube::Resource configmaps{{"", "v1", "configmaps"}, true};
  auto created = client->create(
      configmaps, "default",
      R"({"apiVersion":"v1","kind":"ConfigMap",)"
      R"("metadata":{"name":"hello","namespace":"default"},"data":{"greeting":"hi"}})");
  if (!created) {
    std::cerr << "consumer: create configmap default/hello: " << created.error().message << "\n";
    return 1;
  }

  kube::informers::SharedInformerFactory factory(client, {.namespace_ = "default"});
  auto informer = factory.configmaps();
  factory.start();
  for (const auto& result : factory.wait_for_cache_sync(std::chrono::seconds(30))) {
    if (!result.synced) {
      std::cerr << "consumer: " << result.resource.to_string() << " did not sync: "
                << (result.last_error ? result.last_error->message : "timed out") << "\n";
      return 1;
    }
  }
  auto cached = informer.objects().namespace_("default").list();
  bool seen = informer.objects().namespace_("default").get("hello").ok();
  std::cout << "kinformer " << kube::version() << ": informer synced, " << cached.size()
            << " configmap(s) in default, hello " << (seen ? "seen" : "missing") << "\n";
  factory.shutdown();
  return seen ? 0 : 1;
}
