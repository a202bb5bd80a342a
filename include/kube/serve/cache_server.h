// kube/serve/cache_server.h — a read-only HTTP service answering list, get
// and watch from informers' caches, in the Kubernetes API's own paths and
// shapes (`kinformer serve`). Many local readers (dashboards, scripts,
// `kubectl --server http://127.0.0.1:8001`) then share one watch per
// resource instead of each listing and watching the API server.
//
//   kube::informers::SharedInformerFactory factory(client);
//   auto pods = factory.pods();
//   auto server = kube::serve::CacheServer::start({{.informer = pods, .kind = "Pod"}},
//                                                 {.port = 0});
//   if (!server) { ... server.error().message ... }
//   factory.start();
//   std::cout << (*server)->url() << "\n";   // http://127.0.0.1:PORT
//   ...
//   (*server)->stop();                       // before factory.shutdown()
//
// What it serves (as kube-apiserver does; the captures are the reference):
//   GET /api/v1/pods, /api/v1/namespaces/NS/pods, .../pods/NAME,
//       /apis/GROUP/VERSION/... — lists `{"kind":"PodList","apiVersion":"v1",
//       "metadata":{"resourceVersion":"N"},"items":[...]}` sorted by
//       namespace/name, one object, or a Status (404 NotFound, 400 BadRequest
//       for a bad labelSelector/fieldSelector, 503 before the cache synced).
//       labelSelector and fieldSelector are answered from the view's own
//       label and field indexes (metadata.name, the factory's default field
//       indexes such as pods' spec.nodeName and status.phase, and the
//       informer's): an `=`/`in` label or `=` field requirement narrows the
//       list to one index bucket, the rest of the selector is checked on
//       each; other selectors (`!=`, notin, exists) scan the namespace.
//       `resourceVersion` on a list is ignored (the cache answers at its
//       own, latest, resourceVersion).
//   ?limit=N&continue=TOKEN — paged lists as kube-apiserver pages them:
//       items in key order, metadata.continue (kube-apiserver's token: the
//       list's resourceVersion and the key after the last item) and
//       remainingItemCount (without selectors) while more remain. Every page
//       shows the state at the first page's resourceVersion (rebuilt from the
//       change history); once the history no longer reaches it, 410 Expired
//       with kube-apiserver's rv -1 token that continues at the current
//       state. A malformed token, or one beside a resourceVersion, is 400.
//   Accept: application/json;as=Table;v=v1;g=meta.k8s.io (what kubectl
//       sends; v1beta1 too) — lists and gets answer a meta.k8s.io Table with
//       the printer columns of kube/serve/columns.h (those `kinformer get`
//       prints; `-o wide`'s at priority 1), each row's object as
//       ?includeObject=Metadata (default: PartialObjectMetadata), None or
//       Object; kinds without a printer get kube-apiserver's default
//       columns, Name and Created At. Watches stay plain JSON events.
//   ?watch=1|true — a chunked stream of `{"type":...,"object":...}` lines
//       (ADDED, MODIFIED, DELETED, BOOKMARK with allowWatchBookmarks=true,
//       sendInitialEvents=true as kube-apiserver's WatchList). From a list's
//       resourceVersion every later change is delivered; a resourceVersion
//       older than the kept history gets kube-apiserver's 410 Expired ERROR
//       event; none or "0" starts with the current state as ADDED events.
//   POST/PUT/PATCH/DELETE — 405 MethodNotAllowed: the service is read-only.
//   /api, /api/v1, /apis, /apis/G/V (only the served resources, verbs get,
//   list, watch), /version, /readyz (200 "ok" once every cache synced, else
//   503 naming the unsynced resources), /livez, /healthz, /metrics
//   (Prometheus text format 0.0.4).
//
// Consistency: the server keeps its own view of each resource (key → the
// shared immutable object), updated by one event handler per informer under
// the same mutex as that resource's bounded event history; lists, gets and
// watch starts read both under that mutex, so a list at resourceVersion N and
// a watch from N see every change exactly once. Resource versions must be
// decimal numbers (as etcd-backed API servers give; the watch cache of
// kube-apiserver parses them the same way). Changes found by an informer's
// *relist* (after its own watch expired upstream) can carry resourceVersions
// at or below the cache's; they are stamped with the relist's
// resourceVersion. Known narrow gap: a client that lists or bookmarks at that
// stamp while watch events older than it are still queued for the handler
// can miss those events (see docs/design.md, "Cache service").
//
// Security: plain HTTP/1.1 with no authentication or authorization: anyone
// who can connect reads whatever the informers can read with their
// credentials. The default address is loopback (127.0.0.1); bind elsewhere
// only behind something that authenticates.
//
// Threads: `threads` Asio threads (named "kube-serve"), started by start()
// and joined by stop(). A slow watch client never blocks the informers or
// other clients: each watch reads the shared history at its own pace (what
// it holds is one batch being written), one that falls more than `history`
// events behind is closed (it re-watches, and relists if its resourceVersion
// has expired), and one that reads nothing for `slow_client_timeout` is
// disconnected.
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kube/core/result.h"
#include "kube/informers/factory.h"

namespace kube::serve {

// One resource to serve: its informer (started by its owner, before or after
// the server) and what discovery says about it.
struct ServedResource {
  informers::ResourceInformer informer;
  std::string kind;                           // "Pod"; the list kind is kind + "List"
  std::string singular = {};                  // "pod"; default: kind in lower case
  std::vector<std::string> short_names = {};  // "po"
};

struct CacheServerOptions {
  std::string address = "127.0.0.1";  // an IP address; loopback by default (no auth)
  std::uint16_t port = 8001;          // kubectl proxy's; 0 = any free port (see port())
  // Watch events kept per resource for watches that resume from a
  // resourceVersion; older ones get 410 Expired.
  std::size_t history = 10000;
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(60)};
  // A watch without timeoutSeconds ends after this (kube-apiserver: 30-60 min).
  std::chrono::seconds watch_timeout{std::chrono::minutes(30)};
  // A watch client that accepts no data for this long is disconnected.
  std::chrono::milliseconds slow_client_timeout{std::chrono::seconds(30)};
  int threads = 2;
};

class CacheServer {
 public:
  // Registers a handler on every informer, binds the address and starts
  // serving. Fails if the address cannot be bound or a resource is given twice.
  static Result<std::unique_ptr<CacheServer>> start(std::vector<ServedResource> resources,
                                                    CacheServerOptions options = {});
  ~CacheServer();  // stop()
  CacheServer(const CacheServer&) = delete;
  CacheServer& operator=(const CacheServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  std::uint16_t port() const;
  // "http://ADDRESS:PORT".
  std::string url() const;
  // True once every informer synced and the server's own view holds its
  // initial state (what /readyz answers).
  bool ready() const;
  // The /metrics text.
  std::string metrics() const;
  // Closes the listener and every connection (watches end), removes the
  // handlers from the informers and joins the threads. Idempotent.
  void stop();

  class Impl;

 private:
  explicit CacheServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kube::serve
