// kube/core/object.h — the immutable Kubernetes object every layer shares.
//
// An Object is one Kubernetes object (a Pod, a ConfigMap, a custom resource,
// or a PartialObjectMetadata) held as its minified JSON bytes plus the
// metadata every layer needs, extracted once when the object is built. Other
// fields are read lazily from the bytes, on request, by path.
//
// Why bytes and not a DOM: see docs/design.md ("Object representation"). In
// short, a cached pod costs ~1.03x its minified JSON size this way, against
// 3-5x for a Boost.JSON or simdjson DOM, and building it runs at >1 GB/s.
//
// Objects are immutable and handed around as ObjectPtr
// (std::shared_ptr<const Object>): the store, the delta FIFO and every event
// handler share one copy. Nobody can mutate what the cache gave them; to
// change an object, take `to_value()`, edit the DOM, and build a new Object.
//
//   kube::Result<kube::ObjectPtr> pod = kube::Object::parse(R"({
//       "apiVersion": "v1", "kind": "Pod",
//       "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web"}}})");
//   if (pod) {
//     std::string_view app = (*pod)->label("app").value_or("");
//     std::optional<std::string> node = (*pod)->field_string("spec.nodeName");
//   }
//
// Thread-safety: an Object is immutable after construction; any number of
// threads may read it at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>  // field() and to_value() return values

#include "kube/core/result.h"

namespace kube {

class Object;
using ObjectPtr = std::shared_ptr<const Object>;

// metadata.ownerReferences[i]
struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool block_owner_deletion = false;
};

// One label. Views into the Object; valid while the Object lives.
struct Label {
  std::string_view key;
  std::string_view value;
};

// How Object::parse builds an object.
struct ParseOptions {
  // Leave out metadata.managedFields: server-side apply's record of which
  // manager set which field. It is a third of the pod captured from
  // kube-apiserver (2.6 of 7.9 KB) and few controllers read it, so a cache
  // built this way holds about that much less (controller-runtime offers the same as
  // cache.TransformStripManagedFields; client-go and kube-rs keep the field
  // unless told otherwise, as we do by default). The field's bytes are cut
  // out before the object is built: nothing else changes, and the full
  // object is never allocated.
  bool strip_managed_fields = false;
};

class Object {
 public:
  // Builds an Object from JSON text (any formatting). Fails, naming what was
  // wrong and where, if the text is not valid JSON, is not a JSON object, or
  // has a metadata field of the wrong type.
  static Result<ObjectPtr> parse(std::string_view json);
  static Result<ObjectPtr> parse(std::string_view json, const ParseOptions& options);
  // Builds an Object from a DOM (the usual way to create one in code).
  static Result<ObjectPtr> from_value(const boost::json::value& value);

  ~Object();
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  // The whole object as minified JSON.
  std::string_view json() const { return {buf_.get(), json_size_}; }

  std::string_view api_version() const { return view(api_version_); }
  std::string_view kind() const { return view(kind_); }
  std::string_view name() const { return view(name_); }
  // metadata.namespace; empty for cluster-scoped objects.
  std::string_view namespace_() const { return view(ns_); }
  std::string_view uid() const { return view(uid_); }
  std::string_view resource_version() const { return view(resource_version_); }
  std::string_view generate_name() const { return view(generate_name_); }
  // RFC 3339 text as served, e.g. "2026-11-24T12:27:54Z"; empty when absent.
  std::string_view creation_timestamp() const { return view(creation_timestamp_); }
  std::string_view deletion_timestamp() const { return view(deletion_timestamp_); }
  // metadata.generation; 0 when absent (as in Go).
  std::int64_t generation() const { return generation_; }

  // metadata.labels, sorted by key.
  std::span<const Label> labels() const { return {labels_, label_count_}; }
  std::optional<std::string_view> label(std::string_view key) const;

  // Read lazily from the bytes on each call (they are rarely needed on the
  // hot path, and annotations are often large).
  std::vector<std::pair<std::string, std::string>> annotations() const;
  std::optional<std::string> annotation(std::string_view key) const;
  std::vector<OwnerReference> owner_references() const;
  std::vector<std::string> finalizers() const;

  // Any field by dotted path ("spec.nodeName", "status.conditions",
  // "metadata.labels.app"). A segment that is a number indexes an array.
  // nullopt when any segment is missing.
  std::optional<boost::json::value> field(std::string_view path) const;
  // The JSON text of any field by the same paths, as it sits in json(): a
  // view into this Object (valid while it lives), with no copy or parse.
  // nullopt when any segment is missing.
  std::optional<std::string_view> raw_field(std::string_view path) const;
  // A scalar field as text, the way field selectors compare it: strings as
  // is, numbers and booleans printed, null as "". nullopt for a missing field
  // or one that is an object or array.
  std::optional<std::string> field_string(std::string_view path) const;
  // field_string for each of `paths`, in that order, from one pass over the
  // JSON (a field index store files each object under several paths).
  std::vector<std::optional<std::string>> field_strings(const std::vector<std::string>& paths) const;

  // A full DOM copy, for building a changed object.
  boost::json::value to_value() const;

  // Heap bytes this object owns (buffers and arrays, not the control block).
  std::size_t heap_bytes() const;

 private:
  struct Ref {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  class Builder;
  Object() = default;
  std::string_view view(Ref r) const { return {buf_.get() + r.offset, r.size}; }

  // buf_ = [minified JSON][metadata strings, unescaped, that do not occur
  //        in the JSON as they are][padding to Label alignment][Label array].
  //        A Ref points into the JSON when the string's bytes occur there (the
  //        usual case). No simdjson padding: lazy reads copy (object.cc).
  // One allocation for all of it (and one more for the Object with its
  // shared_ptr control block): objects are built at watch-event rates.
  std::unique_ptr<char[]> buf_;
  const Label* labels_ = nullptr;  // into buf_
  std::uint32_t json_size_ = 0;
  std::uint32_t buf_size_ = 0;
  std::uint32_t label_count_ = 0;
  Ref api_version_, kind_, name_, ns_, uid_, resource_version_, generate_name_,
      creation_timestamp_, deletion_timestamp_;
  std::int64_t generation_ = 0;
};

}  // namespace kube
