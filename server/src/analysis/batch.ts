// Whole-tree IR building: read, hash and parse every file into its FileIR,
// in worker_threads (one per core) for big trees and in-process for small
// ones, with the on-disk IR cache in front. The cross-file phase
// (Workspace.analyze) then runs on the calling thread.
//
// Work is bounded per file: files over the size limit are not read (one
// information diagnostic), a file whose IR build throws is reported and
// skipped, and a worker that makes no progress for `fileTimeoutMs` is
// terminated and replaced (the file is reported as timed out), so one bad
// input can neither crash nor hang a whole-tree check.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contentHash, DiskCache, engineFingerprint } from './cache';
import { fileIR } from './fileir';
import { installSkeleton, workerTexts } from './irText';
import type { FileIR, FunctionIR } from './ir';
import { WorkerSlot } from './pool';

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface BatchOptions {
  /** worker threads (default: os.availableParallelism(), or $LOCKORDER_JOBS); 0 or 1 builds in-process */
  workers?: number;
  /** files larger than this are skipped (not read) with one information diagnostic */
  maxFileBytes?: number;
  /** the IR cache; undefined or disabled: always build */
  cache?: DiskCache;
  /** trees smaller than this (total bytes) are built in-process: no worker start-up cost */
  inProcessBelowBytes?: number;
  /** a worker silent this long on one file is terminated and the file reported (default 120 s) */
  fileTimeoutMs?: number;
  /** called as files complete */
  onProgress?: (done: number, total: number) => void;
  /** worker script (default: worker.js beside this module: dist/worker.js when bundled, out/.../worker.js compiled) */
  workerScript?: string;
}

/** What one file became. */
export interface BuiltFile {
  path: string;
  /** bytes on disk */
  size: number;
  /** content hash (empty for skipped / unreadable files) */
  hash: string;
  ir: FileIR;
  /** why the file was not analysed (size limit, unreadable, engine error): one information diagnostic */
  skipped?: string;
  /** the IR came from the cache */
  cached: boolean;
  /** the engine threw or timed out on this file (a bug): message and stack */
  error?: string;
  /** milliseconds spent on this file (in its thread) */
  ms: number;
}

export interface BatchResult {
  files: BuiltFile[];
  /** threads used (0: in-process) */
  workers: number;
  cacheHits: number;
  errors: { path: string; error: string }[];
  ms: number;
}

export function emptyIR(p: string): FileIR {
  return { path: p, functions: [], prototypes: [], structs: [], globals: [], ops: [], directives: [], errorFunctions: 0, lines: 0 };
}

export function skipMessage(size: number, max: number): string {
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  return `file is ${mb(size)} MB, over the ${mb(max)} MB limit (lockorder.maxFileSize)`;
}

/** Structural check of a cached FileIR (the checksum already vouches for the bytes). */
export function isFileIR(v: unknown): v is FileIR {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.functions) || !Array.isArray(o.prototypes) || !Array.isArray(o.structs) || !Array.isArray(o.globals) ||
      !Array.isArray(o.ops) || !Array.isArray(o.directives) || typeof o.lines !== 'number' || typeof o.errorFunctions !== 'number') return false;
  for (const f of o.functions as unknown[]) {
    const fn = f as Partial<FunctionIR> | null;
    if (!fn || typeof fn.name !== 'string' || typeof fn.hash !== 'string' || !Array.isArray(fn.nodes) || typeof fn.entry !== 'number' ||
        typeof fn.exit !== 'number' || !fn.pos || !fn.namePos || !Array.isArray(fn.params)) return false;
  }
  return true;
}

/** Job count: explicit, else $LOCKORDER_JOBS, else the cores available. */
export function defaultWorkers(): number {
  const env = Number(process.env.LOCKORDER_JOBS);
  if (Number.isInteger(env) && env >= 0) return env;
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n || 2);
}

// ------------------------------------------------------------ per file

/** The settings a worker needs (plain data: crosses postMessage). */
export interface FileJobSettings {
  maxFileBytes: number;
  cacheDir?: string;
  cacheEnabled: boolean;
  fingerprint: string;
}

/** A file's result with the IR as JSON text (what a worker sends back). */
export interface FileJobResult {
  path: string;
  size: number;
  hash: string;
  json?: string;
  /** where each function's JSON is in `json` (irText.ts), when the worker built it */
  spans?: number[];
  /** the IR without its bodies, for the main thread (irText.ts workerTexts), when the worker built it */
  skel?: string;
  skipped?: string;
  cached: boolean;
  error?: string;
  ms: number;
}

