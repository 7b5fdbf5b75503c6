// `npm run bench:parse`: kernel-C parsing and engine cost on real code.
//
// Extracts fs/ of Linux 6.12 from the Debian linux-source tarball into
// bench/.work/ (reused when present; never committed), then prints
//   - files and function definitions,
//   - the share of functions with tree-sitter ERROR nodes, raw vs after the
//     byte-offset-preserving normalisation (and, separately, with any error
//     node including MISSING tokens),
//   - the time of a full `lockorder check` run over the same files against a
//     plain tree-sitter parse of them, as a ratio.
//
// Usage: node out/bench/parse.js [VERSION] [SUBDIR] [--jobs N]   (defaults: 6.12 fs)
import * as fs from 'fs';
import * as path from 'path';
import { parseC, parsePlain, SyntaxNode, Tree } from '../server/src/parse/parser';
import { collectFiles, main as cliMain } from '../server/src/cli/main';
import { kernelTree, tarballOf, WORK_DIR } from '../test/kernelSource';

const argv = process.argv.slice(2);
const flags = argv.filter((a, i) => a.startsWith('-') || (i > 0 && argv[i - 1] === '--jobs'));
const pos = argv.filter((a) => !flags.includes(a));
const version = pos[0] ?? '6.12';
const subdir = pos[1] ?? 'fs';
const jobsAt = argv.indexOf('--jobs');
const jobs = jobsAt >= 0 ? argv[jobsAt + 1] : '1';

const tarball = tarballOf(version);

function extract(): string {
  // the shared helper records what was extracted completely (a partial fs/ left by another test is not reused as all of fs/)
  console.log(`extracting (or reusing) ${subdir}/ of ${tarball} under ${path.relative(process.cwd(), WORK_DIR)}/ ...`);
  return path.join(kernelTree(version, [subdir])!, subdir);
}

interface Count { functions: number; withError: number; withAnyError: number }

function hasErrorNode(n: SyntaxNode): boolean {
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === 'ERROR') return true;
    if (x.hasError) for (const c of x.children) stack.push(c);
  }
  return false;
}

function countFunctions(tree: Tree, c: Count): void {
  const stack: SyntaxNode[] = [tree.rootNode];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'function_definition') {
      c.functions++;
      if (n.hasError) {
        c.withAnyError++;
        if (hasErrorNode(n)) c.withError++;
      }
      continue;
    }
    for (const ch of n.namedChildren) stack.push(ch);
  }
}

const pct = (a: number, b: number): string => `${(b ? (100 * a) / b : 0).toFixed(2)}%`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function run(): Promise<void> {
  if (!fs.existsSync(tarball)) {
    console.log(`bench:parse skipped: ${tarball} is not installed.`);
    console.log(`Install it with \`apt-get install linux-source-${version}\` (Debian/Ubuntu) and run \`npm run bench:parse\` again.`);
    return;
  }
  const dir = extract();
  const files = collectFiles([dir]);
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

  const raw: Count = { functions: 0, withError: 0, withAnyError: 0 };
  const norm: Count = { functions: 0, withError: 0, withAnyError: 0 };
  for (const t of texts) countFunctions(parsePlain(t), raw);
  for (const t of texts) countFunctions(parseC(t).tree, norm);

  // plain parse of the same files (read + tree-sitter), best of two
  const plainOnce = (): number => {
    const t0 = process.hrtime.bigint();
    for (const f of files) parsePlain(fs.readFileSync(f, 'utf8'));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const plainMs = Math.min(plainOnce(), plainOnce());

  console.log(`Linux ${version} ${subdir}/: ${files.length} files (.c/.h), ${(bytes / 1048576).toFixed(1)} MB, ${norm.functions} function definitions`);
  console.log(`functions with ERROR nodes, raw tree-sitter-c:   ${raw.withError} of ${raw.functions} (${pct(raw.withError, raw.functions)})`);
  console.log(`functions with ERROR nodes, after normalisation: ${norm.withError} of ${norm.functions} (${pct(norm.withError, norm.functions)})`);
  console.log(`  counting MISSING tokens too: raw ${raw.withAnyError} (${pct(raw.withAnyError, raw.functions)}), normalised ${norm.withAnyError} (${pct(norm.withAnyError, norm.functions)})`);
  console.log(`plain parse (read + tree-sitter): ${secs(plainMs)} (${(bytes / 1048576 / (plainMs / 1000)).toFixed(1)} MB/s)`);
  // the full check, exactly as `lockorder check` runs it (no result cache, no simulator cross-check: the engine's cost; output discarded)
  let summary = '';
  const t0 = process.hrtime.bigint();
  const code = await cliMain(['check', '--format', 'json', '--no-cache', '--no-simulate', '--jobs', jobs, dir], {
    out: (s) => { const m = /"files":\s*(\d+),\s*"functions":\s*(\d+)/.exec(s.slice(0, 200)); if (m) summary = `${m[1]} files, ${m[2]} functions analysed`; },
    err: () => undefined,
  });
  const checkMs = Number(process.hrtime.bigint() - t0) / 1e6;

  console.log(`lockorder check --no-cache --no-simulate --jobs ${jobs}: ${secs(checkMs)} (exit ${code}; ${summary})`);
  console.log(`check / plain parse: ${(checkMs / plainMs).toFixed(1)}x`);
}

run().catch((e) => { console.error(e); process.exitCode = 1; });
