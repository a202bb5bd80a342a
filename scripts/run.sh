#!/usr/bin/env bash
# Builds kinformer (release) and runs the main job: `kinformer demo`, which
# shows the informer cache at work. Installs what it needs first.
#   ./scripts/run.sh [extra kinformer demo flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target kinformer_cli
exec ./build/release/tools/kinformer/kinformer demo "$@"
