#include "kube/informers/reflector.h"

#include <pthread.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kube/core/key.h"

namespace kube::informers {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool is_gone(const Error& e) {
  // client-go's isExpiredError / isTooLargeResourceVersionError: both mean
  // "the resourceVersion you asked for cannot be served".
  return e.is_gone() || e.reason == "ResourceVersionTooLarge" ||
         e.message.find("Too large resource version") != std::string::npos;
}

bool is_timeout_from_next(const Error& e) { return e.code == 0 && e.reason == "Timeout"; }

// kube-apiserver validates ListOptions (metainternalversion/validation
// ValidateListOptions) and answers a sendInitialEvents or
// resourceVersionMatch it does not accept on a watch with 422 Invalid
// ("ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: ...").
// client-go 1.28's ListAndWatch falls back to a paged list on exactly
// apierrors.IsInvalid.
bool is_invalid(const Error& e) { return e.code == 422 || e.reason == "Invalid"; }

constexpr std::string_view kInitialEventsEnd = "k8s.io/initial-events-end";

const char* event_type_name(WatchEventType t) {
  switch (t) {
    case WatchEventType::Added:
      return "ADDED";
    case WatchEventType::Modified:
      return "MODIFIED";
    case WatchEventType::Deleted:
      return "DELETED";
    case WatchEventType::Bookmark:
      return "BOOKMARK";
    case WatchEventType::Error:
      return "ERROR";
  }
  return "?";
}

}  // namespace

StreamingListSupport& StreamingListSupport::process_wide() {
  // Never destroyed: a reflector stopped during static destruction may still ask.
  static StreamingListSupport* s = new StreamingListSupport();
  return *s;
}

bool StreamingListSupport::refused(const std::string& server) const {
  MutexLock l(mu_);
  return refused_.contains(server);
}

void StreamingListSupport::set_refused(const std::string& server) {
  MutexLock l(mu_);
  refused_.insert(server);
}

void StreamingListSupport::forget(const std::string& server) {
  MutexLock l(mu_);
  refused_.erase(server);
}

Reflector::Reflector(ListerWatcher& lw, cache::DeltaFifo& fifo, ReflectorOptions options)
    : lw_(lw),
      fifo_(fifo),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock::instance()),
      rng_(options_.seed ? *options_.seed : std::random_device{}()) {}

Reflector::~Reflector() { stop(); }

