// parse/lite.ts: the plain-JS copy of a function's subtree must answer every
// question the IR builder asks exactly as node-tree-sitter's nodes do, so the
// IR built from it is the same IR. The same holds for the whole-file trees of
// the native tree reader (parse/native.ts, native/tree_dump.c).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cParser, parseC, SyntaxNode } from '../../server/src/parse/parser';
import { CNode, LEAF_TYPES, liteTree } from '../../server/src/parse/lite';
import { nativeParse, nativeStatus } from '../../server/src/parse/native';
import { buildFunction, FileCtx } from '../../server/src/analysis/cfg';
import { buildFileIR, fileIR } from '../../server/src/analysis/fileir';
import { collectFiles } from '../../server/src/cli/main';
import { kernelTree, missingKernel } from '../kernelSource';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');

function ctxOf(text: string): { ctx: FileCtx; root: SyntaxNode } {
  const parsed = parseC(text);
  const ctx: FileCtx = {
    text, source: parsed.normalized.text, lines: parsed.lines,
    macros: new Map(parsed.normalized.macros.map((m) => [m.offset, m])), annotations: parsed.normalized.annotations,
  };
  return { ctx, root: parsed.tree.rootNode };
}

/** Compare two trees node by node through the CNode API. */
function sameTree(real: CNode, lite: CNode, where: string): number {
  let n = 0;
  const walk = (a: CNode, b: CNode, p: string): void => {
    n++;
    assert.strictEqual(b.type, a.type, `${p}: type`);
    assert.strictEqual(b.startIndex, a.startIndex, `${p}: startIndex`);
    assert.strictEqual(b.endIndex, a.endIndex, `${p}: endIndex`);
    assert.strictEqual(b.text, a.text, `${p}: text`);
    assert.strictEqual(b.isMissing, a.isMissing, `${p}: isMissing`);
    assert.strictEqual(b.hasError, a.hasError, `${p}: hasError`);
    assert.strictEqual(b.children.length, a.children.length, `${p}: children`);
    assert.deepStrictEqual(b.namedChildren.map((c) => c.type), a.namedChildren.map((c) => c.type), `${p}: namedChildren`);
    for (const f of ['name', 'body', 'declarator', 'type', 'condition', 'consequence', 'alternative', 'function', 'arguments', 'left', 'right', 'value', 'argument', 'field', 'operator', 'label', 'initializer', 'update', 'parameters']) {
      const x = a.childForFieldName(f);
      const y = b.childForFieldName(f);
      assert.strictEqual(y?.startIndex, x?.startIndex, `${p}: field ${f}`);
      assert.strictEqual(y?.type, x?.type, `${p}: field ${f} type`);
    }
    assert.strictEqual(b.lastChild?.startIndex, a.lastChild?.startIndex, `${p}: lastChild`);
    assert.strictEqual(b.previousNamedSibling?.startIndex, a.previousNamedSibling?.startIndex, `${p}: previousNamedSibling`);
    assert.strictEqual(b.nextNamedSibling?.startIndex, a.nextNamedSibling?.startIndex, `${p}: nextNamedSibling`);
    assert.strictEqual(b.child(0)?.type, a.child(0)?.type, `${p}: child(0)`);
    for (let i = 0; i < a.children.length; i++) walk(a.children[i], b.children[i], `${p}/${a.children[i].type}[${i}]`);
  };
  walk(real, lite, where);
  return n;
}

describe('parse: lite trees (one TreeCursor walk per function)', () => {
  it('answers type, range, text, fields, siblings and error flags like node-tree-sitter on every fixture function', () => {
    let nodes = 0;
    let fns = 0;
    for (const file of collectFiles([FIXTURES])) {
      const { ctx, root } = ctxOf(fs.readFileSync(file, 'utf8'));
      for (const fn of root.descendantsOfType('function_definition')) {
        // the root's siblings are outside the copy: compare below the root
        const lite = liteTree(fn, ctx.source);
        for (let i = 0; i < fn.children.length; i++) nodes += sameTree(fn.children[i], lite.children[i], `${path.basename(file)}:${fn.startPosition.row + 1}`);
        fns++;
      }
    }
    assert.ok(fns > 100, `fixture functions compared: ${fns}`);
    assert.ok(nodes > 10_000, `nodes compared: ${nodes}`);
  });

  it('copies ERROR and MISSING nodes with their error flags', () => {
    const src = 'int f(struct s *s)\n{\n\tspin_lock(&s->lock;\n\tif (x {\n\t\ty = ;\n\t}\n\treturn 0\n}\n';
    const { ctx, root } = ctxOf(src);
    const fn = root.descendantsOfType('function_definition')[0];
    assert.ok(fn && fn.hasError, 'the snippet has parse errors');
    const lite = liteTree(fn, ctx.source);
    assert.strictEqual(lite.hasError, true);
    sameTree(fn.children[fn.children.length - 1], lite.children[lite.children.length - 1], 'broken body');
  });

  it('gives the same FunctionIR as building from node-tree-sitter nodes, on every fixture function', () => {
    let fns = 0;
    for (const file of collectFiles([FIXTURES])) {
      const { ctx, root } = ctxOf(fs.readFileSync(file, 'utf8'));
      for (const fn of root.descendantsOfType('function_definition')) {
        assert.deepStrictEqual(buildFunction(liteTree(fn, ctx.source), ctx), buildFunction(fn, ctx), `${path.basename(file)}:${fn.startPosition.row + 1}`);
        fns++;
      }
    }
    assert.ok(fns > 100);
  });

  it("treats as leaves exactly tree-sitter-c's named types without fields or children", () => {
    const file = path.join(path.dirname(require.resolve('tree-sitter-c/package.json')), 'src', 'node-types.json');
    const types = JSON.parse(fs.readFileSync(file, 'utf8')) as { type: string; named: boolean; fields?: unknown; children?: unknown; subtypes?: unknown }[];
    const leaves = types.filter((t) => t.named && !t.fields && !t.children && !t.subtypes).map((t) => t.type).sort();
    assert.deepStrictEqual([...LEAF_TYPES].sort(), leaves);
  });
});

