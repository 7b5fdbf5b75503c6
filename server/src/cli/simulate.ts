// `lockorder simulate FILE:FUNCTION [--scenario auto|fault|truncate|self|writer|pair] [--format text|json] [--max-steps N]`
// The file's directory is analysed too (callees, fault handlers, the other
// half of a cycle live next to it).
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../analysis/workspace';
import { simulate, SCENARIO_KINDS, ScenarioKind, SimulateError } from '../sim/scenarios';
import type { Io } from './main';
import { collectFiles, loadConfig, UsageError } from './main';

export async function runSimulate(argv: string[], io: Io): Promise<number> {
  let target: string | undefined;
  let scenario: ScenarioKind = 'auto';
  let format: 'text' | 'json' = 'text';
  let maxSteps: number | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => { const eq = a.indexOf('='); if (eq >= 0) return a.slice(eq + 1); const v = argv[++i]; if (v === undefined) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--scenario' || a.startsWith('--scenario=')) {
      const v = value() as ScenarioKind;
      if (!SCENARIO_KINDS.includes(v)) throw new UsageError(`unknown scenario "${v}" (${SCENARIO_KINDS.join(', ')})`);
      scenario = v;
    } else if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`unknown format "${v}" (text or json)`);
      format = v;
    } else if (a === '--max-steps' || a.startsWith('--max-steps=')) {
      const v = Number(value());
      if (!Number.isInteger(v) || v <= 0) throw new UsageError('--max-steps takes a positive whole number');
      maxSteps = v;
    } else if (a === '--config' || a.startsWith('--config=')) config = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (target) throw new UsageError('simulate takes one FILE:FUNCTION');
    else target = a;
  }
  const m = target ? /^(.*):([A-Za-z_]\w*)$/.exec(target) : null;
  if (!m) throw new UsageError('expected FILE:FUNCTION, e.g. fs/gfs2/file.c:gfs2_file_direct_read');
  const [, file, fn] = m;
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`cannot read ${file}: no such file`);
  const ws = new Workspace({ config: loadConfig(config, io.err) });
  const files = new Set([file, ...collectFiles([path.dirname(file)])]);
  for (const f of files) ws.setFile(f, fs.readFileSync(f, 'utf8'));
  ws.analyze();
  if (!ws.findFunction(fn, file) || ws.findFunction(fn, file)!.file !== file && !ws.getFile(file)?.ir.functions.some((x) => x.name === fn)) {
    throw new UsageError(`no function ${fn}() in ${file}`);
  }
  let out;
  try {
    out = simulate(ws, { file, fn, scenario, options: maxSteps ? { maxSteps } : undefined });
  } catch (e) {
    if (e instanceof SimulateError) throw new UsageError(e.message);
    throw e;
  }
  if (format === 'json') {
    io.out(JSON.stringify({
      function: fn, file, verdict: out.verdict, scenario: out.kind, title: out.title, reason: out.reason,
      steps: out.result?.steps, states: out.result?.states, summary: out.result?.summary,
      witness: out.result?.witness, cycle: out.result?.cycle, tried: out.tried,
    }, null, 2) + '\n');
  } else {
    for (const t of out.tried) io.out(`scenario ${t.kind}: ${t.title}: ${t.summary}\n`);
    if (out.verdict === 'not-run') io.out(`not simulated: ${out.reason}\n`);
    else {
      io.out(`\nverdict: ${out.verdict === 'deadlock' ? `DEADLOCK (${out.title})` : out.verdict === 'no-deadlock' ? `no deadlock within bound (${out.result?.states ?? 0} states in the last scenario)` : 'search bound exhausted'}\n\n`);
      if (out.timeline) io.out(out.timeline.endsWith('\n') ? out.timeline : `${out.timeline}\n`);
    }
  }
  return out.verdict === 'deadlock' ? 1 : 0;
}
