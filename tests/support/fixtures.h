// Test helper: reads captures from ../shared/fixtures (a real kube-apiserver's
// responses). Tests call KUBE_FIXTURE_OR_SKIP so they skip, not fail, on a
// machine without ../shared.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace kube::testing {

inline std::filesystem::path fixtures_dir() {
  return std::filesystem::path(KINFORMER_SHARED_DIR) / "fixtures";
}

inline std::optional<std::string> read_fixture(const std::string& rel) {
  std::ifstream in(fixtures_dir() / rel, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kube::testing

#define KUBE_FIXTURE_OR_SKIP(var, rel)                                   \
  auto var##_opt = ::kube::testing::read_fixture(rel);                   \
  if (!var##_opt) GTEST_SKIP() << "fixture " << (rel) << " not present"; \
  const std::string& var = *var##_opt
