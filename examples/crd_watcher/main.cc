// crd_watcher — a dynamic informer on a custom resource, its objects turned
// into a C++ struct.
//
// The resource is FeatureFlag (featureflags.example.kinformer.io/v1; install
// it with `kubectl apply -f examples/crd_watcher/featureflag-crd.json`):
//
//   apiVersion: example.kinformer.io/v1
//   kind: FeatureFlag
//   metadata: {name: new-checkout, namespace: demo}
//   spec: {enabled: true, rollout: 25, description: "New checkout flow"}
//
// The informer holds kube::Objects (JSON bytes + metadata); the program wants
// a FeatureFlag. The struct declares its JSON fields once (kube_fields) and
// kube::from_unstructured does the conversion, type-checking every field and
// naming each problem by path; rollout's 0-100 range is a small custom
// kube::Codec. An object of the wrong shape (`enabled: "yes"`, `rollout: 150`)
// is reported as INVALID with the reasons, and the watcher carries on.
//
// If the CRD is not installed yet the informer keeps retrying (with backoff)
// and the program says what is missing; once the CRD appears it syncs.
#include <optional>

#include <boost/json.hpp>

#include "examples/common/example.h"
#include "kube/core/convert.h"
#include "kube/informers/factory.h"
#include "kube/informers/typed_lister.h"

namespace {

namespace ex = kinformer::examples;
namespace json = boost::json;

const kube::Resource kFeatureFlags{{"example.kinformer.io", "v1", "featureflags"},
                                   /*namespaced=*/true};

// spec.rollout: percent of users, an integer 0-100; absent means everyone.
struct Percent {
  int value = 100;
};

struct FeatureFlagSpec {
  bool enabled = false;
  Percent rollout;
  std::string description;
  static constexpr auto kube_fields() {
    return kube::fields(kube::field("enabled", &FeatureFlagSpec::enabled).required(),
                        kube::field("rollout", &FeatureFlagSpec::rollout),
                        kube::field("description", &FeatureFlagSpec::description));
  }
};

struct FeatureFlag {
  kube::ObjectMeta metadata;
  FeatureFlagSpec spec;
  static constexpr auto kube_fields() {
    return kube::fields(kube::field("metadata", &FeatureFlag::metadata),
                        kube::field("spec", &FeatureFlag::spec).required());
  }
};

}  // namespace

// A member type of our own: decoded with its range checked, in the same pass
// (so one message lists every problem of an object).
template <>
struct kube::Codec<Percent> {
  static void decode(const json::value& v, Percent& out, kube::Decoder& d) {
    if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > 100)
      return d.mismatch("integer 0-100", v);
    out.value = static_cast<int>(v.get_int64());
  }
  static json::value encode(const Percent& p) { return p.value; }
  static bool empty(const Percent&) { return false; }
};

namespace {

// The whole conversion. The error lists every problem, e.g.
//   .spec.enabled: expected boolean, got string "yes"; .spec.rollout: expected integer 0-100,
//   got number 150
kube::Result<FeatureFlag> feature_flag_from_object(const kube::Object& obj) {
  return kube::from_unstructured<FeatureFlag>(obj);
}

std::string summary(const FeatureFlag& f) {
  return "enabled=" + std::string(f.spec.enabled ? "true" : "false") +
         " rollout=" + std::to_string(f.spec.rollout.value) +
         "% description=" + json::serialize(json::string(f.spec.description));
}

// "enabled: false -> true; rollout: 25% -> 50%", or "" when the spec is the same.
std::string spec_changes(const FeatureFlagSpec& a, const FeatureFlagSpec& b) {
  std::string s;
  auto add = [&s](const std::string& what) { s += (s.empty() ? "" : "; ") + what; };
  if (a.enabled != b.enabled)
    add(std::string("enabled: ") + (a.enabled ? "true" : "false") + " -> " +
        (b.enabled ? "true" : "false"));
  if (a.rollout.value != b.rollout.value)
    add("rollout: " + std::to_string(a.rollout.value) + "% -> " + std::to_string(b.rollout.value) +
        "%");
  if (a.description != b.description) {
    add("description: " + json::serialize(json::string(a.description)) + " -> " +
        json::serialize(json::string(b.description)));
  }
  return s;
}

// Runs on the informer's handler thread, one notification at a time.
class FeatureFlagPrinter : public kube::informers::ResourceEventHandler {
 public:
  void on_add(const kube::ObjectPtr& obj, bool is_in_initial_list) override {
    auto f = feature_flag_from_object(*obj);
    if (!f) return invalid(*obj, f.error());
    ex::out() << "ADDED featureflag " << kube::object_key(*obj) << ": " << summary(*f)
              << (is_in_initial_list ? " (initial list)" : "");
  }

