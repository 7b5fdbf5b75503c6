// lockorder's native tree reader: parse a file with tree-sitter and hand the
// whole tree to JavaScript as flat typed arrays, in one call.
//
// Reading a tree through node-tree-sitter's TreeCursor costs one crossing into
// native code per property per node (type, field, start, end, first child,
// next sibling): for the kernel's fs/ that was as much CPU as the parse
// itself. Here the walk runs in C and JavaScript receives the arrays
// server/src/parse/lite.ts's LiteTree is made of, with the same answers as
// liteTree()'s cursor walk (test/parse/nativeTree.test.ts compares the two).
//
// The grammar is the one the tree-sitter-c package built: its `language`
// export is a type-tagged napi External holding the TSLanguage pointer, the
// contract node-tree-sitter itself reads it by. The runtime is compiled from
// the tree-sitter package's vendored sources, the same version as
// node-tree-sitter's.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <tree_sitter/api.h>

// "tree-sitter", "language" hashed with BLAKE2 (tree-sitter-c's binding.cc)
static const napi_type_tag LANGUAGE_TYPE_TAG = {0x8AF2E5212AD58ABFULL, 0xD5006CAD83ABBA16ULL};

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "lockorder native tree reader: " #call);   \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static const TSLanguage *language_of(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &LANGUAGE_TYPE_TAG, &tagged) != napi_ok || !tagged) return NULL;
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return (const TSLanguage *)p;
}

// A typed array of `n` elements of `type` backed by a new ArrayBuffer; *data points at its storage.
static napi_value typed(napi_env env, napi_typedarray_type type, size_t elem, size_t n, void **data) {
  napi_value buf, arr;
  if (napi_create_arraybuffer(env, n * elem > 0 ? n * elem : 1, data, &buf) != napi_ok) return NULL;
  if (napi_create_typedarray(env, type, n, buf, 0, &arr) != napi_ok) return NULL;
  return arr;
}

// The call's first `n` arguments (missing ones undefined) and its first, tree-sitter-c's language;
// NULL with a JavaScript exception pending when that is not the language.
static const TSLanguage *language_arg(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "lockorder native tree reader: cannot read the arguments");
    return NULL;
  }
  const TSLanguage *lang = argc >= 1 ? language_of(env, argv[0]) : NULL;
  if (!lang) napi_throw_type_error(env, NULL, "expected tree-sitter-c's language");
  return lang;
}

// A JavaScript string from a C string (NULL: ""), or NULL with an exception pending.
static napi_value str(napi_env env, const char *s) {
  napi_value v;
  return napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v) == napi_ok ? v : NULL;
}

// grammar(language) -> { names: string[], named: boolean[], fields: string[] }: symbol names and
// whether each is a named node type, by symbol id (0xffff, ERROR, not included); field names by
// field id (0: none)
static napi_value grammar(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  const TSLanguage *lang = language_arg(env, info, 1, argv);
  if (!lang) return NULL;
  uint32_t n = ts_language_symbol_count(lang), nf = ts_language_field_count(lang);
  napi_value names, named, fields, out;
  CHECK(napi_create_array_with_length(env, n, &names));
  CHECK(napi_create_array_with_length(env, n, &named));
  CHECK(napi_create_array_with_length(env, nf + 1, &fields));
  for (uint32_t i = 0; i < n; i++) {
    napi_value b;
    CHECK(napi_get_boolean(env, ts_language_symbol_type(lang, (TSSymbol)i) == TSSymbolTypeRegular, &b));
    CHECK(napi_set_element(env, names, i, str(env, ts_language_symbol_name(lang, (TSSymbol)i))));
    CHECK(napi_set_element(env, named, i, b));
  }
  for (uint32_t i = 1; i <= nf; i++) CHECK(napi_set_element(env, fields, i, str(env, ts_language_field_name_for_id(lang, (TSFieldId)i))));
  CHECK(napi_create_object(env, &out));
  CHECK(napi_set_named_property(env, out, "names", names));
  CHECK(napi_set_named_property(env, out, "named", named));
  CHECK(napi_set_named_property(env, out, "fields", fields));
  return out;
}

