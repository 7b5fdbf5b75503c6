// The language server's simulation worker (worker_threads): the simulator
// runs here, never on the server's main thread: the cross-check of open
// files' deadlock findings, and the lockorder.simulate command. Bundled to
// dist/crossCheckWorker.js and compiled to
// out/server/src/lsp/crossCheckWorker.js; started by crossCheckClient.ts.
//
// The worker keeps its own Workspace, synced lazily: each request of
// either kind carries only what changed since the previous one (open
// documents' texts, files read from disk, indexed files as their IR-cache
// key, removals, the .lockorder text, the engine options); requests are
// handled in the order they were sent. It re-runs the (incremental)
// analysis, then for a check finds the requested findings by identity
// (findingKey) and runs crossCheck() on them, the verdicts going back keyed
// by that identity; for a simulate request it runs simulate() on the named
// function, as the command would on the server's Workspace, and sends the
// outcome back without the scenario's thread programs. It holds no
// per-node states (records for no file: recordsFor) but keeps what the
// editor's delta runs keep, so a request after an edit re-checks what the
// edit reached, as the server does, not the whole workspace; the simulator
// re-runs the functions it needs.
//
// Test hooks (environment): LOCKORDER_TEST_CROSSCHECK_FAIL=start throws
// when the worker starts, =check throws while handling any request,
// =simulate throws while handling a simulate request;
// LOCKORDER_TEST_CROSSCHECK_GATE=DIR makes each request, after its
// analysis, create DIR/started-<id> and wait for DIR/release-<id> or
// DIR/release-all before simulating.
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { isMainThread, parentPort, workerData } from 'worker_threads';
import { buildOneFile, emptyIR, isFileIR } from '../analysis/batch';
import { DiskCache, engineFingerprint } from '../analysis/cache';
import type { Finding } from '../analysis/diagnostic';
import type { FileIR } from '../analysis/ir';
import { AnalysisResult, Workspace } from '../analysis/workspace';
import { emptyConfig, LockorderConfig, parseConfig } from '../model/config';
import { aborted, setAbortProbe } from '../sim/clock';
import { crossCheck, CrossCheckOptions } from '../sim/crosscheck';
import type { Scenario } from '../sim/program';
import { simulate, ScenarioKind, SimOutcome, SimulateError } from '../sim/scenarios';

/** workerData.role of this worker (the server bundle can serve as its script too: see crossCheckClient.ts). */
export const CROSS_CHECK_ROLE = 'lockorder-lsp-crosscheck';

/** One path's state as the server's Workspace has it. */
export type SyncItem =
  /** an open document: the editor's text */
  | { kind: 'text'; path: string; text: string }
  /** the server read this file from disk at its last analysis (ws.setFile): read it again */
  | { kind: 'disk'; path: string }
  /** an indexed file (ws.setFileIR): its IR from the IR cache by content hash, else built from disk */
  | { kind: 'ir'; path: string; size: number; skipped?: string; hash?: string }
  | { kind: 'remove'; path: string };

/** The engine options the Workspace is built with (settings.ts workspaceOptions(), as plain data). */
export interface EngineOptions {
  budget: { steps: number; statesPerNode: number };
  maxFileBytes: number;
  disabledRules: string[];
}

/** What every request carries to bring the worker's Workspace to the server's state (Session.takeWorkerSync). */
export interface SyncFields {
  engine: EngineOptions;
  /** the .lockorder in force (absent: unchanged since the previous request) */
  config?: { file?: string; text?: string };
  /** what changed since the previous request, of either kind (everything, for the first) */
  files: SyncItem[];
}

export interface CheckRequest extends SyncFields {
  type: 'check';
  id: number;
  /** findingKey() of the findings to simulate, in the server's order */
  want: string[];
  options: CrossCheckOptions;
}

/** lockorder.simulate: simulate() on one function, with the simulator's default options (as the command on the main thread). */
export interface SimulateRequest extends SyncFields {
  type: 'simulate';
  id: number;
  file: string;
  fn: string;
  scenario: ScenarioKind;
}

export type WorkerRequest = CheckRequest | SimulateRequest;

/**
 * SimOutcome as it crosses the thread: its scenario keeps the threads and
 * the locks (what adaptSimResult reads), not the thread programs (the
 * analysed functions' whole CFGs).
 */
export type PortableSimOutcome = Omit<SimOutcome, 'scenario'> & { scenario?: Pick<Scenario, 'title' | 'threads' | 'locks'> };

export function portableOutcome(o: SimOutcome): PortableSimOutcome {
  const sc = o.scenario;
  return { ...o, scenario: sc ? { title: sc.title, threads: sc.threads, locks: sc.locks } : undefined };
}

export interface Verdict {
  key: string;
  simulation: Finding['simulation'];
  simulationDetail?: string;
  witness?: string;
}

