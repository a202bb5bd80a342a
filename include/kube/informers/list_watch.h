// kube/informers/list_watch.h — what a reflector needs from the server.
//
// A ListerWatcher lists one resource (a page at a time) and opens watches on
// it. The REST client provides the real one (ResourceListerWatcher, for any
// GroupVersionResource); tests provide their own. Splitting "talk to the
// server" from "maintain the cache" (kube-rs's watcher/reflector split) keeps
// the reflector testable without a network.
//
//   auto page = lw.list({.limit = 500}, stop);       // Result<kube::ListResult>
//   auto watch = lw.watch({.resource_version = page->resource_version}, stop);
//   while (true) {
//     auto next = (*watch)->next(deadline);          // Result<std::optional<WatchEvent>>
//     if (!next) break;                              // stream failed
//     if (!*next) break;                             // stream ended normally or timed out
//   }
//
// Thread-safety: a ListerWatcher may be used from several threads at once; a
// Watch belongs to one reader thread, but stop() may be called from any
// thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "kube/client/rest_client.h"
#include "kube/client/watch_decoder.h"
#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube::informers {

// Lists and watches take the REST client's kube::ListOptions (selectors,
// resourceVersion and its match rule, limit/continue, bookmarks, WatchList)
// and lists return its kube::ListResult (items, resourceVersion, continue).

// One open watch stream.
class Watch {
 public:
  virtual ~Watch() = default;
  // Blocks until the next event, the end of the stream (nullopt: the server
  // closed it, e.g. its timeoutSeconds passed), a failure (error: the
  // connection broke, the stream was cut mid-event), or `deadline` (an error
  // with reason "Timeout": nothing arrived in time).
  virtual Result<std::optional<WatchEvent>> next(std::chrono::steady_clock::time_point deadline) = 0;
  // Closes the stream; a blocked next() returns promptly. Any thread (next()
  // itself is called by one thread at a time: the reflector's).
  virtual void stop() = 0;
};

class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  // One list request (one page when options.limit > 0). Returns early with an
  // error when `stop` is requested.
  virtual Result<ListResult> list(const ListOptions& options, std::stop_token stop) = 0;
  // Opens a watch. Errors that the server reports before the stream starts
  // (401, 403, 404, 410, ...) are returned here.
  virtual Result<std::unique_ptr<Watch>> watch(const ListOptions& options, std::stop_token stop) = 0;
  // Streaming lists (a watch with ListOptions::send_initial_events): a
  // ListerWatcher that passes them to a Kubernetes API server returns which
  // server answers, as the base URL and API group/version path
  // ("https://10.0.0.1:6443/apis/apps/v1": an aggregated API server serves its
  // group behind the kube-apiserver's URL). The reflector remembers per such
  // string whether streaming lists work there. Empty (the default): this
  // ListerWatcher cannot be assumed to honour send_initial_events, and
  // ListMode::kAuto lists page by page.
  virtual std::string streaming_list_server() const { return {}; }
};

}  // namespace kube::informers