// parse(language, text, leaf[, base]) -> { type, start, end, field, parent, first, next, flags }
// or null when tree-sitter gives no tree. `leaf` (Uint8Array by symbol id) marks the types whose
// children are not read, as liteTree() does. Offsets are UTF-16 code units, as node-tree-sitter
// reports them, plus `base` (default 0): the offset of `text` in a larger text it was cut from.
// flags: 1 missing node, 2 the subtree contains an ERROR or MISSING node.
static napi_value parse(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const TSLanguage *lang = language_arg(env, info, 4, argv);
  if (!lang) return NULL;
  int64_t base = 0;
  {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[3], &t));
    if (t == napi_number) CHECK(napi_get_value_int64(env, argv[3], &base));
    else if (t != napi_undefined) { napi_throw_type_error(env, NULL, "base must be a number"); return NULL; }
    if (base < 0 || base > INT32_MAX) { napi_throw_range_error(env, NULL, "base is out of range"); return NULL; }
  }
  size_t len = 0;
  CHECK(napi_get_value_string_utf16(env, argv[1], NULL, 0, &len));
  uint8_t *leaf = NULL;
  size_t leafLen = 0;
  {
    napi_typedarray_type lt;
    napi_value lb;
    size_t off;
    void *ld;
    CHECK(napi_get_typedarray_info(env, argv[2], &lt, &leafLen, &ld, &lb, &off));
    if (lt != napi_uint8_array) { napi_throw_type_error(env, NULL, "leaf must be a Uint8Array"); return NULL; }
    leaf = (uint8_t *)ld;
  }
  char16_t *text = (char16_t *)malloc((len + 1) * sizeof(char16_t));
  if (!text) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  size_t got = 0;
  if (napi_get_value_string_utf16(env, argv[1], text, len + 1, &got) != napi_ok) { free(text); napi_throw_error(env, NULL, "cannot read the text"); return NULL; }
  TSParser *parser = ts_parser_new();
  if (!parser || !ts_parser_set_language(parser, lang)) { free(text); if (parser) ts_parser_delete(parser); napi_throw_error(env, NULL, "tree-sitter rejected the language"); return NULL; }
  TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, (const char *)text, (uint32_t)(got * 2), TSInputEncodingUTF16LE);
  free(text);
  ts_parser_delete(parser);
  napi_value result;
  if (!tree) { CHECK(napi_get_null(env, &result)); return result; }
  if ((uint64_t)base + got > INT32_MAX) { ts_tree_delete(tree); napi_throw_range_error(env, NULL, "the text is too long"); return NULL; }

  TSNode root = ts_tree_root_node(tree);
  size_t cap = ts_node_descendant_count(root); // every node: an upper bound of those read
  uint16_t *type, *field;
  int32_t *start, *end, *parent, *first, *next;
  uint8_t *flags;
  napi_value aType = typed(env, napi_uint16_array, 2, cap, (void **)&type);
  napi_value aField = typed(env, napi_uint16_array, 2, cap, (void **)&field);
  napi_value aStart = typed(env, napi_int32_array, 4, cap, (void **)&start);
  napi_value aEnd = typed(env, napi_int32_array, 4, cap, (void **)&end);
  napi_value aParent = typed(env, napi_int32_array, 4, cap, (void **)&parent);
  napi_value aFirst = typed(env, napi_int32_array, 4, cap, (void **)&first);
  napi_value aNext = typed(env, napi_int32_array, 4, cap, (void **)&next);
  napi_value aFlags = typed(env, napi_uint8_array, 1, cap, (void **)&flags);
  if (!aType || !aField || !aStart || !aEnd || !aParent || !aFirst || !aNext || !aFlags) {
    ts_tree_delete(tree);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int32_t *stack = (int32_t *)malloc((cap + 1) * sizeof(int32_t));
  if (!stack) { ts_tree_delete(tree); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  size_t depth = 0, n = 0;
  int32_t last = -1; // the previous sibling of the node being entered, -1 at a first child
  TSTreeCursor c = ts_tree_cursor_new(root);
  for (;;) {
    if (n >= cap) break; // cannot happen: cap counts every node
    int32_t i = (int32_t)n++;
    TSNode node = ts_tree_cursor_current_node(&c);
    TSSymbol sym = ts_node_symbol(node);
    uint32_t s = ts_node_start_byte(node) / 2, e = ts_node_end_byte(node) / 2;
    int32_t par = depth ? stack[depth - 1] : -1;
    type[i] = sym;
    field[i] = ts_tree_cursor_current_field_id(&c);
    start[i] = (int32_t)(s + base);
    end[i] = (int32_t)(e + base);
    parent[i] = par;
    first[i] = -1;
    next[i] = -1;
    uint8_t f = sym == (TSSymbol)-1 ? 2 : 0;
    if (s == e && ts_node_is_missing(node)) f = 3;
    flags[i] = f;
    if (last >= 0) next[last] = i; else if (par >= 0) first[par] = i;
    bool isLeaf = sym != (TSSymbol)-1 && sym < leafLen && leaf[sym];
    if (!isLeaf && ts_tree_cursor_goto_first_child(&c)) { stack[depth++] = i; last = -1; continue; }
    last = i;
    // leave finished subtrees: next sibling, or up and on
    bool done = false;
    for (;;) {
      if (depth == 0) { done = true; break; }
      if (ts_tree_cursor_goto_next_sibling(&c)) break;
      ts_tree_cursor_goto_parent(&c);
      last = stack[--depth];
    }
    if (done) break;
  }
  ts_tree_cursor_delete(&c);
  ts_tree_delete(tree);
  free(stack);
  // "contains an error" from the leaves up (children come after their parent)
  for (size_t k = n; k-- > 1;) if (flags[k] & 2) flags[parent[k]] |= 2;

  CHECK(napi_create_object(env, &result));
  napi_value count;
  CHECK(napi_create_uint32(env, (uint32_t)n, &count));
  CHECK(napi_set_named_property(env, result, "count", count));
  CHECK(napi_set_named_property(env, result, "type", aType));
  CHECK(napi_set_named_property(env, result, "field", aField));
  CHECK(napi_set_named_property(env, result, "start", aStart));
  CHECK(napi_set_named_property(env, result, "end", aEnd));
  CHECK(napi_set_named_property(env, result, "parent", aParent));
  CHECK(napi_set_named_property(env, result, "first", aFirst));
  CHECK(napi_set_named_property(env, result, "next", aNext));
  CHECK(napi_set_named_property(env, result, "flags", aFlags));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"parse", NULL, parse, NULL, NULL, NULL, napi_default, NULL},
    {"grammar", NULL, grammar, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
