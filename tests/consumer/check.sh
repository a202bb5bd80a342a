#!/usr/bin/env bash
# Installs a built kinformer tree into a temporary prefix and uses it the way
# a user's project would (ctest InstallConsumer; README "Install and use from
# your project"):
#   1. cmake --install BUILD_DIR --prefix TMP
#   2. examples/consumer configured with find_package(kinformer CONFIG), built,
#      and run against the static and the shared libraries
#   3. a one-file program compiled with `pkg-config --cflags --libs
#      kinformer-testing` and run
#   4. TMP/bin/kinformer --version
# and examples/consumer's crd_consumer, whose types the installed
# kinformer-openapi-gen generates from a CRD (kinformer_crd_types()).
# Each program prints kube::version(), which must be EXPECTED_VERSION.
#   tests/consumer/check.sh BUILD_DIR CXX EXPECTED_VERSION
set -euo pipefail
build_dir=$1
cxx=$2
expected_version=$3
source_dir=$(cd "$(dirname "$0")/../.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/kinformer-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

step() { echo "== install check: $*"; }
fail() { echo "install check: $*" >&2; exit 1; }
expect_version() {  # NAME OUTPUT
  grep -q "kinformer $expected_version\b" <<<"$2" || fail "$1 printed '$2', expected 'kinformer $expected_version'"
}

step "cmake --install $build_dir --prefix $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "install failed"; }
# Installed headers include only kube/... and external headers, never src/.
if grep -rn '#include "src/' "$prefix/include/kube"; then fail "an installed header includes a private src/ header"; fi

step "find_package(kinformer CONFIG): configure and build examples/consumer"
cmake -S "$source_dir/examples/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "configure of examples/consumer failed"; }
cmake --build "$work/build" -j 2 || fail "build of examples/consumer failed"

for exe in consumer consumer_shared; do
  [[ -x $work/build/$exe ]] || { [[ $exe == consumer_shared ]] && continue; fail "$exe not built"; }
  step "run $exe"
  out=$("$work/build/$exe") || fail "$exe exited $?: $out"
  echo "$out"
  expect_version "$exe" "$out"
  grep -q "hello seen" <<<"$out" || fail "$exe: the informer did not see the configmap"
done

step "run crd_consumer (types from widget_crd.yaml by the installed kinformer-openapi-gen)"
out=$("$work/build/crd_consumer") || fail "crd_consumer exited $?: $out"
echo "$out"
grep -q '^widgets {.*"size":3' <<<"$out" || fail "crd_consumer: unexpected output"

pc_file=$(find "$prefix" -name kinformer.pc)
if [[ -n $pc_file ]] && command -v pkg-config >/dev/null; then
  step "pkg-config --cflags --libs kinformer-testing: compile and run one file"
  export PKG_CONFIG_PATH=${pc_file%/*}
  libdir=$(pkg-config --variable=libdir kinformer)
  pc_version=$(pkg-config --modversion kinformer)
  [[ $pc_version == "$expected_version" ]] || fail "pkg-config --modversion kinformer: $pc_version, expected $expected_version"
  # shellcheck disable=SC2046  # the flags are words
  "$cxx" -std=c++20 "$source_dir/tests/consumer/pkg_config_main.cc" -o "$work/pc_main" \
    $(pkg-config --cflags --libs kinformer-testing) -Wl,-rpath,"$libdir" ||
    fail "compile with pkg-config flags failed"
  out=$("$work/pc_main") || fail "pc_main exited $?: $out"
  echo "$out"
  expect_version pc_main "$out"
fi

if [[ -x $prefix/bin/kinformer ]]; then
  step "kinformer --version"
  out=$("$prefix/bin/kinformer" --version) || fail "kinformer --version exited $?"
  echo "$out"
  expect_version "kinformer --version" "$out"
fi
echo "install check: ok"