/** An exception while handling a request (its Workspace may be half-updated): the server replaces the worker. */
export interface FailedReply { type: 'failed'; id: number; error: string }

export type CheckReply =
  /** `findings`: how many the worker's analysis gave (the server's should be the same); `heapUsed`: the worker's V8 heap, in bytes */
  | { type: 'verdicts'; id: number; verdicts: Verdict[]; findings: number; analysisMs: number; simMs: number; heapUsed: number }
  | FailedReply;

export type SimulateReply =
  /** `outcome`: what simulate() returned; `error`: the SimulateError it threw instead (no such function): the command's answer either way */
  | { type: 'simulated'; id: number; outcome?: PortableSimOutcome; error?: string; analysisMs: number; simMs: number; heapUsed: number }
  | FailedReply;

export type WorkerReply = CheckReply | SimulateReply;

/** A finding's identity across the two workspaces. */
export function findingKey(f: Finding): string {
  return JSON.stringify([f.file, f.rule, f.function, f.pos.line, f.pos.col, f.pos.endLine, f.pos.endCol, f.message]);
}

/** The worker's side: a Workspace kept in sync with the server's, and the cross-check. */
export class CrossCheckHost {
  private ws?: Workspace;
  private engineKey = '';
  private engine?: EngineOptions;
  private config: LockorderConfig = emptyConfig();
  private readonly cache = new DiskCache();
  private readonly fingerprint = engineFingerprint('ir');

  /** A cross-check request: the verdicts of the wanted findings. */
  handle(m: CheckRequest, gate?: (id: number) => void): CheckReply {
    const t0 = Date.now();
    const { ws, result } = this.sync(m);
    const analysisMs = Date.now() - t0;
    const byKey = new Map<string, Finding>();
    for (const f of result.findings) byKey.set(findingKey(f), f);
    // copies: the verdicts go back to the server, the worker's own findings stay as analysed
    const todo: { key: string; f: Finding }[] = [];
    for (const key of m.want) {
      const f = byKey.get(key);
      if (f) todo.push({ key, f: { ...f, simulation: 'not-run', simulationDetail: undefined, witness: undefined } });
    }
    gate?.(m.id);
    const t1 = Date.now();
    if (todo.length) crossCheck(ws, todo.map((t) => t.f), m.options);
    const verdicts = todo.map(({ key, f }) => ({ key, simulation: f.simulation, simulationDetail: f.simulationDetail, witness: f.witness }));
    return { type: 'verdicts', id: m.id, verdicts, findings: result.findings.length, analysisMs, simMs: Date.now() - t1, heapUsed: v8.getHeapStatistics().used_heap_size };
  }

  /** A simulate request: the outcome of simulate() on the function, over the same texts as the server's analysis. */
  simulate(m: SimulateRequest, gate?: (id: number) => void): SimulateReply {
    const t0 = Date.now();
    const { ws } = this.sync(m);
    const analysisMs = Date.now() - t0;
    gate?.(m.id);
    const t1 = Date.now();
    let outcome: PortableSimOutcome | undefined;
    let error: string | undefined;
    try {
      outcome = portableOutcome(simulate(ws, { file: m.file, fn: m.fn, scenario: m.scenario }));
    } catch (e) {
      // an answer (the command reports it), not a failure of the worker; anything else is one (the message loop)
      if (!(e instanceof SimulateError)) throw e;
      error = e.message;
    }
    return { type: 'simulated', id: m.id, outcome, error, analysisMs, simMs: Date.now() - t1, heapUsed: v8.getHeapStatistics().used_heap_size };
  }

  /** Apply a request's delta (config, engine options, files, in that order) and analyse. */
  private sync(m: SyncFields): { ws: Workspace; result: AnalysisResult } {
    if (m.config) this.config = m.config.text !== undefined && m.config.file ? parseConfig(m.config.text, m.config.file) : emptyConfig();
    const ws = this.workspace(m.engine, !!m.config);
    for (const it of m.files) this.apply(ws, it);
    return { ws, result: ws.analyze() };
  }

  /** The Workspace for these options: a new one when they changed (parsed IR carried over unless the size limit moved). */
  private workspace(e: EngineOptions, configChanged: boolean): Workspace {
    const key = JSON.stringify(e);
    if (this.ws && key === this.engineKey) {
      if (configChanged) this.ws.setConfig(this.config);
      return this.ws;
    }
    const old = this.ws;
    const ws = new Workspace({ budget: e.budget, maxFileBytes: e.maxFileBytes, disabledRules: new Set(e.disabledRules), keepStates: true, recordsFor: () => false, config: this.config });
    if (old && this.engine && this.engine.maxFileBytes === e.maxFileBytes) {
      for (const p of old.fileList()) { const f = old.getFile(p)!; ws.setFileIR(p, f.ir, f.size, f.skipped); }
    }
    this.ws = ws;
    this.engine = e;
    this.engineKey = key;
    return ws;
  }