/** Read, hash, look up, build and store one file. Never throws. */
export function buildOneFile(p: string, s: FileJobSettings, cache: DiskCache | undefined, wantJson: boolean): FileJobResult & { ir?: FileIR } {
  const t0 = performance.now();
  const done = <T extends object>(r: T): T & { ms: number } => ({ ...r, ms: performance.now() - t0 });
  let size = 0;
  try {
    size = fs.statSync(p).size;
  } catch (e) {
    return done({ path: p, size: 0, hash: '', skipped: `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, cached: false });
  }
  if (size > s.maxFileBytes) return done({ path: p, size, hash: '', skipped: skipMessage(size, s.maxFileBytes), cached: false });
  let buf: Buffer;
  try { buf = fs.readFileSync(p); } catch (e) {
    return done({ path: p, size, hash: '', skipped: `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, cached: false });
  }
  const hash = contentHash(buf);
  if (cache?.enabled) {
    const text = cache.read('ir', hash, s.fingerprint);
    if (text !== undefined) {
      // a worker passes the text on as is: the main thread parses and validates it once
      if (wantJson) return done({ path: p, size, hash, json: text, cached: true });
      let ir: FileIR | undefined;
      try { const v: unknown = JSON.parse(text); if (isFileIR(v)) ir = v; } catch { ir = undefined; }
      if (ir) { ir.path = p; return done({ path: p, size, hash, ir, cached: true }); }
      cache.stats.hits--; cache.stats.rejected++;
    }
  }
  let ir: FileIR;
  try {
    ir = fileIR(p, buf.toString('utf8'));
  } catch (e) {
    const err = e as Error;
    return done({ path: p, size, hash, skipped: `internal error while parsing it (${err.message}); please report this file`, cached: false, error: err.stack ?? String(err) });
  }
  let json: string | undefined;
  let spans: number[] | undefined;
  let skel: string | undefined;
  if (wantJson) ({ json, spans, skel } = workerTexts(ir));
  else if (cache?.enabled) json = JSON.stringify(ir);
  if (cache?.enabled && json !== undefined) cache.write('ir', hash, s.fingerprint, json);
  return done({ path: p, size, hash, json: wantJson ? json : undefined, spans, skel, ir: wantJson ? undefined : ir, cached: false });
}

// ------------------------------------------------------------ the pool

/** The worker script beside this module (dist/worker.js bundled, out/.../worker.js compiled), if it exists. */
export function resolveWorkerScript(explicit?: string): string | undefined {
  const p = explicit ?? path.join(__dirname, 'worker.js');
  return fs.existsSync(p) ? p : undefined;
}

/** Build the IR of every file; results in input order. */
export async function buildTree(files: readonly string[], opts: BatchOptions = {}): Promise<BatchResult> {
  const t0 = performance.now();
  const cache = opts.cache?.enabled ? opts.cache : undefined;
  const settings: FileJobSettings = {
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    cacheDir: cache?.dir,
    cacheEnabled: !!cache,
    fingerprint: engineFingerprint('ir'),
  };
  let total = 0;
  for (const f of files) { try { total += fs.statSync(f).size; } catch { /* reported per file */ } }
  const want = opts.workers ?? defaultWorkers();
  const script = resolveWorkerScript(opts.workerScript);
  const threads = Math.min(want, files.length);
  const inProcess = threads <= 1 || !script || total < (opts.inProcessBelowBytes ?? 2 * 1024 * 1024);
  const out: BuiltFile[] = new Array(files.length);
  let done = 0;
  const finish = (i: number, res: FileJobResult & { ir?: FileIR }): void => {
    let r = res;
    let ir = r.ir;
    if (!ir && r.json !== undefined && r.skel !== undefined) {
      // the bodies stay text until read (irText.ts)
      try { const v: unknown = JSON.parse(r.skel); if (isFileIR(v) && installSkeleton(v, r.json, r.spans)) { ir = v; ir.path = files[i]; } } catch { ir = undefined; }
    }
    if (!ir && r.json !== undefined) {
      try { const v: unknown = JSON.parse(r.json); if (isFileIR(v)) { ir = v; ir.path = files[i]; } } catch { ir = undefined; }
      if (!ir && r.cached) {
        // a cached entry with a valid checksum but the wrong shape: never trusted, rebuilt here
        r = buildOneFile(files[i], settings, cache, false);
        ir = r.ir;
      }
    }
    const skipped = r.skipped ?? (ir ? undefined : 'internal error: no IR came back for it');
    out[i] = { path: files[i], size: r.size, hash: r.hash, ir: ir ?? emptyIR(files[i]), skipped, cached: r.cached, error: r.error, ms: r.ms };
    done++;
    opts.onProgress?.(done, files.length);
  };
  if (inProcess) {
    for (let i = 0; i < files.length; i++) {
      finish(i, buildOneFile(files[i], settings, cache, false));
      // let timers and I/O run between files (the language server indexes this way)
      if (i % 16 === 15) await new Promise<void>((r) => setImmediate(r));
    }
  } else {
    const local = (i: number): FileJobResult => buildOneFile(files[i], settings, cache, false);
    await runPool(files, threads, script!, settings, opts.fileTimeoutMs ?? 120_000, finish, local);
  }
  if (cache) {
    // the workers counted their own hits; recount from the results
    const hits = out.filter((f) => f.cached).length;
    cache.stats.hits = Math.max(cache.stats.hits, hits);
  }
  return {
    files: out, workers: inProcess ? 0 : threads, cacheHits: out.filter((f) => f.cached).length,
    errors: out.filter((f) => f.error).map((f) => ({ path: f.path, error: f.error! })), ms: performance.now() - t0,
  };
}

