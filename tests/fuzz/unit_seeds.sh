#!/usr/bin/env bash
# Regenerates the fuzz seeds taken from the tests' own inputs: every string
# literal (adjacent literals joined, raw strings included) that a test file
# feeds the parser under test becomes one seed file,
#   tests/fuzz/seeds/<target>/unit-<Suite>.<Test>-<n>.<ext>
# named after the TEST it appears in (literals outside a TEST are named after
# the file). Which files feed which target, and which literals count as that
# parser's input, is the table below. Literals with \0, \x, \u or octal
# escapes are skipped; identical inputs are kept once. Seeds whose target
# reads a leading control byte (method, HTTP code, chunk size) get one.
# Not run by CI; rerun after changing those tests and commit the result:
#   bash tests/fuzz/unit_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C

# target | extension | filter | source files
table='
selector|txt|selector|tests/unit/core/selector_test.cc
object|json|json|tests/unit/core/object_test.cc tests/unit/core/convert_test.cc
watch_decoder|jsonl|watch|tests/unit/client/watch_decoder_test.cc
response|json|response|tests/unit/client/status_test.cc tests/unit/client/rest_client_test.cc
kubeconfig|yaml|kubeconfig|tests/unit/client/config_test.cc tests/unit/client/credentials_test.cc
apiserver_request|txt|path|tests/integration/apiserver/core_test.cc tests/integration/apiserver/list_watch_test.cc tests/integration/apiserver/rbac_test.cc tests/unit/testing/continue_token_test.cc
continue_token|txt|token|tests/unit/testing/continue_token_test.cc
'

extract='
function flush_literal(   c, b, name, file, code) {
  if (lit == "" || bad) return
  keep = 0
  if (filter == "selector") keep = index(lit, "{") == 0 && index(lit, ": ") == 0 && lit !~ /\n/ && length(lit) <= 300
  else if (filter == "json") keep = lit ~ /^[ \t\n]*\{/
  else if (filter == "watch") keep = index(lit, "\"type\"") > 0
  else if (filter == "response") keep = lit ~ /^[ \t\n]*[{<]/
  else if (filter == "kubeconfig") keep = lit ~ /(apiVersion|clusters|contexts|users|current-context):/
  else if (filter == "path") keep = lit ~ /^\/apis?(\/|$)/ && lit !~ /[ \n]/
  else if (filter == "token") keep = lit !~ /^[A-Z]+$/ && (lit ~ /^[A-Za-z0-9_+-]+$/ || lit ~ /^[0-9 +-]+[a-z0-9]*$/)
  if (!keep) return
  if (lit in seen) return
  seen[lit] = 1
  name = test == "" ? base : test
  count[name]++
  file = out "/unit-" name "-" count[name] "." ext
  # The control byte some targets read first (see each *_fuzz.cc).
  if (filter == "watch") printf "%c", 48 + (nwatch++ % 64) > file          # chunk size 1-64
  else if (filter == "path") printf "0" > file                            # 0x30 % 6 = GET
  else if (filter == "response") {                                         # HTTP code 400 + b % 200
    code = 500
    if (match(lit, /"code": *[0-9][0-9][0-9]/)) { c = substr(lit, RSTART, RLENGTH); sub(/.*[^0-9]/, "", c); code = c + 0 }
    if (code < 400 || code > 599) code = 500
    b = code - 400; if (b < 56) b += 200
    printf "%c", b > file
  }
  printf "%s", lit > file
  close(file)
}
function unescape(s,   r, i, ch, nx) {
  r = ""
  for (i = 1; i <= length(s); i++) {
    ch = substr(s, i, 1)
    if (ch != "\\") { r = r ch; continue }
    nx = substr(s, ++i, 1)
    if (nx == "n") r = r "\n"
    else if (nx == "t") r = r "\t"
    else if (nx == "r") r = r "\r"
    else if (nx == "\"" || nx == "\\" || nx == q || nx == "?") r = r nx
    else { bad = 1; return "" }
  }
  return r
}
{ src = src $0 "\n" }
END {
  n = length(src); i = 1; test = ""; lit = ""; bad = 0; joining = 0
  while (i <= n) {
    ch = substr(src, i, 1)
    if (ch == "/" && substr(src, i + 1, 1) == "/") { j = index(substr(src, i), "\n"); i += (j ? j : n); continue }
    if (ch == "/" && substr(src, i + 1, 1) == "*") { j = index(substr(src, i + 2), "*/"); i += (j ? j + 3 : n); continue }
    if (ch == q) {  # a char literal: skip it (may hold a double quote)
      j = i + 1; if (substr(src, j, 1) == "\\") j++
      i = j + 2; continue
    }
    if (ch == "R" && substr(src, i + 1, 1) == "\"" && substr(src, i - 1, 1) !~ /[A-Za-z0-9_]/) {
      rest = substr(src, i + 2); p = index(rest, "(")
      delim = substr(rest, 1, p - 1)
      body = substr(rest, p + 1); e = index(body, ")" delim "\"")
      if (!joining) { lit = ""; bad = 0 }
      lit = lit substr(body, 1, e - 1)
      i += 2 + p + e + length(delim) + 1; joining = 1; continue
    }
    if (ch == "\"") {
      j = i + 1
      while (j <= n && substr(src, j, 1) != "\"") { if (substr(src, j, 1) == "\\") j++; j++ }
      if (!joining) { lit = ""; bad = 0 }
      raw = substr(src, i + 1, j - i - 1)
      if (raw ~ /\\[0-7xuU]/) bad = 1
      else lit = lit unescape(raw)
      i = j + 1; joining = 1; continue
    }
    if (ch ~ /[ \t\n]/) { i++; continue }
    if (joining) { flush_literal(); joining = 0; lit = "" }
    if (ch == "T" && substr(src, i, 4) == "TEST" && substr(src, i - 1, 1) !~ /[A-Za-z0-9_]/) {
      head = substr(src, i, 300)
      if (match(head, /^TEST(_F|_P)?\([ \n]*[A-Za-z0-9_]+,[ \n]*[A-Za-z0-9_]+/)) {
        t = substr(head, RSTART, RLENGTH); sub(/^[^(]*\([ \n]*/, "", t); gsub(/[ \n]/, "", t); sub(/,/, ".", t)
        test = t; i += RLENGTH; continue
      }
    }
    i++
  }
  if (joining) flush_literal()
}
'

echo "$table" | while IFS='|' read -r target ext filter files; do
  [ -n "$target" ] || continue
  dir="tests/fuzz/seeds/$target"
  mkdir -p "$dir"
  rm -f "$dir"/unit-*
  for f in $files; do
    [ -f "$f" ] || continue
    awk -v q="'" -v filter="$filter" -v out="$dir" -v ext="$ext" -v base="$(basename "$f" .cc)" "$extract" "$f"
  done
  # The same input from two files (or already a hand-written seed): keep one.
  md5sum "$dir"/* | sort -k1,1 -s | awk 'seen[$1]++ { print $2 }' | { grep '/unit-' || true; } | xargs -r rm -f
  echo "$dir: $(ls "$dir" | grep -c '^unit-') seeds from unit tests"
done
