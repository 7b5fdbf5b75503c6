// The layering ARCHITECTURE.md promises, checked on the sources: each layer
// imports only the layers before it, and the engine never imports the editor
// libraries.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', '..', 'server', 'src');

const ALLOWED: Record<string, string[]> = {
  parse: ['parse'],
  model: ['parse', 'model', 'analysis/ir'],
  analysis: ['parse', 'model', 'analysis'],
  sim: ['parse', 'model', 'analysis', 'sim'],
  cli: ['parse', 'model', 'analysis', 'sim', 'cli', 'lsp'],
  lsp: ['parse', 'model', 'analysis', 'sim', 'cli', 'lsp'],
};
const EDITOR_LIBS = /^(vscode|vscode-languageserver|vscode-languageclient|vscode-jsonrpc)(\/|$)/;

function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesOf(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)|import\(['"]([^'"]+)['"]\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

describe('architecture: layering', () => {
  for (const layer of Object.keys(ALLOWED)) {
    it(`${layer}/ imports only ${ALLOWED[layer].join(', ')}`, () => {
      const bad: string[] = [];
      for (const f of filesOf(path.join(SRC, layer))) {
        for (const imp of importsOf(f)) {
          if (imp.startsWith('.')) {
            const target = path.relative(SRC, path.resolve(path.dirname(f), imp)).split(path.sep).join('/');
            if (!ALLOWED[layer].some((a) => target === a || target.startsWith(`${a}/`))) bad.push(`${path.relative(SRC, f)} -> ${target}`);
          } else if (EDITOR_LIBS.test(imp) && layer !== 'lsp') {
            bad.push(`${path.relative(SRC, f)} -> ${imp}`);
          }
        }
      }
      assert.deepStrictEqual(bad, []);
    });
  }
});