/**
 * A fixed pool of worker_threads fed one file at a time (two in flight per
 * worker so it never idles on a round trip). Biggest files first, so the
 * tail of the run is short files on both threads rather than one big one.
 * A worker that stays silent on a file for `timeoutMs`, or crashes or exits
 * twice on it (pool.ts), costs that file only: it is reported, the worker's
 * other files go back in the queue and a new worker takes its place; if
 * workers keep failing, the rest is built on this thread.
 */
function runPool(files: readonly string[], threads: number, script: string, settings: FileJobSettings, timeoutMs: number,
  finish: (i: number, r: FileJobResult) => void, local: (i: number) => FileJobResult): Promise<void> {
  const order = files.map((f, i) => { let s = 0; try { s = fs.statSync(f).size; } catch { s = 0; } return { i, s }; })
    .sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.i);
  let next = 0;
  let remaining = files.length;
  let failures = 0;
  /** files a worker crashed or exited on while working on them */
  const strikes = new Map<number, number>();
  /** some worker has answered: they can start here */
  let answered = false;
  let over = false;
  type Reply = { i: number } & FileJobResult;
  return new Promise<void>((resolve) => {
    const slots: WorkerSlot<number, Reply>[] = [];
    const end = (): void => {
      if (over) return;
      over = true;
      for (const s of slots) s.close();
      resolve();
    };
    const feed = (slot: WorkerSlot<number, Reply>): void => {
      while (!over && slot.alive && slot.inFlight.length < 2 && next < order.length) {
        const i = order[next++];
        slot.send(i, { i, path: files[i] });
      }
    };
    const spawn = (): WorkerSlot<number, Reply> => {
      const slot: WorkerSlot<number, Reply> = new WorkerSlot<number, Reply>({
        script, workerData: settings, timeoutMs,
        take: (inFlight, m) => { const k = inFlight.indexOf(m.i); return k < 0 ? undefined : k; },
      }, {
        reply: (i, r) => {
          if (over) return;
          answered = true;
          finish(i, r);
          if (--remaining === 0) { end(); return; }
          feed(slot);
        },
        failed: (lost, reason, kind) => {
          if (over) return;
          // the oldest file is the one being worked on. Silent past the timeout: it is reported. Crashed or
          // exited: reported the second time, once workers have been seen to work (while none has answered, they
          // may not start at all here: no file is blamed for that, and if it keeps happening the rest is built
          // on this thread, where an exception is reported per file). The other files go back in the queue.
          const [head, ...rest] = lost;
          const worked = answered && head !== undefined;
          const blame = head !== undefined && (kind === 'silent' || (worked && (strikes.get(head) ?? 0) >= 1));
          const requeue = blame ? rest : lost;
          if (worked && !blame) strikes.set(head, (strikes.get(head) ?? 0) + 1);
          if (requeue.length) order.splice(next, 0, ...requeue);
          if (blame) {
            finish(head, { path: files[head], size: 0, hash: '', skipped: `internal error: ${reason}; please report this file`, cached: false, error: reason, ms: 0 });
            if (--remaining === 0) { end(); return; }
          }
          if (++failures > 2 * threads + 4) {
            // workers keep dying (cannot start here?): finish the rest on this thread
            const left = order.slice(next);
            next = order.length;
            for (const s of slots) if (s !== slot) left.push(...s.inFlight);
            end();
            for (const i of left) finish(i, local(i));
            return;
          }
          const fresh = spawn();
          slots[slots.indexOf(slot)] = fresh;
          feed(fresh);
        },
      });
      return slot;
    };
    if (remaining === 0) { resolve(); return; }
    for (let k = 0; k < threads; k++) slots.push(spawn());
    for (const s of slots) feed(s);
  });
}
