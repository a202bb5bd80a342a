// pod_watcher: lists the pods of the cluster in your kubeconfig once, then
// prints every change as it happens, from one watch and a local cache.
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <variant>

#include <kube/client/config.h>
#include <kube/client/rest_client.h>
#include <kube/client/transport.h>
#include <kube/informers/factory.h>

int main() {
  // Block Ctrl-C before any thread starts (threads inherit the mask); main
  // waits for it below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  // $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.
  auto config = kube::load_default_config();
  if (!config) {
    std::cerr << "pod_watcher: " << config.error().message << "\n";
    return 1;
  }
  auto transport = kube::Transport::create(*config);
  if (!transport) {
    std::cerr << "pod_watcher: " << transport.error().message << "\n";
    return 1;
  }
  auto client = std::make_shared<kube::RestClient>(std::shared_ptr<kube::Transport>(std::move(*transport)));

  kube::informers::SharedInformerFactory factory(client);  // all namespaces
  auto pods = factory.pods();

  auto handler = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
  handler->add = [](const kube::ObjectPtr& pod, bool initial) {
    std::cout << (initial ? "LISTED  " : "ADDED   ") << pod->namespace_() << "/" << pod->name() << "\n";
  };
  handler->update = [](const kube::ObjectPtr& old_pod, const kube::ObjectPtr& pod) {
    if (old_pod->resource_version() == pod->resource_version()) return;  // a resync
    std::cout << "MODIFIED " << pod->namespace_() << "/" << pod->name() << " phase "
              << pod->field_string("status.phase").value_or("?") << "\n";
  };
  handler->del = [](const kube::informers::DeletedObject& d) {
    // A delete seen on the watch carries the last state; one found by a relist
    // after the watch was down is a tombstone (DeletedFinalStateUnknown).
    if (const auto* tombstone = std::get_if<kube::DeletedFinalStateUnknown>(&d)) {
      std::cout << "DELETED  " << tombstone->key << " (while the watch was down)\n";
    } else {
      const kube::ObjectPtr& pod = std::get<kube::ObjectPtr>(d);
      std::cout << "DELETED  " << pod->namespace_() << "/" << pod->name() << "\n";
    }
  };
  pods.informer->add_event_handler(handler);

  factory.start();
  for (const auto& r : factory.wait_for_cache_sync(std::chrono::seconds(60))) {
    if (!r.synced) {  // says why: 401, 403 with the server's message, unreachable, ...
      std::cerr << "pod_watcher: " << r.resource.to_string() << ": "
                << (r.last_error ? r.last_error->message : "timed out") << "\n";
      return 1;
    }
  }
  std::cout << pods.objects().list().size() << " pods cached; watching (Ctrl-C to stop)\n";

  int sig = 0;
  sigwait(&stop, &sig);
  factory.shutdown();
}
