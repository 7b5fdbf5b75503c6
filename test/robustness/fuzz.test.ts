// Property-based robustness of the engine (fast-check): whatever text it is
// given, no exception escapes and every function stays within its analysis
// budget. Inputs: random byte soup, random token soup drawn from the
// fixtures, fixtures with random lines deleted or duplicated, and the
// pathological shapes: a 10 MB file, 10,000 nested blocks (and other
// 10,000-deep nestings), a function with 10,000 gotos. The native tree reader
// (C: a bug there would kill the process, not throw) reads every input too,
// and must give the IR node-tree-sitter's trees give.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { Workspace, AnalysisResult } from '../../server/src/analysis/workspace';
import { DEFAULT_BUDGET } from '../../server/src/analysis/dataflow';
import { IncrementalFiles } from '../../server/src/analysis/incremental';
import { buildFileIR, fileIR } from '../../server/src/analysis/fileir';
import { nativeStatus } from '../../server/src/parse/native';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');
const BUDGET = { steps: 20_000, statesPerNode: 64 };

function fixtureTexts(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (/\.[ch]$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(FIXTURES);
  return out;
}

const TEXTS = fixtureTexts();
const TOKENS = [...new Set(TEXTS.join('\n').match(/[A-Za-z_]\w*|\d+|"[^"\n]*"|\/\*|\*\/|\/\/|->|\+\+|--|&&|\|\||[<>=!]=|[{}()[\];,.*&|^~!?:<>=+\-/%#\\]|\n/g) ?? [])];

/** The native tree reader's IR of `text` is node-tree-sitter's (parse/native.ts). */
function sameIR(text: string): void {
  assert.ok(nativeStatus().active, `native tree reader not active: ${nativeStatus().reason}`);
  assert.deepStrictEqual(fileIR('/fuzz/input.c', text), buildFileIR('/fuzz/input.c', text).ir);
}

/** Analyse one text as a file (with the budget above); returns the result; every function within budget. */
function analyse(text: string, opts: { maxFileBytes?: number; budget?: typeof BUDGET } = {}): AnalysisResult {
  const budget = opts.budget ?? BUDGET;
  const ws = new Workspace({ budget, maxFileBytes: opts.maxFileBytes, keepStates: true });
  ws.setFile('/fuzz/input.c', text);
  const r = ws.analyze();
  for (const rec of ws.records.values()) assert.ok(rec.steps <= budget.steps + 1, `${rec.fn.name}: ${rec.steps} steps over the budget of ${budget.steps}`);
  return r;
}

describe('robustness: fuzzing the engine', function () {
  this.timeout(600_000);

  it('random byte soup', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 8192, size: 'max' }), fc.boolean(), fc.boolean(), (bytes, utf8, noNul) => {
      const text = Buffer.from(bytes).toString(utf8 ? 'utf8' : 'latin1');
      // without NUL bytes the input is not dismissed as binary: it reaches the parser and the CFG builder
      analyse(noNul ? text.replace(/\0/g, '') : text);
      sameIR(noNul ? text.replace(/\0/g, '') : text);
    }), { numRuns: 150, seed: 1 });
  });

  it('random token soup from the fixtures', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 3000, size: 'max' }), (toks) => {
      analyse(toks.join(' '));
      sameIR(toks.join(' '));
    }), { numRuns: 150, seed: 2 });
  });

  it('fixtures with random lines deleted or duplicated', () => {
    fc.assert(fc.property(fc.nat(TEXTS.length - 1), fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 12 }), (fi, ops) => {
      const lines = TEXTS[fi].split('\n');
      for (const [at, dup] of ops) {
        const i = at % Math.max(1, lines.length);
        if (dup) lines.splice(i, 0, lines[i] ?? ''); else lines.splice(i, 1);
      }
      analyse(lines.join('\n'));
      sameIR(lines.join('\n'));
    }), { numRuns: 150, seed: 3 });
  });

  it('the same mutations as incremental edits (re-parse, relocation) never throw', () => {
    fc.assert(fc.property(fc.nat(TEXTS.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...TOKENS)), { minLength: 1, maxLength: 20 }), (fi, ops) => {
      const ws = new Workspace({ budget: BUDGET, keepStates: true });
      let text = TEXTS[fi];
      ws.setFile('/fuzz/edit.c', text);
      ws.analyze();
      for (const [at, kind, tok] of ops) {
        const i = at % Math.max(1, text.length);
        text = kind === 0 ? text.slice(0, i) + tok + text.slice(i) : kind === 1 ? text.slice(0, i) + text.slice(i + tok.length) : text.slice(0, i) + '\n' + text.slice(i);
        ws.setFile('/fuzz/edit.c', text);
        ws.analyze();
      }
    }), { numRuns: 60, seed: 4 });
  });

  it('a 10 MB file: skipped with one information diagnostic by default, analysed when the limit allows', () => {
    const unit = TEXTS.join('\n');
    const parts: string[] = [];
    let size = 0;
    for (let k = 0; size < 10 * 1024 * 1024; k++) {
      // rename every function so the copies are distinct definitions
      const copy = unit.replace(/\b([a-z_]\w*)\s*\(/g, (_m, name: string) => `${name}_${k}(`);
      parts.push(copy);
      size += copy.length;
    }
    const big = parts.join('\n');
    assert.ok(big.length >= 10 * 1024 * 1024);
    const skipped = analyse(big);
    assert.strictEqual(skipped.findings.length, 1);
    assert.strictEqual(skipped.findings[0].rule, 'file-skipped');
    assert.strictEqual(skipped.findings[0].severity, 'information');
    assert.match(skipped.findings[0].message, /over the 4\.0 MB limit/);
    const r = analyse(big, { maxFileBytes: 32 * 1024 * 1024 });
    assert.ok(r.functions > 10_000, `${r.functions} functions`);
    assert.strictEqual(fileIR('/fuzz/big.c', big).functions.length, r.functions, 'the native tree reader reads it whole');
  });

  describe('pathological nesting (10,000 levels)', () => {
    const N = 10_000;
    const cases: [string, string][] = [
      ['nested blocks', `void f(void)\n{\n${'{'.repeat(N)}mutex_lock(&m);${'}'.repeat(N)}\n}\n`],
      ['nested ifs', `void f(int x)\n{\n${'if (x) {\n'.repeat(N)}mutex_lock(&m);\n${'}\n'.repeat(N)}}\n`],
      ['nested parentheses', `int f(void)\n{\n\treturn ${'('.repeat(N)}1${')'.repeat(N)};\n}\n`],
      ['nested calls', `int f(void)\n{\n\treturn ${'g('.repeat(N)}1${')'.repeat(N)};\n}\n`],
      ['a 10,000-term && chain', `int f(void)\n{\n\treturn ${Array.from({ length: N }, (_, i) => `a${i}`).join(' && ')};\n}\n`],
      ['a 10,000-arm else-if chain', `void f(int x)\n{\n${Array.from({ length: N }, (_, i) => `if (x == ${i}) spin_lock(&l${i});`).join(' else ')}\n}\n`],
      ['unclosed blocks', `void f(void)\n{\n${'{ if (x) '.repeat(N)}\n`],
    ];
    for (const [name, text] of cases) {
      it(name, () => {
        const r = analyse(text, { budget: DEFAULT_BUDGET });
        assert.ok(r.functions <= 1);
        sameIR(text);
        // and as an incremental edit of itself
        const inc = new IncrementalFiles();
        inc.build('/fuzz/deep.c', text);
        inc.build('/fuzz/deep.c', `${text}\nint g(void) { return 0; }\n`);
      });
    }
  });

  it('a function with 10,000 gotos', () => {
    const N = 10_000;
    let ladder = 'int f(int x)\n{\n\tmutex_lock(&m);\n';
    for (let i = 0; i < N; i++) ladder += `l${i}:\n\tif (x == ${i}) goto l${(i * 7919) % N};\n\tif (x > ${i}) goto out;\n`;
    ladder += 'out:\n\tmutex_unlock(&m);\n\treturn 0;\n}\n';
    const r = analyse(ladder, { budget: DEFAULT_BUDGET });
    assert.strictEqual(r.functions, 1);
    sameIR(ladder);
  });
});
