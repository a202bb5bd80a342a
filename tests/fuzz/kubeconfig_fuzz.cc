// Fuzz target: the kubeconfig loader (YAML) on arbitrary file content.
// Property: never crashes; a failure names the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "kube/client/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("kinformer-kubeconfig-fuzz-" + std::to_string(::getpid()));
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto cfg = kube::load_kubeconfig({.paths = {path}, .kubeconfig_env = "", .home = "/nonexistent"});
  if (!cfg && cfg.error().message.find(path.string()) == std::string::npos) std::abort();
  return 0;
}