  private apply(ws: Workspace, it: SyncItem): void {
    switch (it.kind) {
      case 'text': ws.setFile(it.path, it.text); return;
      case 'remove': ws.removeFile(it.path); return;
      case 'disk': {
        let text: string | undefined;
        try { text = fs.readFileSync(it.path, 'utf8'); } catch { text = undefined; }
        if (text === undefined) ws.removeFile(it.path); else ws.setFile(it.path, text);
        return;
      }
      case 'ir': {
        const r = this.loadIR(it);
        ws.setFileIR(it.path, r.ir, r.size, r.skipped);
        return;
      }
    }
  }

  /** An indexed file's IR: the cache entry the indexer used, else built from disk as the indexer would. */
  private loadIR(it: Extract<SyncItem, { kind: 'ir' }>): { ir: FileIR; size: number; skipped?: string } {
    if (it.skipped !== undefined) return { ir: emptyIR(it.path), size: it.size, skipped: it.skipped };
    if (it.hash) {
      const ir = this.cache.readJson('ir', it.hash, this.fingerprint, isFileIR);
      if (ir) { ir.path = it.path; return { ir, size: it.size }; }
    }
    const maxFileBytes = this.engine?.maxFileBytes ?? Number.MAX_SAFE_INTEGER;
    const r = buildOneFile(it.path, { maxFileBytes, cacheDir: this.cache.dir, cacheEnabled: this.cache.enabled, fingerprint: this.fingerprint }, this.cache, false);
    return { ir: r.ir ?? emptyIR(it.path), size: r.size, skipped: r.skipped };
  }
}

/** LOCKORDER_TEST_CROSSCHECK_GATE: announce the request, then wait to be released (tests only). */
function testGate(dir: string): (id: number) => void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  return (id) => {
    try { fs.writeFileSync(path.join(dir, `started-${id}`), ''); } catch { return; }
    const t0 = Date.now();
    while (!fs.existsSync(path.join(dir, `release-${id}`)) && !fs.existsSync(path.join(dir, 'release-all')) && !aborted() && Date.now() - t0 < 120_000) Atomics.wait(sleeper, 0, 0, 10);
    if (aborted()) try { fs.writeFileSync(path.join(dir, `aborted-${id}`), ''); } catch { /* tests only */ }
  };
}

let gcFn: (() => void) | null | undefined;
/** A full collection (V8's gc(), made available as idle.ts does); nothing if that is refused. */
function fullGc(): void {
  if (gcFn === undefined) {
    try { v8.setFlagsFromString('--expose-gc'); gcFn = vm.runInNewContext('gc') as () => void; } catch { gcFn = null; }
  }
  gcFn?.();
}

/**
 * workerData.abort: one Int32 the server sets to the id of a request to
 * abort (a cancelled lockorder.simulate, or a cross-check a user's simulate
 * overtakes); the simulator's time checks read it (sim/clock.ts).
 */
export function abortProbe(flag: Int32Array | undefined, running: () => number): (() => boolean) | undefined {
  return flag ? () => Atomics.load(flag, 0) === running() : undefined;
}

/** The worker's message loop. */
export function runCrossCheckWorker(): void {
  const port = parentPort;
  if (!port) return;
  let running = 0;
  setAbortProbe(abortProbe((workerData as { abort?: Int32Array } | undefined)?.abort, () => running));
  const fail = process.env.LOCKORDER_TEST_CROSSCHECK_FAIL;
  if (fail === 'start') throw new Error('LOCKORDER_TEST_CROSSCHECK_FAIL=start: the cross-check worker fails at start');
  const gateDir = process.env.LOCKORDER_TEST_CROSSCHECK_GATE;
  const gate = gateDir ? testGate(gateDir) : undefined;
  const host = new CrossCheckHost();
  port.on('message', (m: WorkerRequest) => {
    if (fail === 'check') throw new Error('LOCKORDER_TEST_CROSSCHECK_FAIL=check: the cross-check worker fails on a request');
    if (fail === 'simulate' && m.type === 'simulate') throw new Error('LOCKORDER_TEST_CROSSCHECK_FAIL=simulate: the cross-check worker fails on a simulate request');
    let reply: WorkerReply;
    running = m.id;
    try {
      reply = m.type === 'simulate' ? host.simulate(m, gate) : host.handle(m, gate);
    } catch (e) {
      reply = { type: 'failed', id: m.id, error: (e as Error).stack ?? String(e) };
    }
    running = 0;
    port.postMessage(reply);
    // idle until the next request: collect the analysis's and the simulation's garbage now, so that
    // V8 can give the pages back instead of keeping the worker at its peak size
    setImmediate(fullGc);
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === CROSS_CHECK_ROLE) runCrossCheckWorker();
