// Inline expectations in test-fixtures: a comment `expect: RULE[, RULE...]`
// on the line where a finding must be reported, optionally `RULE sim=confirmed`
// / `sim=not-reproduced` for the simulator's verdict on it. Every
// warning-level finding must be expected and every expectation met.
import * as fs from 'fs';
import * as path from 'path';

export interface Expectation { file: string; line: number; rule: string; sim?: string }

export function readExpectations(file: string): Expectation[] {
  const out: Expectation[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    const m = /expect:\s*([^*]*?)\s*(?:\*\/|$)/.exec(text);
    if (!m) return;
    for (const part of m[1].split(',')) {
      const [rule, ...opts] = part.trim().split(/\s+/);
      if (!rule || !/^[a-z-]+$/.test(rule)) continue;
      const sim = opts.find((o) => o.startsWith('sim='))?.slice(4);
      out.push({ file, line: i + 1, rule, sim });
    }
  });
  return out;
}

/** C files under `dir`, subdirectories included (a fixture can mimic a tree: fs-types/fs/alphafs/...), sorted. */
function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...cFilesUnder(p));
    else if (/\.[ch]$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

/** Fixture workspaces: each directory directly under test-fixtures/ is analysed as one workspace. */
export function fixtureWorkspaces(root: string): { name: string; files: string[] }[] {
  const out: { name: string; files: string[] }[] = [];
  for (const d of fs.readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const files = cFilesUnder(path.join(root, d.name));
    if (files.length) out.push({ name: d.name, files });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
