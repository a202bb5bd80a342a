// Uses the types kinformer_crd_types() generated from widget_crd.yaml: builds a
// Widget with designated initialisers, encodes it to JSON and decodes it back,
// as a program would before a create and after a get.
#include <iostream>

#include <boost/json/serialize.hpp>

#include "kube/api/example/v1.h"
#include "kube/core/convert.h"

int main() {
  namespace example = kube::api::example::v1;
  namespace meta = kube::api::meta::v1;
  example::Widget w{.metadata = meta::ObjectMeta{.name = "w1", .namespace_ = "default"},
                    .spec = example::WidgetSpec{.size = 3, .colour = "blue"}};
  boost::json::value json = kube::to_unstructured(w);
  kube::Result<kube::ObjectPtr> object = kube::Object::from_value(json);
  if (!object) {
    std::cerr << "crd_consumer: " << object.error().message << "\n";
    return 1;
  }
  kube::Result<example::Widget> back = kube::from_unstructured<example::Widget>(**object);
  if (!back || back->spec->size != 3) {
    std::cerr << "crd_consumer: round trip failed: " << (back ? "size" : back.error().message) << "\n";
    return 1;
  }
  std::cout << example::Widget::kube_resource << " " << boost::json::serialize(json) << "\n";
  return 0;
}
