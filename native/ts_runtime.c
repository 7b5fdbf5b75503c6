// The tree-sitter runtime, compiled from the tree-sitter package's vendored
// sources (the version node-tree-sitter is built from; binding.gyp finds them
// wherever npm put the package).
#include "lib.c"
