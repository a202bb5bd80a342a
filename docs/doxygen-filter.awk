# Doxygen input filter for kinformer's headers (docs/Doxyfile): our comments are
# plain `//`. The file's leading comment block becomes its \file documentation;
# a `//` comment line before a declaration becomes `///`; a trailing `// ...`
# after a member becomes `///<`. Code is passed through unchanged.
BEGIN { head = 1; opened = 0 }
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
