// `lockorder` command line. Thin: argument parsing, file walking and output
// formatting around the engine's Workspace.
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../analysis/workspace';
import { emptyConfig, LockorderConfig, parseConfig } from '../model/config';
import { formatJson, formatSarif, formatText, TOOL_VERSION } from './formats';
import { crossCheck, crossCheckNote } from '../sim/crosscheck';
import { buildTree, resolveWorkerScript } from '../analysis/batch';
import { DiskCache, engineFingerprint, isRunRecord, runKey, RunRecord } from '../analysis/cache';
import type { AnalysisResult } from '../analysis/workspace';
import { DEFAULT_MAX_FILE_BYTES } from '../analysis/workspace';
import type { Finding } from '../analysis/diagnostic';
import { nativeStatus } from '../parse/native';

const USAGE = `usage: lockorder check [--format text|json|sarif] [--config FILE] [--no-simulate]
                       [--max-file-size BYTES] [--jobs N] [--no-cache] PATH...
       lockorder simulate FILE:FUNCTION [--scenario auto|self|fault|writer|truncate|pair] [--format text|json] [--max-steps N]
       lockorder graph PATH... [--format dot|json]
       lockorder lsp --stdio            (language server for any LSP editor)
       lockorder --version

Checks Linux kernel C for lock-order and page-fault deadlocks.
Exit status: 0 no findings, 1 findings, 2 usage error or unreadable input.`;

export class UsageError extends Error {}

export interface CheckArgs {
  format: 'text' | 'json' | 'sarif';
  config?: string;
  paths: string[];
  maxFileBytes?: number;
  /** cross-check order/fault/sleep findings with the simulator (default on) */
  simulate: boolean;
  /** the on-disk cache (--no-cache, LOCKORDER_NO_CACHE=1 turn it off) */
  cache: boolean;
  /** worker threads building IR (default: the cores available; 0 or 1: in-process) */
  jobs?: number;
}

export function parseCheckArgs(argv: string[]): CheckArgs {
  const out: CheckArgs = { format: 'text', paths: [], simulate: true, cache: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new UsageError(`unknown format "${v}" (text, json or sarif)`);
      out.format = v;
    } else if (a === '--config' || a.startsWith('--config=')) {
      out.config = value();
    } else if (a === '--max-file-size' || a.startsWith('--max-file-size=')) {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new UsageError('--max-file-size takes a number of bytes');
      out.maxFileBytes = v;
    } else if (a === '--no-simulate') {
      out.simulate = false;
    } else if (a === '--no-cache') {
      out.cache = false;
    } else if (a === '--jobs' || a.startsWith('--jobs=') || a === '-j') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0 || v > 256) throw new UsageError('--jobs takes a number of worker threads (0 or 1: no workers)');
      out.jobs = v;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      out.paths.push(a);
    }
  }
  if (out.paths.length === 0) throw new UsageError('no PATH given');
  return out;
}

/** Walk directories for .c/.h files (sorted, deterministic); plain files are taken as given. */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { throw new UsageError(`cannot read directory ${dir}: ${(e as Error).message}`); }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try { st = fs.statSync(p); } catch { throw new UsageError(`cannot read ${p}: no such file or directory`); }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** Load `.lockorder`: explicit --config, else one in the current directory. Errors go to stderr; built-ins still apply. */
export function loadConfig(explicit: string | undefined, err: (s: string) => void): LockorderConfig {
  const file = explicit ?? (fs.existsSync('.lockorder') ? '.lockorder' : undefined);
  if (!file) return emptyConfig();
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch {
    if (explicit) throw new UsageError(`cannot read config ${file}`);
    return emptyConfig();
  }
  const cfg = parseConfig(text, file);
  for (const e of cfg.errors) err(`${e.file}:${e.line}: error: ${e.message} (line ignored; built-in knowledge still applies)\n`);
  return cfg;
}

export interface Io { out: (s: string) => void; err: (s: string) => void }

