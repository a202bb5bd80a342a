// kube/testing/api_server.h — an embedded, Kubernetes-API-compatible server
// for tests, demos and users' own controller tests (kinformer's "envtest").
//
// ApiServer is a real HTTP/1.1 server on loopback (TLS by default, plain HTTP
// on request) that speaks the Kubernetes REST API the way kube-apiserver
// v1.28 does for the parts informers and controllers use. Responses are
// shaped like the captures in shared/fixtures, field for field.
//
//   kube::testing::ApiServer server(kube::testing::ApiServerOptions{});
//   if (auto r = server.start(); !r) { ... r.error().message ... }
//   std::string url = server.url();          // "https://127.0.0.1:40123"
//   std::string ca = server.ca_pem();        // verify the server with this
//   std::string token = server.token();      // send "Authorization: Bearer <token>"
//   server.write_kubeconfig("/tmp/kubeconfig");   // for kubectl / kinformer
//   server.fail_next_requests(2, 429);       // fault injection
//   server.add_user({.token = "t", .name = "viewer", .rules = {...}});  // 403 past its rules
//   server.set_watch_list_mode(kube::testing::WatchListMode::kReject);  // no streaming lists
//   server.stop();                           // also done by the destructor
//
// Implemented (kube-apiserver behaviour followed):
//  - HTTP/1.1 keep-alive, chunked watch streams (HTTP/2: put
//    kube/testing/http2_proxy.h, nghttpx, in front), TLS with a CA + server cert
//    generated at start (or read from files), bearer-token and client
//    certificate authentication (401 Status otherwise); a fixed pool of Asio
//    I/O threads, every connection and every watch is a coroutine, not a thread.
//  - Storage: in memory, one global resourceVersion counter stamped on every
//    write; uid, creationTimestamp, generation (bumped on spec changes, only for
//    kinds that have one: apps/v1, CRDs, custom resources), generateName,
//    namespaces must exist for namespaced writes, finalizers +
//    deletionTimestamp, the status subresource, managedFields left out.
//  - Resources: core/v1 pods services endpoints configmaps secrets namespaces
//    nodes events; apps/v1 deployments replicasets statefulsets daemonsets;
//    coordination.k8s.io/v1 leases; apiextensions.k8s.io/v1 CRDs and the
//    custom resources of every CRD created at run time.
//  - Verbs get list watch create update (409 on a stale resourceVersion)
//    patch (merge, JSON patch, strategic merge: lists of objects merged by the
//    key "name" for containers/initContainers/volumes/env/volumeMounts/ports
//    (by "containerPort" for container ports, "port" for service ports,
//    "type" for conditions); other lists replaced; `$patch: delete` honoured)
//    delete (preconditions uid/resourceVersion, propagationPolicy accepted and
//    ignored: there is no garbage collector) deletecollection.
//  - List paging with limit/continue on a consistent snapshot (rebuilt from
//    the event history), remainingItemCount, resourceVersion ""/"0"/N with
//    resourceVersionMatch Exact/NotOlderThan, label and field selectors,
//    410 Expired past the history window.
//  - Watch from a resourceVersion, bookmarks, timeoutSeconds, selector
//    filtering (leaving = DELETED, entering = ADDED), sendInitialEvents
//    (streaming lists; set_watch_list_mode() reproduces servers that do not
//    stream), 410 ERROR event for a compacted resourceVersion.
//  - Metadata-only (PartialObjectMetadata[List]) responses, discovery
//    (/version, /api, /api/v1, /apis, /apis/{g}, /apis/{g}/{v}), and
//    aggregated discovery (apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList
//    for /api and /apis, CRDs included) when the Accept header asks for it
//    as client-go and kubectl do; only the status subresource is listed.
//  - Pretty-printed bodies when the client asks with ?pretty=true or its
//    User-Agent starts with "curl" or "Wget" (as kube-apiserver does);
//    compact otherwise; watch events always compact.
//  - Users with limited rights (ApiUser: a bearer token, a name, groups and
//    RBAC-like rules), checked per request after authentication with
//    kube-apiserver's verb mapping (GET collection = list, ?watch=true =
//    watch, GET one = get, POST = create, PUT = update, PATCH = patch,
//    DELETE one = delete, DELETE collection = deletecollection) and its
//    request attributes (namespace, resource, subresource, name; a
//    fieldSelector metadata.name=X names the object). A denied request gets
//    kube-apiserver's 403 Status, worded as its RBAC denials are:
//      pods is forbidden: User "viewer" cannot list resource "pods" in API
//      group "" in the namespace "demo"   (or: ... at the cluster scope)
//    Discovery, /version and the health paths stay open to every
//    authenticated user (system:discovery); other non-resource paths are
//    forbidden to limited users. The admin token, the generated client
//    certificate and members of group "system:masters" may do everything.
// Not implemented: RBAC objects (Roles and bindings are not served; rights
// come from ApiUser rules), impersonation, admission, validation beyond
// names and kinds, server-side apply, Table output, OpenAPI, protobuf, field
// managers, garbage collection (ownerReferences are stored, not acted on),
// dry-run, graceful pod deletion (pods are deleted at once).
//
// Thread-safety: every public method may be called from any thread, also
// while the server is serving. start() and stop() must not race each other.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kube/core/result.h"

