#!/usr/bin/env bash
# Installs exactly the Debian bookworm packages kinformer's build, tests and tools need.
# Idempotent: packages already installed are skipped; apt-get runs only when something is missing.
# Must run as root (or with sudo available) on Debian bookworm.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang clang-tidy clang-format libclang-rt-14-dev
  libboost1.81-all-dev      # Asio/Beast (embedded API server), JSON, URL
  libsimdjson-dev           # fast JSON parsing of cached objects and watch streams
  libyaml-cpp-dev           # kubeconfig, YAML output
  libcurl4-openssl-dev      # client transport (HTTP/1.1 + HTTP/2, TLS)
  libnghttp2-dev nghttp2-server  # HTTP/2 test peer (nghttpd)
  nghttp2-proxy             # nghttpx: HTTP/2 TLS frontend before the embedded server (tests, bench informers --http2-proxy)
  libssl-dev openssl        # TLS for the embedded API server, cert generation
  libcli11-dev              # the kinformer command line
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # benchmarks
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
