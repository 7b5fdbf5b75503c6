// On-disk cache of per-file IR and analysis results.
//
// Location follows the XDG convention: $LOCKORDER_CACHE_DIR, else
// $XDG_CACHE_HOME/lockorder, else ~/.cache/lockorder. Disabled by
// LOCKORDER_NO_CACHE=1, by `lockorder check --no-cache`, or by the
// `enabled: false` option (what `--no-cache` sets; the language server's
// indexer and simulation worker use the defaults: the same directory as the CLI).
//
// Every entry is one file:
//
//   LOCKORDER-CACHE <schema> <kind> <fingerprint> <key> <payload bytes> <payload sha1>\n<payload JSON>
//
// and is trusted only if every header field matches what the reader expects
// (schema, kind, engine fingerprint, key) and the payload has exactly the
// announced length and checksum. Anything else (truncated, corrupt, written
// by another version, or not ours at all) is ignored and rebuilt; the cache
// never throws and never makes a run fail (a read-only or full disk only
// costs speed).
//
// Keys are content hashes: an IR entry is keyed by the file's text (plus the
// engine fingerprint), so the same content under another path is a hit and
// any edit is a miss. The engine fingerprint is a hash of the code that
// produced the entry (the bundle, or the compiled engine modules), so a
// rebuilt tool never reads an older tool's entries.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Bumped when the layout of an entry changes. */
export const CACHE_SCHEMA = 1;
const MAGIC = 'LOCKORDER-CACHE';

export type CacheKind = 'ir' | 'res' | 'run';

export interface CacheOptions {
  /** false disables reads and writes (default: on unless LOCKORDER_NO_CACHE is set) */
  enabled?: boolean;
  /** cache directory (default: defaultCacheDir()) */
  dir?: string;
}

export interface CacheStats { hits: number; misses: number; rejected: number; writes: number; writeErrors: number }

/** `LOCKORDER_NO_CACHE=1` (or true/yes/on) disables the cache. */
export function cacheDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.LOCKORDER_NO_CACHE ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false' && v !== 'no' && v !== 'off';
}

/** $LOCKORDER_CACHE_DIR, else $XDG_CACHE_HOME/lockorder, else ~/.cache/lockorder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOCKORDER_CACHE_DIR) return path.resolve(env.LOCKORDER_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  // the XDG spec says relative values are invalid and must be ignored
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'lockorder');
  return path.join(os.homedir(), '.cache', 'lockorder');
}

/** Hash of a file's content (what IR entries are keyed by). */
export function contentHash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

function sha1(b: Buffer | string): string {
  return createHash('sha1').update(b).digest('hex');
}

const fingerprints = new Map<string, string>();

/**
 * A hash of the engine code that produced cache entries of this kind.
 * Bundled (dist/): IR entries are made by dist/worker.js, so the IR
 * fingerprint hashes that file (the CLI, the language server and the workers
 * agree); result entries hash the running bundle. Compiled (out/, tests):
 * both hash every compiled module under out/server/src.
 */
export function engineFingerprint(kind: CacheKind = 'ir', here: string = __filename): string {
  const memo = `${kind}:${here}`;
  const known = fingerprints.get(memo);
  if (known) return known;
  const h = createHash('sha1');
  h.update(`schema ${CACHE_SCHEMA}\n`);
  const dir = path.dirname(here);
  try {
    if (path.basename(dir) === 'dist') {
      const worker = path.join(dir, 'worker.js');
      const file = kind === 'ir' && fs.existsSync(worker) ? worker : here;
      h.update(fs.readFileSync(file));
    } else {
      // out/server/src/analysis/cache.js -> out/server/src
      const root = path.resolve(dir, '..');
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) { if (e.name !== 'lsp' && e.name !== 'cli') walk(p); } else if (e.name.endsWith('.js')) files.push(p);
        }
      };
      walk(root);
      files.sort();
      if (kind === 'ir') {
        // IR depends on the parser and the CFG builder only (the model tables apply at analysis time)
        const irOnly = /^(parse[\\/]|analysis[\\/](cfg|fileir|ir|batch|cache|worker)\.js$)/;
        files.splice(0, files.length, ...files.filter((f) => irOnly.test(path.relative(root, f))));
      }
      for (const f of files) { h.update(path.relative(root, f)); h.update(fs.readFileSync(f)); }
    }
  } catch {
    // unreadable code: a unique fingerprint (nothing will match, nothing is trusted)
    h.update(`${process.pid}:${Date.now()}:${Math.random()}`);
  }
  const fp = h.digest('hex').slice(0, 16);
  fingerprints.set(memo, fp);
  return fp;
}

export class DiskCache {
  readonly dir: string;
  readonly enabled: boolean;
  readonly stats: CacheStats = { hits: 0, misses: 0, rejected: 0, writes: 0, writeErrors: 0 };
  private readonly madeDirs = new Set<string>();

  constructor(opts: CacheOptions = {}) {
    this.dir = opts.dir ?? defaultCacheDir();
    this.enabled = opts.enabled ?? !cacheDisabledByEnv();
  }

