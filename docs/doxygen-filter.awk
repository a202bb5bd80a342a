# Doxygen input filter for kinformer's headers (docs/Doxyfile): our comments are
# plain `//`. The file's leading comment block becomes its \file documentation;
# a `//` comment line before a declaration becomes `///`; a trailing `// ...`
# after a member becomes `///<`. Code is passed through unchanged. Markdown
# pages only get their header links rewritten (below).
BEGIN { head = 1; opened = 0 }
# Markdown pages: passed through, except that a link to a public header
# (`[x](../../include/kube/informers/factory.h)`, right on GitHub) becomes a
# link to that header's reference page (`[x](@ref kube/informers/factory.h)`).
FILENAME ~ /\.md$/ {
  while (match($0, /\]\((\.\.\/)*include\/kube\/[A-Za-z0-9_\/]+\.h\)/)) {
    link = substr($0, RSTART + 2, RLENGTH - 3)
    sub(/^(\.\.\/)*include\//, "", link)
    $0 = substr($0, 1, RSTART + 1) "@ref " link ")" substr($0, RSTART + RLENGTH)
  }
  print
  next
}
head && /^\/\// {
  line = $0
  sub(/^\/\/ ?/, "", line)
  gsub(/\*\//, "* /", line)
  gsub(/\/\*/, "/ *", line)
  if (!opened) { print "/** \\file"; opened = 1 }
  print " * " line
  next
}
head {
  if (opened) print " */"
  head = 0
}
/^[ \t]*\/\/( |$)/ { sub(/\/\//, "///"); gsub(/\/\*/, "/ *"); print; next }
/[;{,)][ \t]+\/\/ / { sub(/[ \t]+\/\/ /, " ///< "); print; next }
{ print }
