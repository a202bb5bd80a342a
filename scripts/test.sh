#!/usr/bin/env bash
# Builds kinformer from nothing and runs the whole test suite under
# AddressSanitizer + UBSan (the `asan` preset, g++, -Werror).
# Installs the Debian packages it needs first (as root, or with sudo).
#   ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"