namespace kube::testing {

// One rule of a user's rights, read as an RBAC PolicyRule that is bound in
// `namespaces` (a RoleBinding there) or, when `namespaces` is empty, cluster
// wide (a ClusterRoleBinding). "*" in any list matches everything.
//  - verbs: get list watch create update patch delete deletecollection.
//  - api_groups: "" for core, "apps", "apiextensions.k8s.io", ...
//  - resources: "pods"; "pods/status" for a subresource; "*/status" for that
//    subresource of every resource ("pods" does not grant "pods/status").
//  - resource_names: when not empty, only these objects (as in RBAC, a list,
//    watch or create without a name in the request is then denied).
//  - namespaces: requests in these namespaces only; a namespace-restricted
//    rule never grants cluster-scoped resources or all-namespace lists.
struct AccessRule {
  std::vector<std::string> verbs = {};
  std::vector<std::string> api_groups = {};
  std::vector<std::string> resources = {};
  std::vector<std::string> resource_names = {};
  std::vector<std::string> namespaces = {};
};

// A user authenticated by a bearer token. A request is allowed when any rule
// allows it (or the user is in group "system:masters").
//
//   server.add_user({.token = "viewer-token", .name = "viewer",
//                    .rules = {{.verbs = {"get", "list", "watch"}, .api_groups = {""},
//                               .resources = {"pods"}, .namespaces = {"demo"}}}});
struct ApiUser {
  std::string token = {};
  std::string name = {};  // User "<name>" cannot ... in 403 messages
  std::vector<std::string> groups = {};
  std::vector<AccessRule> rules = {};
};

// Reads users from a YAML or JSON file:
//
//   users:
//   - name: viewer
//     token: viewer-token
//     groups: [dev]                        # optional
//     rules:
//     - verbs: [get, list, watch]
//       apiGroups: [""]
//       resources: [pods, pods/status]
//       namespaces: [demo]                 # optional; absent: cluster wide
//       resourceNames: [web-0]             # optional
//
// (JSON: the same keys, {"users":[{"name":...,"token":...,"rules":[...]}]}.)
// Fails naming the file and the entry when a user lacks a name or a token,
// or a key has the wrong type.
Result<std::vector<ApiUser>> load_api_users(const std::filesystem::path& path);

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port
  bool tls = true;
  // PEM files. When cert_file/key_file are empty a CA and a server cert for
  // 127.0.0.1/localhost/::1 are generated at start.
  std::string cert_file;
  std::string key_file;
  std::string ca_file;  // CA of the given cert (written to the kubeconfig)
  // Bearer token accepted with full rights; a random one is generated when
  // empty.
  std::string token;
  // Users with limited rights (see AccessRule). start() fails when a user
  // has no name or token, or two users share a token.
  std::vector<ApiUser> users;
  int io_threads = 2;
  // Write events kept for watch replay and consistent list paging; older
  // resourceVersions answer 410 Expired.
  std::size_t history_window = 10000;
  std::chrono::milliseconds bookmark_interval{1000};
  // Load state from this file at start (when it exists) and snapshot to it
  // on stop(). Empty: no persistence.
  std::filesystem::path data_file;
};

