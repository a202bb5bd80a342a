#!/usr/bin/env bash
# Builds the API reference from the public headers into build/docs/html
# (open build/docs/html/index.html). Installs doxygen first when missing.
#   bash scripts/docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v doxygen > /dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q doxygen; else sudo apt-get install -y -q doxygen; fi
fi
mkdir -p build/docs
doxygen docs/Doxyfile
echo "API reference: build/docs/html/index.html ($(grep -c . build/docs/warnings.txt || true) doxygen warnings in build/docs/warnings.txt)"
