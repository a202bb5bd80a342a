#include "kube/version.h"

namespace kube {

std::string_view version() noexcept { return KINFORMER_VERSION_STRING; }

}  // namespace kube