  void on_update(const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) override {
    if (old_obj->resource_version() == obj->resource_version()) return;  // a resync, not a change
    auto f = feature_flag_from_object(*obj);
    if (!f) return invalid(*obj, f.error());
    auto before = feature_flag_from_object(*old_obj);
    if (!before) {
      ex::out() << "MODIFIED featureflag " << kube::object_key(*obj)
                << " (now valid): " << summary(*f);
      return;
    }
    std::string changes = spec_changes(before->spec, f->spec);
    ex::out() << "MODIFIED featureflag " << kube::object_key(*obj) << ": "
              << (changes.empty() ? "spec unchanged (metadata or status changed)" : changes);
  }

  void on_delete(const kube::informers::DeletedObject& d) override {
    if (const auto* t = std::get_if<kube::DeletedFinalStateUnknown>(&d)) {
      ex::out() << "DELETED featureflag " << t->key << " (while the watch was down)";
      return;
    }
    ex::out() << "DELETED featureflag " << kube::object_key(*std::get<kube::ObjectPtr>(d));
  }

 private:
  static void invalid(const kube::Object& obj, const kube::Error& e) {
    ex::out() << "INVALID featureflag " << kube::object_key(obj) << ": " << e.message;
  }
};

}  // namespace

int main(int argc, char** argv) {
  ex::StopSignals stop;
  ex::CommonFlags flags;
  std::string ns;
  CLI::App app{"crd_watcher: follow FeatureFlag custom resources through a dynamic informer"};
  ex::add_common_flags(app, flags);
  app.add_option("-n,--namespace", ns, "Only this namespace (default: all namespaces)");
  if (auto rc = ex::parse_flags(app, argc, argv)) return *rc;

  auto client = ex::connect(flags);
  if (!client) return ex::kConfig;
  kube::informers::InformerFactoryOptions options;
  options.namespace_ = ns;
  options.reflector.backoff_max = std::chrono::seconds(5);  // notice a newly installed CRD soon
  kube::informers::SharedInformerFactory factory(client, options);
  auto flags_informer = factory.for_resource(kFeatureFlags);  // dynamic: any group/version/resource
  flags_informer.informer->add_event_handler(std::make_shared<FeatureFlagPrinter>());

  stop.start_clock(flags);
  factory.start();
  std::optional<std::string> why;
  std::string last_error;
  while (!flags_informer.informer->wait_for_cache_sync(std::chrono::milliseconds(100))) {
    if ((why = stop.poll(std::chrono::milliseconds(0)))) break;
    auto e = flags_informer.informer->last_error();
    if (!e || e->message == last_error) continue;
    last_error = e->message;
    if (e->is_not_found()) {
      ex::err() << "crd_watcher: " << kFeatureFlags.gvr.resource << "." << kFeatureFlags.gvr.group
                << "/" << kFeatureFlags.gvr.version
                << " is not served by this cluster; install the CRD with "
                << "`kubectl apply -f examples/crd_watcher/featureflag-crd.json` (retrying)";
    } else {
      ex::err() << "crd_watcher: not synced yet: " << e->message;
    }
  }
  if (!why) {
    ex::out() << "synced " << flags_informer.lister().list().size()
              << " feature flags; watching for changes";
    why = stop.wait();
  }
  std::size_t valid = 0, invalid = 0;
  kube::informers::TypedLister<FeatureFlag> typed(flags_informer.lister());
  for (const auto& f : typed.list()) ++(f ? valid : invalid);
  ex::out() << "stopping (" << *why << "): " << valid << " valid and " << invalid
            << " invalid feature flags cached";
  factory.shutdown();
  return ex::kOk;
}