void Reflector::start() {
  MutexLock l(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

void Reflector::stop() {
  stop_source_.request_stop();
  {
    MutexLock l(mu_);
    if (current_watch_ != nullptr) current_watch_->stop();
    wake_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

std::string Reflector::last_sync_resource_version() const {
  MutexLock l(mu_);
  return last_sync_rv_;
}

std::optional<Error> Reflector::last_error() const {
  MutexLock l(mu_);
  return last_error_;
}

bool Reflector::has_listed() const {
  MutexLock l(mu_);
  return has_listed_;
}

ReflectorStats Reflector::stats() const {
  MutexLock l(mu_);
  return stats_;
}

void Reflector::run() {
  pthread_setname_np(pthread_self(), "kube-reflector");
  if (options_.resync_period.count() > 0) next_resync_ = clock_.now() + options_.resync_period;
  Next next = Next::kList;
  while (next != Next::kStop && !stopping()) {
    switch (next) {
      case Next::kList:
        next = use_streaming() ? stream_list() : list();
        break;
      case Next::kWatch:
        next = watch();
        break;
      case Next::kBackoffThenList:
        next = backoff() ? Next::kList : Next::kStop;
        break;
      case Next::kBackoffThenWatch:
        next = backoff() ? Next::kWatch : Next::kStop;
        break;
      case Next::kStop:
        break;
    }
  }
  continued_watch_.reset();  // a streaming list's stream that watch() never took
}

std::string Reflector::relist_resource_version() const {
  // client-go reflector.go relistResourceVersion.
  if (last_sync_unavailable_) return "";  // consistent read after a 410
  std::string rv = last_sync_resource_version();
  return rv.empty() ? "0" : rv;
}

bool Reflector::use_streaming() {
  bool streaming = false;
  switch (options_.list_mode) {
    case ListMode::kPaged:
      break;
    case ListMode::kStreaming:
      streaming = true;
      break;
    case ListMode::kAuto: {
      std::string server = lw_.streaming_list_server();
      StreamingListSupport& support = options_.streaming_list_support != nullptr
                                          ? *options_.streaming_list_support
                                          : StreamingListSupport::process_wide();
      streaming = !server.empty() && !support.refused(server);
      break;
    }
  }
  MutexLock l(mu_);
  stats_.list_mode = streaming ? ListMode::kStreaming : ListMode::kPaged;
  return streaming;
}

ListOptions Reflector::request_options() const {
  ListOptions o;
  o.label_selector = options_.label_selector;
  o.field_selector = options_.field_selector;
  o.strip_managed_fields = options_.strip_managed_fields;
  return o;
}

Reflector::Next Reflector::list() {
  ListOptions o = request_options();
  o.resource_version = relist_resource_version();
  o.limit = options_.page_size;
  std::vector<ObjectPtr> items;
  std::string list_rv;
  while (true) {
    {
      MutexLock l(mu_);
      ++stats_.list_requests;
    }
    Result<ListResult> page = lw_.list(o, stop_source_.get_token());
    if (stopping()) return Next::kStop;
    if (!page) {
      record_error(page.error());
      if (is_gone(page.error())) {
        {
          MutexLock l(mu_);
          ++stats_.expired;
        }
        // The version we asked for (or the continue token's) is gone: the
        // next list is a consistent read. Relist at once the first time.
        bool first = !last_sync_unavailable_;
        last_sync_unavailable_ = true;
        return first ? Next::kList : Next::kBackoffThenList;
      }
      return Next::kBackoffThenList;
    }
    {
      MutexLock l(mu_);
      stats_.list_items += page->items.size();
    }
    items.reserve(items.size() + page->items.size());
    for (ObjectPtr& obj : page->items) {
      if (!obj) continue;
      std::string key = object_key(*obj);
      if (ObjectPtr listed = prepare_listed(std::move(obj), key))
        items.push_back(std::move(listed));
    }
    list_rv = page->resource_version;
    if (page->continue_token.empty()) break;
    o.continue_token = page->continue_token;
    o.resource_version.clear();  // the continue token carries the version
  }
  if (auto r = fifo_.replace(std::move(items), list_rv); !r) {
    record_error(r.error());
    return Next::kBackoffThenList;
  }
  last_sync_unavailable_ = false;
  {
    MutexLock l(mu_);
    last_sync_rv_ = list_rv;
    has_listed_ = true;
    ++stats_.lists;
  }
  clear_error();
  reset_backoff();
  return Next::kWatch;
}

ObjectPtr Reflector::prepare_listed(ObjectPtr obj, const std::string& key) {
  ObjectPtr known;
  if (options_.known_objects != nullptr) {
    // Share the cached copy of an unchanged object: a relist then holds one
    // copy of it, not two.
    known = options_.known_objects->get_by_key(key);
    if (known && !known->resource_version().empty() &&
        known->resource_version() == obj->resource_version()) {
      return known;
    }
  }
  if (options_.transform) obj = options_.transform(std::move(obj));
  if (obj && known && !fifo_.has_unprocessed(key)) {
    // A changed object goes to the FIFO now, as an update, not only with the
    // Replace at the end: the cache then drops the old copy while later pages
    // are still arriving, instead of holding the whole list twice (old cache +
    // new objects) at the Replace. It is no older than the cached one (every
    // relist asks for the last synced version or newer), and the Replace finds
    // it unchanged (a Sync for handlers due for a resync, nothing for others),
    // so each handler still sees one update per changed object. Only for a key
    // with nothing queued or in flight: the cache's copy is then current (this
    // thread is the FIFO's only producer), so a differing resourceVersion is a
    // real change, never one the FIFO is about to apply. An error here (an
    // object without a key) would fail the Replace as well.
    (void)fifo_.update(obj);
  }
  return obj;
}

Reflector::WatchRegistration::~WatchRegistration() {
  MutexLock l(r->mu_);
  r->current_watch_ = nullptr;
}

Reflector::WatchRegistration Reflector::register_watch(Watch& w) {
  MutexLock l(mu_);
  current_watch_ = &w;
  if (stopping()) w.stop();  // stop() ran before current_watch_ was set
  return WatchRegistration{this};
}

Reflector::Next Reflector::stream_list() {
  ListOptions o = request_options();
  // client-go reflector.go watchList() asks for rewatchResourceVersion(): the
  // last synced version, or "" (a consistent read) at first and after a 410;
  // always with NotOlderThan and bookmarks, which kube-apiserver requires with
  // sendInitialEvents. One difference, on purpose: the very first streaming
  // list asks for "0" (any version, from the server's watch cache), as the
  // first paged list does (client-go's relistResourceVersion). kube-apiserver
  // v1.28 answers sendInitialEvents without a resourceVersion with the initial
  // events but never the initial-events-end bookmark
  // (shared/fixtures/watch/pods-watchlist-no-rv.jsonl), and with "0" with the
  // bookmark (pods-watchlist.jsonl); asking "" would cost every informer the
  // idle wait and a fallback there. After a 410 it is "" as in client-go.
  std::string last = last_sync_resource_version();
  o.resource_version = last_sync_unavailable_ ? "" : (last.empty() ? "0" : last);
  o.resource_version_match = "NotOlderThan";
  o.allow_watch_bookmarks = true;
  o.send_initial_events = true;
  auto timeout = random_watch_timeout();
  o.timeout_seconds = static_cast<int>(timeout.count());
  auto started = SteadyClock::now();
  {
    MutexLock l(mu_);
    ++stats_.streaming_list_requests;
  }
  auto opened = lw_.watch(o, stop_source_.get_token());
  if (stopping()) return Next::kStop;
  if (!opened) return streaming_failed(opened.error());
  std::unique_ptr<Watch> w = std::move(*opened);
  {
    MutexLock l(mu_);
    ++stats_.watches;
  }
  auto registered = register_watch(*w);

  auto hard_deadline = started + timeout + std::chrono::seconds(30);
  auto phase_deadline = std::min(hard_deadline, started + options_.streaming_list_timeout);
  std::unordered_map<std::string, ObjectPtr> staged;  // client-go's temporaryStore
  while (!stopping()) {
    auto now = SteadyClock::now();
    auto deadline = phase_deadline;
    if (options_.streaming_list_idle_timeout.count() > 0) {
      deadline = std::min(deadline, now + options_.streaming_list_idle_timeout);
    }
    auto next = w->next(deadline);
    if (stopping()) return Next::kStop;
    if (!next) {
      if (!is_timeout_from_next(next.error())) return streaming_failed(next.error());
      if (SteadyClock::now() < deadline) continue;
      bool idle = deadline < phase_deadline;
      return streaming_unsupported(Error::internal(
          options_.name + ": streaming list: no " + std::string(kInitialEventsEnd) + " bookmark " +
          (idle ? "and no event for " +
                      std::to_string(options_.streaming_list_idle_timeout.count()) + " ms"
                : "within " + std::to_string(options_.streaming_list_timeout.count()) + " ms") +
          " after " + std::to_string(staged.size()) + " objects"));
    }
    if (!next->has_value()) {
      return streaming_unsupported(
          Error::internal(options_.name + ": streaming list: the server ended the stream after " +
                          std::to_string(staged.size()) + " objects without the " +
                          std::string(kInitialEventsEnd) + " bookmark"));
    }
    const WatchEvent& ev = **next;
    if (ev.type == WatchEventType::Error) {
      return streaming_failed(ev.error.value_or(
          Error::internal(options_.name + ": streaming list: ERROR event without a Status")));
    }
    if (!ev.object) {
      return streaming_failed(Error::internal(options_.name +
                                              ": streaming list: " + event_type_name(ev.type) +
                                              " event without an object"));
    }
    if (ev.type == WatchEventType::Added) {
      std::string key = object_key(*ev.object);
      if (ObjectPtr obj = prepare_listed(ev.object, key)) {
        staged.insert_or_assign(std::move(key), std::move(obj));
      } else {
        staged.erase(key);
      }
      MutexLock l(mu_);
      ++stats_.list_items;
      continue;
    }
    if (ev.type != WatchEventType::Bookmark || ev.object->annotation(kInitialEventsEnd) != "true") {
      // Only ADDED events precede initial-events-end on a server that streams
      // lists; anything else means it is watching already (ignores the
      // parameter) and will never send that bookmark.
      return streaming_unsupported(Error::internal(
          options_.name + ": streaming list: " + event_type_name(ev.type) + " event before the " +
          std::string(kInitialEventsEnd) + " bookmark (the server ignores sendInitialEvents)"));
    }
    // The initial state is complete at the bookmark's resourceVersion.
    std::string rv(ev.object->resource_version());
    std::vector<ObjectPtr> items;
    items.reserve(staged.size());
    for (auto& [key, obj] : staged) items.push_back(std::move(obj));
    staged.clear();
    if (auto r = fifo_.replace(std::move(items), rv); !r) {
      record_error(r.error());
      return Next::kBackoffThenList;
    }
    last_sync_unavailable_ = false;
    {
      MutexLock l(mu_);
      last_sync_rv_ = rv;
      has_listed_ = true;
      ++stats_.lists;
      ++stats_.streaming_lists;
    }
    clear_error();
    reset_backoff();
    continued_watch_ = std::move(w);
    continued_deadline_ = hard_deadline;
    return Next::kWatch;
  }
  return Next::kStop;
}

Reflector::Next Reflector::streaming_failed(const Error& e) {
  if (is_invalid(e)) {
    return streaming_unsupported(Error{
        e.code, e.reason, options_.name + ": streaming list refused: " + e.message, e.details});
  }
  record_error(e);
  if (is_gone(e)) {
    {
      MutexLock l(mu_);
      ++stats_.expired;
    }
    // client-go watchList(): the version asked for is gone (or too new): stream
    // again from "" (a consistent snapshot). At once the first time.
    bool first = !last_sync_unavailable_;
    last_sync_unavailable_ = true;
    return first ? Next::kList : Next::kBackoffThenList;
  }
  // 429, 5xx, a cut connection: the server may well stream; try again later.
  return Next::kBackoffThenList;
}

Reflector::Next Reflector::streaming_unsupported(Error why) {
  record_error(why);
  if (options_.list_mode == ListMode::kStreaming) return Next::kBackoffThenList;
  StreamingListSupport& support = options_.streaming_list_support != nullptr
                                      ? *options_.streaming_list_support
                                      : StreamingListSupport::process_wide();
  support.set_refused(lw_.streaming_list_server());
  {
    MutexLock l(mu_);
    ++stats_.streaming_list_fallbacks;
    stats_.list_mode = ListMode::kPaged;
  }
  return Next::kList;  // a paged list, at once (it Replaces whatever the FIFO holds)
}

std::chrono::seconds Reflector::random_watch_timeout() {
  auto min = options_.min_watch_timeout.count();
  if (min <= 0) return std::chrono::seconds(1);
  std::uniform_int_distribution<long long> d(min, 2 * min - 1);
  return std::chrono::seconds(d(rng_));
}

Reflector::Next Reflector::watch() {
  // After a streaming list, read on the same stream (it already delivered
  // something, so it counts as working).
  std::unique_ptr<Watch> w = std::move(continued_watch_);
  bool received = w != nullptr;
  // The server ends the watch after timeoutSeconds; if it does not (a dead
  // connection), give up 30 s later ourselves.
  auto hard_deadline = continued_deadline_;
  if (!w) {
    ListOptions o = request_options();
    o.resource_version = last_sync_resource_version();
    o.allow_watch_bookmarks = true;
    auto timeout = random_watch_timeout();
    o.timeout_seconds = static_cast<int>(timeout.count());
    hard_deadline = SteadyClock::now() + timeout + std::chrono::seconds(30);
    auto opened = lw_.watch(o, stop_source_.get_token());
    if (stopping()) return Next::kStop;
    if (!opened) {
      record_error(opened.error());
      if (is_gone(opened.error())) {
        MutexLock l(mu_);
        ++stats_.expired;
        return Next::kList;  // from the last synced version (client-go)
      }
      return Next::kBackoffThenWatch;
    }
    w = std::move(*opened);
    MutexLock l(mu_);
    ++stats_.watches;
  }
  auto registered = register_watch(*w);

  while (!stopping()) {
    auto now = SteadyClock::now();
    auto deadline = hard_deadline;
    bool idle_guard = options_.watch_idle_timeout.count() > 0;
    if (idle_guard) deadline = std::min(deadline, now + options_.watch_idle_timeout);
    bool resync_due = options_.resync_period.count() > 0;
    if (resync_due) {
      auto until = next_resync_ - clock_.now();
      deadline = std::min(deadline, now + std::max(until, Clock::Duration::zero()));
    }
    auto next = w->next(deadline);
    if (stopping()) return Next::kStop;
    if (resync_due) maybe_resync();
    if (!next) {
      if (is_timeout_from_next(next.error())) {
        auto t = SteadyClock::now();
        if (t >= hard_deadline) return Next::kWatch;
        if (idle_guard && t >= now + options_.watch_idle_timeout) return Next::kWatch;  // dead: re-open
        continue;  // woke for a resync
      }
      record_error(next.error());
      if (is_gone(next.error())) {  // e.g. a 410 answer to the watch request itself
        MutexLock l(mu_);
        ++stats_.expired;
        return Next::kList;
      }
      // A stream that delivered events was working: re-open at once. One that
      // broke before delivering anything backs off, so a failing server is
      // never hammered.
      return received ? Next::kWatch : Next::kBackoffThenWatch;
    }
    if (!next->has_value()) return Next::kWatch;  // ended normally (server timeout)
    const WatchEvent& ev = **next;
    if (ev.type == WatchEventType::Error) {
      Error e = ev.error.value_or(Error::internal(options_.name + ": watch ERROR event without a Status"));
      record_error(e);
      if (is_gone(e)) {
        MutexLock l(mu_);
        ++stats_.expired;
        return Next::kList;
      }
      return Next::kBackoffThenWatch;
    }
    if (!apply_event(ev)) return Next::kBackoffThenWatch;
    if (!received) {
      received = true;
      clear_error();
      reset_backoff();
    }
  }
  return Next::kStop;
}

bool Reflector::apply_event(const WatchEvent& ev) {
  if (!ev.object) {
    record_error(Error::internal(options_.name + ": watch event without an object"));
    return false;
  }
  std::string rv(ev.object->resource_version());
  if (ev.type == WatchEventType::Bookmark) {
    MutexLock l(mu_);
    ++stats_.bookmarks;
    if (!rv.empty()) last_sync_rv_ = std::move(rv);
    return true;
  }
  ObjectPtr obj = ev.object;
  if (options_.transform) obj = options_.transform(std::move(obj));
  if (obj) {
    Result<void> r;
    switch (ev.type) {
      case WatchEventType::Added:
        r = fifo_.add(obj);
        break;
      case WatchEventType::Modified:
        r = fifo_.update(obj);
        break;
      case WatchEventType::Deleted:
        r = fifo_.delete_(obj);
        break;
      default:
        break;
    }
    if (!r) {
      record_error(r.error());
      return false;
    }
  }
  MutexLock l(mu_);
  ++stats_.events;
  if (!rv.empty()) last_sync_rv_ = std::move(rv);
  return true;
}

void Reflector::maybe_resync() {
  auto now = clock_.now();
  if (now < next_resync_) return;
  next_resync_ = now + options_.resync_period;
  if (!options_.should_resync || options_.should_resync()) fifo_.resync();
}

bool Reflector::backoff() {
  // Exponential with full jitter on top (client-go: factor 2, jitter 1.0),
  // capped at backoff_max.
  if (current_backoff_.count() == 0) {
    current_backoff_ = options_.backoff_initial;
  } else {
    current_backoff_ = std::min(options_.backoff_max, current_backoff_ * 2);
  }
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  auto wait = std::min<std::chrono::milliseconds>(
      options_.backoff_max,
      std::chrono::milliseconds(static_cast<long long>(current_backoff_.count() * (1.0 + jitter(rng_)))));
  auto deadline = clock_.now() + wait;
  MutexLock l(mu_);
  while (!stopping() && clock_.now() < deadline) clock_.wait_until(mu_, wake_, deadline);
  return !stopping();
}

void Reflector::reset_backoff() { current_backoff_ = std::chrono::milliseconds(0); }

void Reflector::record_error(const Error& e) {
  {
    MutexLock l(mu_);
    ++stats_.errors;
    last_error_ = e;
  }
  // A 410 is routine (the reflector relists); everything else is worth a
  // warning. Rate-limited: a server that is down fails every backoff step.
  error_log_.write(is_gone(e) ? log::Level::kInfo : log::Level::kWarning, "reflector",
                   "list/watch failed; retrying",
                   {{"name", options_.name}, {"code", e.code}, {"reason", e.reason}, {"error", e.message}});
  if (options_.watch_error_handler) options_.watch_error_handler(e);
}

void Reflector::clear_error() {
  MutexLock l(mu_);
  last_error_.reset();
}

}  // namespace kube::informers