  /** Where an entry lives: <dir>/v<schema>/<kind>/<key[0..2]>/<key>. */
  pathFor(kind: CacheKind, key: string): string {
    return path.join(this.dir, `v${CACHE_SCHEMA}`, kind, key.slice(0, 2), key);
  }

  /** The payload of a valid entry, or undefined (missing, or rejected as corrupt/foreign). */
  read(kind: CacheKind, key: string, fingerprint: string): string | undefined {
    if (!this.enabled || !/^[0-9a-f]{8,128}$/.test(key)) return undefined;
    let buf: Buffer;
    try { buf = fs.readFileSync(this.pathFor(kind, key)); } catch { this.stats.misses++; return undefined; }
    const payload = parseEntry(buf, kind, key, fingerprint);
    if (payload === undefined) { this.stats.rejected++; return undefined; }
    this.stats.hits++;
    return payload;
  }

  /** Read and JSON-parse an entry; `check` must accept the value's shape or it is rejected. */
  readJson<T>(kind: CacheKind, key: string, fingerprint: string, check: (v: unknown) => v is T): T | undefined {
    const s = this.read(kind, key, fingerprint);
    if (s === undefined) return undefined;
    let v: unknown;
    try { v = JSON.parse(s); } catch { this.stats.hits--; this.stats.rejected++; return undefined; }
    if (!check(v)) { this.stats.hits--; this.stats.rejected++; return undefined; }
    return v;
  }

  /** Write an entry atomically (temp file + rename); failures are counted, never thrown. */
  write(kind: CacheKind, key: string, fingerprint: string, payload: string): void {
    if (!this.enabled || !/^[0-9a-f]{8,128}$/.test(key)) return;
    const file = this.pathFor(kind, key);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const d = path.dirname(file);
      if (!this.madeDirs.has(d)) { fs.mkdirSync(d, { recursive: true }); this.madeDirs.add(d); }
      fs.writeFileSync(tmp, makeEntry(kind, key, fingerprint, payload));
      fs.renameSync(tmp, file);
      this.stats.writes++;
    } catch {
      this.stats.writeErrors++;
      try { fs.unlinkSync(tmp); } catch { /* nothing written */ }
    }
  }
}

/** The bytes of an entry. */
export function makeEntry(kind: CacheKind, key: string, fingerprint: string, payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = `${MAGIC} ${CACHE_SCHEMA} ${kind} ${fingerprint} ${key} ${body.length} ${sha1(body)}\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

/** Validate an entry's header and checksum; the payload text if every field matches. */
export function parseEntry(buf: Buffer, kind: CacheKind, key: string, fingerprint: string): string | undefined {
  const nl = buf.indexOf(10);
  if (nl <= 0 || nl > 512) return undefined;
  const f = buf.subarray(0, nl).toString('latin1').split(' ');
  if (f.length !== 7 || f[0] !== MAGIC || f[1] !== String(CACHE_SCHEMA) || f[2] !== kind || f[3] !== fingerprint || f[4] !== key) return undefined;
  const len = Number(f[5]);
  if (!Number.isSafeInteger(len) || len !== buf.length - nl - 1) return undefined;
  const body = buf.subarray(nl + 1);
  if (sha1(body) !== f[6]) return undefined;
  return body.toString('utf8');
}

// ------------------------------------------------------------ whole-run results

/** What a whole `lockorder check` run produced, replayed when nothing it depends on changed. */
export interface RunRecord<F> {
  files: number;
  functions: number;
  budgetHits: number;
  findings: F[];
}

/**
 * Key of a whole run: the engine, the options, and every input file's path
 * and content hash, in order. Files are read and hashed here (fast: the
 * expensive part of a run is parsing and analysis, which a hit skips).
 */
export function runKey(files: readonly string[], options: unknown, maxFileBytes: number): string | undefined {
  const h = createHash('sha256');
  h.update(`run ${CACHE_SCHEMA} ${engineFingerprint('res')}\n${JSON.stringify(options)}\n`);
  for (const f of files) {
    let size: number;
    try { size = fs.statSync(f).size; } catch { return undefined; }
    // a file over the limit is not read: its size is what the run depends on
    if (size > maxFileBytes) { h.update(`${f}\0skip ${size}\n`); continue; }
    let buf: Buffer;
    try { buf = fs.readFileSync(f); } catch { return undefined; }
    h.update(`${f}\0${contentHash(buf)}\n`);
  }
  return h.digest('hex').slice(0, 40);
}

export function isRunRecord(v: unknown): v is RunRecord<unknown> {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.files === 'number' && typeof o.functions === 'number' && typeof o.budgetHits === 'number' && Array.isArray(o.findings) &&
    (o.findings as unknown[]).every((f) => f !== null && typeof f === 'object' && typeof (f as { file?: unknown }).file === 'string' &&
      typeof (f as { message?: unknown }).message === 'string' && typeof (f as { pos?: { line?: unknown } }).pos?.line === 'number');
}