describe('parse: the native tree reader (a whole file in one call)', () => {
  const broken = 'int f(struct s *s)\n{\n\tspin_lock(&s->lock;\n\tif (x {\n\t\ty = ;\n\t}\n\treturn 0\n}\nstatic DEFINE_MUTEX(m);\n';

  it('is built and loaded (npm install builds native/; without it the JavaScript reader is used)', () => {
    const st = nativeStatus();
    assert.ok(st.active, `native tree reader not active: ${st.reason}`);
  });

  it("gives node-tree-sitter's tree and liteTree()'s copy of it, node for node, on every fixture and on broken C", () => {
    let nodes = 0;
    const texts = collectFiles([FIXTURES]).map((f) => [path.basename(f), fs.readFileSync(f, 'utf8')] as const);
    for (const [name, text] of [...texts, ['broken.c', broken] as const, ['empty.c', ''] as const]) {
      const parsed = parseC(text);
      const lite = nativeParse(parsed.normalized.text);
      assert.ok(lite, name);
      nodes += sameTree(parsed.tree.rootNode, lite, name);
      sameTree(liteTree(parsed.tree.rootNode, parsed.normalized.text), lite, name);
    }
    // an unexpected character is an ERROR leaf, which node-tree-sitter says has no error; lite trees say it has
    const soup = parseC('}{ ;; )( \u00e9\u4e2d\ud83d\ude00 "x');
    sameTree(liteTree(soup.tree.rootNode, soup.normalized.text), nativeParse(soup.normalized.text)!, 'soup.c');
    assert.ok(nodes > 30_000, `nodes compared: ${nodes}`);
    const lite = nativeParse(parseC(broken).normalized.text)!;
    assert.strictEqual(lite.hasError, true);
    assert.ok(lite.descendantsOfType('ERROR').length + lite.descendantsOfType('identifier').filter((n) => n.isMissing).length > 0);
  });

  it("parses a part of a text as node-tree-sitter's included ranges do (each top-level item of every fixture and of broken C)", () => {
    let parts = 0;
    let nodes = 0;
    const texts = collectFiles([FIXTURES]).map((f) => [path.basename(f), fs.readFileSync(f, 'utf8')] as const);
    for (const [name, text] of [...texts, ['broken.c', broken] as const]) {
      const parsed = parseC(text);
      const src = parsed.normalized.text;
      const lines = parsed.lines;
      for (const item of parsed.tree.rootNode.namedChildren) {
        const { startIndex: start, endIndex: end } = item;
        const real = cParser().parse(src, undefined, { includedRanges: [{ startIndex: start, endIndex: end, startPosition: lines.point(start), endPosition: lines.point(end) }] });
        const lite = nativeParse(src, { start, end });
        assert.ok(lite, name);
        nodes += sameTree(real.rootNode, lite, `${name}@${start}`);
        parts++;
      }
    }
    assert.ok(parts > 300 && nodes > 20_000, `${parts} parts, ${nodes} nodes compared`);
  });

  it('gives the same FileIR as buildFileIR() on every fixture', () => {
    let fns = 0;
    for (const file of [...collectFiles([FIXTURES])]) {
      const text = fs.readFileSync(file, 'utf8');
      const ir = fileIR(file, text);
      assert.deepStrictEqual(ir, buildFileIR(file, text).ir, path.basename(file));
      fns += ir.functions.length;
    }
    assert.ok(fns > 100);
    assert.deepStrictEqual(fileIR('broken.c', broken), buildFileIR('broken.c', broken).ir);
  });

  const why = missingKernel('6.12');
  if (why) {
    it(`gives the same FileIR on Linux 6.12 fs/gfs2 and fs/fuse (skipped: ${why})`);
  } else {
    it('gives the same FileIR on Linux 6.12 fs/gfs2 and fs/fuse', () => {
      const root = kernelTree('6.12', ['fs/gfs2', 'fs/fuse'])!;
      let fns = 0;
      for (const file of collectFiles([path.join(root, 'fs/gfs2'), path.join(root, 'fs/fuse')])) {
        const text = fs.readFileSync(file, 'utf8');
        const ir = fileIR(file, text);
        assert.deepStrictEqual(ir, buildFileIR(file, text).ir, file);
        fns += ir.functions.length;
      }
      assert.ok(fns > 1000, `${fns} functions`);
    });
  }

  it('can be turned off (LOCKORDER_NATIVE=0): fileIR() then parses with node-tree-sitter, same IR', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const { nativeStatus } = require(${JSON.stringify(require.resolve('../../server/src/parse/native'))});
      const { fileIR } = require(${JSON.stringify(require.resolve('../../server/src/analysis/fileir'))});
      const ir = fileIR('a.c', 'void f(struct s *s) { mutex_lock(&s->m); }');
      console.log(JSON.stringify({ st: nativeStatus(), fns: ir.functions.map((f) => f.name) }));
    `], { env: { ...process.env, LOCKORDER_NATIVE: '0' }, encoding: 'utf8' });
    const r = JSON.parse(out) as { st: { active: boolean; reason?: string }; fns: string[] };
    assert.deepStrictEqual(r, { st: { active: false, reason: 'disabled by LOCKORDER_NATIVE=0' }, fns: ['f'] });
  });
});