export async function runCheck(argv: string[], io: Io): Promise<number> {
  const args = parseCheckArgs(argv);
  const config = loadConfig(args.config, io.err);
  const files = collectFiles(args.paths);
  const maxFileBytes = args.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // a whole run over unchanged inputs is replayed from the cache (key: engine, options, every file's content hash)
  const cache = new DiskCache({ enabled: args.cache ? undefined : false });
  const key = cache.enabled ? runKey(files, { config, maxFileBytes, simulate: args.simulate, version: TOOL_VERSION }, maxFileBytes) : undefined;
  const replay = key ? cache.readJson('run', key, engineFingerprint('res'), isRunRecord) as RunRecord<Finding> | undefined : undefined;
  let result: Pick<AnalysisResult, 'files' | 'functions' | 'findings'>;
  if (replay) {
    result = replay;
  } else {
    const built = await buildTree(files, { workers: args.jobs, maxFileBytes, cache });
    const unreadable = built.files.find((b) => b.skipped?.startsWith('cannot read'));
    if (unreadable) throw new UsageError(`cannot read ${unreadable.path}: ${unreadable.skipped!.replace(/^cannot read it \((.*)\)$/, '$1')}`);
    for (const e of built.errors) io.err(`lockorder: internal error on ${e.path} (file skipped): ${e.error.split('\n')[0]}\n`);
    const ws = new Workspace({ config, maxFileBytes });
    for (const b of built.files) ws.setFileIR(b.path, b.ir, b.size, b.skipped);
    // the tree was big enough for worker threads: the per-function dataflow goes to workers too
    const script = resolveWorkerScript();
    const analysed = built.workers > 1 && script ? await ws.analyzeParallel({ workers: built.workers, script }) : ws.analyze();
    if (args.simulate) crossCheck(ws, analysed.findings);
    result = analysed;
    if (key && built.errors.length === 0) {
      const rec: RunRecord<Finding> = { files: analysed.files, functions: analysed.functions, budgetHits: analysed.budgetHits, findings: analysed.findings };
      cache.write('run', key, engineFingerprint('res'), JSON.stringify(rec));
    }
  }
  const display = (f: string): string => f;
  const findings = result.findings;
  if (args.format === 'json') io.out(formatJson(result as AnalysisResult, findings, display));
  else if (args.format === 'sarif') io.out(formatSarif(findings, display));
  else {
    io.out(formatText(findings, display));
    const n = findings.filter((f) => f.severity === 'warning' || f.severity === 'error').length;
    io.err(`lockorder: ${result.files} files, ${result.functions} functions, ${n} finding${n === 1 ? '' : 's'}\n`);
  }
  // the simulator's budget ran out: say so (the findings themselves are all there, unsimulated ones "not-run")
  const note = args.simulate ? crossCheckNote(findings) : undefined;
  if (note) io.err(`lockorder: note: ${note}\n`);
  return findings.some((f) => f.severity === 'warning' || f.severity === 'error') ? 1 : 0;
}

export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'check': return await runCheck(rest, io);
      case 'graph': return await (await import('./graph')).runGraph(rest, io);
      case 'simulate': return await (await import('./simulate')).runSimulate(rest, io);
      case 'lsp': {
        // the language server (same as dist/server.js): `lockorder lsp --stdio`; runs until the client says exit
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        (require('../lsp/main') as typeof import('../lsp/main')).runLanguageServer();
        return await new Promise<number>(() => undefined);
      }
      case '--version': case '-V': {
        const st = nativeStatus();
        io.out(`lockorder ${TOOL_VERSION}\nnative tree reader: ${st.active ? 'on' : `off (${st.reason})`}\n`);
        return 0;
      }
      case '--help': case '-h': case 'help': io.out(`${USAGE}\n`); return 0;
      case undefined: throw new UsageError('no command given');
      default: throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lockorder: ${e.message}\n${e.message.startsWith('cannot read') ? '' : USAGE + '\n'}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
