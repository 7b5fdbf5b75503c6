// The kernel-C normaliser: same length, same line breaks, and the shapes that
// make raw tree-sitter-c fail come out as C it can parse.
import * as assert from 'assert';
import { normalizeKernelC } from '../../server/src/parse/normalize';
import { parseC, parsePlain } from '../../server/src/parse/parser';

function functionsWithErrors(src: string, normalise: boolean): number {
  const tree = normalise ? parseC(src).tree : parsePlain(src);
  let n = 0;
  const walk = (node: typeof tree.rootNode): void => {
    if (node.type === 'function_definition') { if (node.hasError) n++; return; }
    for (const c of node.namedChildren) walk(c);
  };
  walk(tree.rootNode);
  return n;
}

function assertSameShape(src: string): string {
  const out = normalizeKernelC(src).text;
  assert.strictEqual(out.length, src.length, 'normalised text has the same length');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\n' || out[i] === '\n') assert.strictEqual(out[i], src[i], `line break preserved at offset ${i}`);
  }
  return out;
}

const SHAPES: Record<string, string> = {
  list_for_each_entry: `void f(struct list_head *h)\n{\n\tstruct item *it;\n\tlist_for_each_entry(it, h, node) {\n\t\tuse(it);\n\t}\n}\n`,
  for_each_without_braces: `void f(struct sb *sb)\n{\n\tstruct bset *t;\n\tfor_each_bset(sb, t)\n\t\tif (t->x)\n\t\t\tuse(t);\n}\n`,
  acquires_after_params: `static void f(struct s *s)\n\t__acquires(&s->lock)\n{\n\tspin_lock(&s->lock);\n}\n`,
  scoped_guard: `int f(struct s *s)\n{\n\tscoped_guard(spinlock, &s->lock) {\n\t\tif (s->n)\n\t\t\treturn 1;\n\t}\n\treturn 0;\n}\n`,
  must_check: `static __must_check __always_inline int f(void)\n{\n\treturn 0;\n}\n`,
  export_symbol: `int f(void)\n{\n\treturn 0;\n}\nEXPORT_SYMBOL_GPL(f)\nint g(void)\n{\n\treturn 1;\n}\n`,
  container_of: `void f(struct work_struct *w)\n{\n\tstruct foo *p = container_of(w, struct foo, work);\n\tuse(p);\n}\n`,
  min_t_multiword: `long f(long a, long b)\n{\n\treturn min_t(unsigned long, a, b) + max_t(const char *, a, b);\n}\n`,
  operator_argument: `void f(int a, int b)\n{\n\tASSERTCMP(a, ==, b);\n}\n`,
  statement_in_macro: `void f(struct r *r)\n{\n\tDLM_ASSERT(r->x, dump(r););\n}\n`,
  split_if_else: `int f(int a)\n{\n\tint r;\n\tif (a)\n\t\tr = 1;\n#ifdef CONFIG_X\n\telse if (a > 2)\n\t\tr = 2;\n#endif\n\telse\n\t\tr = 3;\n\treturn r;\n}\n`,
  case_range: `int f(int a)\n{\n\tswitch (a) {\n\tcase 1 ... 3:\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n`,
  offsetof_path: `long f(void)\n{\n\treturn offsetof(struct foo, a.b[1]);\n}\n`,
  xfs_static: `STATIC int\nf(void)\n{\n\treturn 0;\n}\n`,
  x_macro: `int f(int t)\n{\n\tswitch (t) {\n#define x(n) case n: return 1;\n\tBCH_TYPES()\n#undef x\n\t}\n\treturn 0;\n}\n`,
};

describe('parse: kernel-C normalisation', () => {
  for (const [name, src] of Object.entries(SHAPES)) {
    it(`${name}: same length, no ERROR after normalisation`, () => {
      assertSameShape(src);
      assert.strictEqual(functionsWithErrors(src, true), 0, normalizeKernelC(src).text);
    });
  }

  it('raw tree-sitter fails on most of these shapes (the normaliser is doing the work)', () => {
    const failing = Object.values(SHAPES).filter((s) => functionsWithErrors(s, false) > 0).length;
    assert.ok(failing >= 8, `raw parse failed on ${failing} shapes`);
  });

  it('records context annotations at their original offsets and blanks them', () => {
    const src = SHAPES.acquires_after_params;
    const n = normalizeKernelC(src);
    assert.strictEqual(n.annotations.length, 1);
    assert.strictEqual(n.annotations[0].kind, '__acquires');
    assert.strictEqual(n.annotations[0].arg, '&s->lock');
    assert.strictEqual(src.slice(n.annotations[0].offset, n.annotations[0].offset + 10), '__acquires');
    assert.ok(!n.text.includes('__acquires'));
  });

  it('records loop and scoped_guard macro sites with their arguments', () => {
    const loop = normalizeKernelC(SHAPES.list_for_each_entry);
    assert.deepStrictEqual(loop.macros.map((m) => [m.kind, m.name, m.args]), [['loop', 'list_for_each_entry', ['it', 'h', 'node']]]);
    assert.ok(loop.text.includes('while              (it, h, node) {'));
    const g = normalizeKernelC(SHAPES.scoped_guard);
    assert.deepStrictEqual(g.macros.map((m) => [m.kind, m.args]), [['scoped_guard', ['spinlock', '&s->lock']]]);
  });

  it('leaves strings, comments and preprocessor lines alone', () => {
    const src = `/* list_for_each_entry(a, b, c) { */\nconst char *s = "scoped_guard(x) {";\n#define X(a) list_for_each(a) {\n`;
    assert.strictEqual(normalizeKernelC(src).text, src);
  });

  it('handles CRLF line endings and non-ASCII text without shifting offsets', () => {
    const src = 'int f(void) /* é — ü */\r\n{\r\n\tlist_for_each_entry(p, h, n) {\r\n\t\tg(p);\r\n\t}\r\n\treturn 0;\r\n}\r\n';
    const out = assertSameShape(src);
    assert.strictEqual(functionsWithErrors(src, true), 0, out);
  });

  it('never changes length on arbitrary input', () => {
    let seed = 42;
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    const alphabet = ['{', '}', '(', ')', ';', ',', 'list_for_each(', 'scoped_guard(', '__acquires(', '#if 0\n', '#endif\n', '#else\n',
      'else', 'struct x', '*', '"', "'", '/*', '*/', '//', '\n', ' ', 'case', '...', ':', 'EXPORT_SYMBOL(', 'x', '==', 'offsetof('];
    for (let i = 0; i < 300; i++) {
      let src = '';
      const len = Math.floor(rnd() * 60);
      for (let j = 0; j < len; j++) src += alphabet[Math.floor(rnd() * alphabet.length)];
      const out = normalizeKernelC(src).text;
      assert.strictEqual(out.length, src.length, JSON.stringify(src));
      parseC(src); // must not throw
    }
  });
});