// How the server answers a streaming list (a watch with sendInitialEvents),
// for testing clients against servers that do not stream lists.
enum class WatchListMode {
  // kube-apiserver with WatchList: the initial ADDED events, then a BOOKMARK
  // annotated "k8s.io/initial-events-end": "true", then changes
  // (fixtures/watch/pods-watchlist.jsonl).
  kNormal,
  // The initial ADDED events, then only changes: no initial-events-end
  // bookmark and no bookmarks at all, as kube-apiserver v1.28 answered
  // sendInitialEvents=true without a resourceVersion
  // (fixtures/watch/pods-watchlist-no-rv.jsonl).
  kNoInitialEventsEnd,
  // 422 Invalid for any watch with sendInitialEvents or resourceVersionMatch,
  // kube-apiserver's answer with the WatchList feature gate off.
  kReject,
  // The parameters are ignored: a plain watch from resourceVersion (for ""
  // or "0" the current state as ADDED events, then changes and ordinary
  // bookmarks), as a server that does not know them (an aggregated API
  // server on an old apiserver library).
  kIgnore,
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerOptions options);
  ~ApiServer();  // stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds, loads data_file, and serves from a pool of I/O threads. Fails
  // when the address cannot be bound, a cert file cannot be read, or the
  // data file is not valid.
  Result<void> start();
  // Closes every connection, snapshots to data_file, joins all threads.
  void stop();

  std::uint16_t port() const;
  std::string url() const;  // "https://127.0.0.1:PORT" or "http://..."
  std::string ca_pem() const;
  std::string token() const;
  // A client certificate (and key) signed by the server's CA, accepted for
  // authentication (user "kinformer-admin", group "system:masters"). Empty
  // when the certs came from files.
  std::string client_cert_pem() const;
  std::string client_key_pem() const;
  // A kubeconfig (cluster with certificate-authority-data, user with token).
  std::string kubeconfig() const;
  Result<void> write_kubeconfig(const std::filesystem::path& path) const;
  // The current global resourceVersion.
  std::int64_t resource_version() const;

  // Adds a user with limited rights (or replaces the user with the same
  // token) while the server runs; requests after the call see it. Fails when
  // the name or token is empty or the token is the admin token.
  Result<void> add_user(ApiUser user);

  // ---- Fault injection ----
  // Every watch stream (open now or opened later) closes after sending `n`
  // more events (0 turns it off). Bookmarks count.
  void close_watches_after(int n);
  // Each event sent on a watch closes the stream with this probability.
  void close_watches_randomly(double probability);
  // Ends every open watch stream now (the clean end of a chunked response).
  // Events not yet written are not sent: the client resumes from the last one
  // it saw.
  void close_watches_now();
  // Watch streams open now (registered before the client gets its headers,
  // so a test can wait for a client's watch to be really open).
  std::size_t open_watches() const;
  // While stalled, watch streams keep the connection but send no new events
  // (a watch opened meanwhile still sends its initial state or history
  // replay); the held events go out once resumed, unless the stream is ended
  // first (close_watches_now(), restart()).
  void stall_watches(bool stalled);
  // The next `count` requests (watches included) answer `code` with a
  // Status body: 429 (with Retry-After: retry_after_seconds), 500, 410 ...
  void fail_next_requests(int count, int code, int retry_after_seconds = 1);
  // Drops the whole event history: every older resourceVersion now gets 410.
  void compact();
  // Drops all connections (watches included); keeps the data and the port.
  void restart();
  // Delays every response by `delay` (0 turns it off).
  void slow_responses(std::chrono::milliseconds delay);
  // Streaming lists from now on (watches already open keep their behaviour).
  void set_watch_list_mode(WatchListMode mode);
  // Watch requests that asked for sendInitialEvents=true so far, whatever
  // the mode or the answer.
  std::uint64_t streaming_list_requests() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kube::testing
