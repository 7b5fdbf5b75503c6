// The server's side of the simulation worker (crossCheckWorker.ts). After an
// analysis, when the server is idle, the deadlock findings of open files that
// have no verdict yet are sent to the worker with what changed since its
// last sync (Session.takeWorkerSync); the main thread goes on serving edits
// and requests meanwhile. A reply is applied only if the analysis it was
// asked about is still the current one (same generation, same result
// object); otherwise it is dropped and the newer analysis's own request,
// queued while the worker was busy, is sent. At most one cross-check is in
// flight. If the worker cannot start, crashes or fails a request, that is
// logged and the findings stay "not-run"; a new worker (synced from
// nothing) is tried on a later analysis, up to MAX_FAILURES times.
//
// The lockorder.simulate command goes through the same worker (simulate()):
// its request carries the delta too, so the worker simulates the texts the
// server analysed, and it may be sent while a cross-check is in flight (the
// worker answers in the order it was sent; every request takes its own
// delta, so each change crosses once, in order). Its promise always settles:
// with the worker's outcome, or "unavailable" (worker off, cannot start,
// crashes, fails, or no answer within SIMULATE_TIMEOUT_MS) and the command
// then simulates on the main thread as it did before the worker existed.
import * as fs from 'fs';
import * as path from 'path';
import type { AnalysisResult } from '../analysis/workspace';
import type { Finding } from '../analysis/diagnostic';
import { WorkerSlot } from '../analysis/pool';
import { CROSS_CHECKED_RULES, CrossCheckOptions } from '../sim/crosscheck';
import { SCENARIO_KINDS, ScenarioKind, SIM_DEFAULT_OPTIONS } from '../sim/scenarios';
import {
  CheckRequest, CROSS_CHECK_ROLE, findingKey, PortableSimOutcome, SimulateReply, SimulateRequest, SyncFields, WorkerReply,
} from './crossCheckWorker';
import type { Session } from './session';

/** Limits of the editor's cross-check: per scenario, per run (wall clock, in the worker), simulations per run. */
export const LSP_CROSS_CHECK: CrossCheckOptions = { maxFindings: 8, timeBudgetMs: 400, maxStates: 20_000, totalBudgetMs: 4_000 };
/** Worker failures (start, crash, failed request) after which the cross-check is off for the session. */
export const MAX_FAILURES = 3;
/**
 * The worker's young generation (V8's default grows it to tens of MB): the
 * worker is a background job, a smaller nursery keeps its resident memory
 * down (fs/gfs2: peak about 60 MB over the server instead of 110) for a few
 * percent more time in the analysis it repeats.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;
/** A request unanswered this long is taken as a hung worker (the first sync of a whole tree analyses it all). */
export const WORKER_TIMEOUT_MS = 10 * 60_000;
/**
 * The simulator's budget for one lockorder.simulate: it explores at most one
 * scenario of each kind (the command names no cycle partner and no declared
 * order), each for at most SIM_DEFAULT_OPTIONS.timeBudgetMs (12 s).
 */
export const SIMULATE_BUDGET_MS = SCENARIO_KINDS.filter((k) => k !== 'auto').length * SIM_DEFAULT_OPTIONS.timeBudgetMs!;
/**
 * A simulate request the worker has not answered this long is answered on
 * the main thread: the simulator's budget, a cross-check that may be ahead of
 * it in the worker (its whole budget), and as long again as the simulator's
 * budget for the worker's analysis of the delta and the building of the
 * thread programs (28 s). The worker is left running (it may be busy with a
 * first sync of a large tree, which a new worker would have to redo); its
 * late answer is ignored, and a hung worker is ended by WORKER_TIMEOUT_MS.
 */
export const SIMULATE_TIMEOUT_MS = 2 * SIMULATE_BUDGET_MS + LSP_CROSS_CHECK.totalBudgetMs!;

/** A lockorder.simulate request for the worker (commands.ts has validated it against the server's analysis). */
export interface SimulateAsk { file: string; fn: string; scenario: ScenarioKind }
export type SimulateAnswer =
  /** what simulate() returned in the worker */
  | { kind: 'outcome'; outcome: PortableSimOutcome }
  /** the SimulateError it threw (e.g. no such function) */
  | { kind: 'error'; error: string }
  /** the worker could not answer (why, one line): simulate on the main thread */
  | { kind: 'unavailable'; reason: string }
  /** the caller cancelled it (the worker was told to stop simulating it) */
  | { kind: 'cancelled' };

interface PendingSimulation {
  resolve: (a: SimulateAnswer) => void;
  timer?: NodeJS.Timeout;
  /** answered already (timed out): the worker's late reply only counts if it says the worker failed */
  settled: boolean;
}

/**
 * The worker script: crossCheckWorker.js beside this module (dist/ when
 * bundled, out/server/src/lsp/ compiled), else the running server bundle
 * itself, which starts the worker role when loaded in a worker with its
 * workerData (a dist/ that ships only server.js).
 */
export function resolveCrossCheckScript(dir = __dirname, self = __filename): string | undefined {
  const beside = path.join(dir, 'crossCheckWorker.js');
  if (fs.existsSync(beside)) return beside;
  if (require.main?.filename === self && path.basename(self) === 'server.js') return self;
  return undefined;
}

export class CrossCheckClient {
  /** the worker (pool.ts: its timeout, crash and exit handling) */
  private worker?: WorkerSlot<number, WorkerReply>;
  /**
   * the cross-check in flight (the analysis it is about held weakly: a newer one may replace it meanwhile);
   * `aborted`: a user's simulate overtook it, its reply carries no verdicts worth applying
   */
  private busy?: { id: number; gen: number; result: WeakRef<AnalysisResult>; aborted?: boolean };
  /** the current worker's abort word (crossCheckWorker.ts abortProbe): the id of the request to stop */
  private abortFlag?: Int32Array;
  /** simulate requests sent to the current worker and not yet replied to, by id */
  private readonly sims = new Map<number, PendingSimulation>();
  /** a cross-check became due while the worker was busy */
  private wanted = false;
  /** the worker has been sent the whole state (a new worker starts from nothing) */
  private synced = false;
  private configSent = -1;
  private nextId = 1;
  private failures = 0;
  private disabled = false;
  /**
   * cross-check requests sent and replies applied / dropped; simulate requests sent to the worker, answered
   * by it, and answered "unavailable" (left to the main thread) (lockorder/stats)
   */
  readonly stats = { sent: 0, applied: 0, dropped: 0, failures: 0, lastAnalysisMs: 0, lastSimMs: 0, workerHeapUsed: 0, simSent: 0, simAnswered: 0, simFallbacks: 0, simCancelled: 0, aborted: 0 };

  constructor(private readonly session: Session, private readonly log: (s: string) => void, private readonly onVerdicts: () => void,
    private readonly script: string | undefined = resolveCrossCheckScript(), private readonly simulateTimeoutMs = SIMULATE_TIMEOUT_MS) {}

  /** The findings a cross-check would simulate now: open files', claiming a deadlock, without a verdict. */
  private candidates(r: AnalysisResult): Finding[] {
    return r.findings.filter((f) => this.session.isOpen(f.file) && CROSS_CHECKED_RULES.has(f.rule) && f.simulation === 'not-run' && !f.simulationDetail);
  }

  /** Cross-check the current analysis's open findings in the worker (queued if it is busy). Never blocks on the simulation. */
  request(): void {
    if (this.disabled) return;
    if (this.busy) { this.wanted = true; return; }
    this.wanted = false;
    const s = this.session;
    const result = s.ws.lastResult;
    const gen = s.analyzedGeneration;
    if (!result || s.generation !== gen) return; // a newer analysis is coming; it will ask again
    const want = this.candidates(result);
    if (want.length === 0) return;
    const worker = this.ensureWorker();
    if (!worker) return;
    const id = this.nextId++;
    const msg: CheckRequest = { type: 'check', id, ...this.takeSync(), want: want.map(findingKey), options: LSP_CROSS_CHECK };
    // a message that cannot be posted fails the worker (reported by the slot on the next tick)
    worker.send(id, msg);
    this.stats.sent++;
    this.busy = { id, gen, result: new WeakRef(result) };
  }

  /**
   * Simulate a function in the worker, over the texts of the current
   * analysis (call right after Session.ready(), before any await: the delta
   * sent is what that analysis saw). Never rejects; "unavailable" means:
   * simulate on the main thread.
   */
  simulate(ask: SimulateAsk, cancel?: { isCancellationRequested: boolean; onCancellationRequested(cb: () => void): unknown }): Promise<SimulateAnswer> {
    const unavailable = (reason: string): Promise<SimulateAnswer> => {
      this.stats.simFallbacks++;
      return Promise.resolve({ kind: 'unavailable', reason });
    };
    if (this.disabled) return unavailable(this.failures >= MAX_FAILURES ? `the simulation worker is off after ${this.failures} failures` : 'the simulation worker is off');
    const s = this.session;
    if (s.generation !== s.analyzedGeneration) return unavailable('the analysis is not current'); // takeWorkerSync's precondition
    const worker = this.ensureWorker();
    if (!worker) return unavailable('the simulation worker script is missing');
    const id = this.nextId++;
    const msg: SimulateRequest = { type: 'simulate', id, ...this.takeSync(), file: ask.file, fn: ask.fn, scenario: ask.scenario };
    // the user is waiting: a background cross-check ahead of this request stops at its next time check
    // (its verdicts are dropped and it is asked again once the worker is free)
    if (this.busy && !this.busy.aborted) { this.busy.aborted = true; this.wanted = true; this.abort(this.busy.id); }
    return new Promise<SimulateAnswer>((resolve) => {
      const p: PendingSimulation = { resolve, settled: false };
      p.timer = setTimeout(() => this.settle(p, { kind: 'unavailable', reason: `the simulation worker did not answer within ${duration(this.simulateTimeoutMs)}` }), this.simulateTimeoutMs);
      this.sims.set(id, p);
      this.stats.simSent++;
      // cancelled: answered now; the worker stops simulating it at its next time check (or skips it if not started)
      const cancelled = (): void => {
        if (p.settled) return;
        this.abort(id);
        this.settle(p, { kind: 'cancelled' });
      };
      cancel?.onCancellationRequested(cancelled);
      // a message that cannot be posted fails the worker (on the next tick), which settles this request
      if (!worker.send(id, msg)) { this.sims.delete(id); this.settle(p, { kind: 'unavailable', reason: 'the simulation worker is gone' }); }
      else if (cancel?.isCancellationRequested) cancelled();
    });
  }

  /** The delta for the next request of either kind; from here on the worker is taken to have it (a worker that loses it is replaced, synced from nothing). */
  private takeSync(): SyncFields {
    const sync = this.session.takeWorkerSync(!this.synced);
    const config = !this.synced || this.configSent !== sync.configVersion ? sync.config : undefined;
    this.synced = true;
    this.configSent = sync.configVersion;
    return { engine: sync.engine, files: sync.files, config };
  }

  private settle(p: PendingSimulation, a: SimulateAnswer): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    if (a.kind === 'unavailable') this.stats.simFallbacks++;
    else if (a.kind === 'cancelled') this.stats.simCancelled++;
    else this.stats.simAnswered++;
    p.resolve(a);
  }

  /** Tell the worker to stop request `id` if it is running it, or when it starts it. */
  private abort(id: number): void {
    if (this.abortFlag) Atomics.store(this.abortFlag, 0, id);
  }

  dispose(): void {
    this.disabled = true;
    this.stop();
  }

  private ensureWorker(): WorkerSlot<number, WorkerReply> | undefined {
    if (this.worker?.alive) return this.worker;
    if (!this.script) {
      this.log('lockorder: the simulation cross-check worker script (crossCheckWorker.js) is missing; deadlock findings stay "not-run"');
      this.disabled = true;
      return undefined;
    }
    const abortFlag = new Int32Array(new SharedArrayBuffer(4));
    abortFlag[0] = -1; // no request (ids start at 1)
    const w: WorkerSlot<number, WorkerReply> = new WorkerSlot<number, WorkerReply>({
      script: this.script, workerData: { role: CROSS_CHECK_ROLE, abort: abortFlag }, timeoutMs: WORKER_TIMEOUT_MS, unref: true,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      take: (inFlight, m) => { const k = inFlight.indexOf(m.id); return k < 0 ? undefined : k; },
    }, {
      reply: (_id, m) => { if (w === this.worker) this.reply(m); },
      failed: (_lost, reason) => { if (w === this.worker) this.fail(reason); },
    });
    this.worker = w;
    this.abortFlag = abortFlag;
    this.synced = false;
    return w;
  }

  private reply(m: WorkerReply): void {
    const sim = this.sims.get(m.id);
    if (sim) {
      this.sims.delete(m.id);
      this.simulated(sim, m as SimulateReply);
      return;
    }
    const b = this.busy;
    if (!b || m.id !== b.id) return;
    this.busy = undefined;
    if (m.type === 'failed') {
      // its Workspace may be half-updated: start over with a new worker next time
      this.fail('failed on a request', m.error);
      return;
    }
    if (m.type !== 'verdicts') return;
    if (b.aborted) {
      // stopped early for a user's simulate: its "out of time" verdicts are not verdicts (asked again below)
      this.stats.aborted++;
      this.request();
      return;
    }
    this.stats.lastAnalysisMs = m.analysisMs;
    this.stats.lastSimMs = m.simMs;
    this.stats.workerHeapUsed = m.heapUsed;
    const s = this.session;
    const result = b.result.deref();
    if (result && s.analyzedGeneration === b.gen && s.ws.lastResult === result) {
      const byKey = new Map<string, Finding>();
      for (const f of this.candidates(result)) byKey.set(findingKey(f), f);
      let changed = false;
      for (const v of m.verdicts) {
        const f = byKey.get(v.key);
        if (!f) continue;
        f.simulation = v.simulation;
        f.simulationDetail = v.simulationDetail;
        f.witness = v.witness;
        changed = true;
      }
      this.stats.applied++;
      if (changed) {
        try { this.onVerdicts(); } catch (e) { this.log(`lockorder: publishing the cross-check failed: ${(e as Error).stack ?? e}`); }
      }
    } else {
      this.stats.dropped++;
    }
    if (this.wanted) this.request();
  }

  private simulated(p: PendingSimulation, m: SimulateReply): void {
    if (m.type === 'failed') {
      this.settle(p, { kind: 'unavailable', reason: 'the simulation worker failed on the request' });
      this.fail('failed on a simulate request', m.error);
      return;
    }
    this.stats.lastAnalysisMs = m.analysisMs;
    this.stats.lastSimMs = m.simMs;
    this.stats.workerHeapUsed = m.heapUsed;
    if (m.error !== undefined) this.settle(p, { kind: 'error', error: m.error });
    else if (m.outcome) this.settle(p, { kind: 'outcome', outcome: m.outcome });
    else this.settle(p, { kind: 'unavailable', reason: 'the simulation worker sent no outcome' });
  }

  private fail(why: string, detail?: string): void {
    this.failures++;
    this.stats.failures++;
    this.stop();
    if (this.failures >= MAX_FAILURES) this.disabled = true;
    const next = this.disabled ? `cross-check off after ${this.failures} failures` : 'a new worker is tried after the next analysis';
    // one line, then the details (a crash's reason carries its stack)
    const [first, ...more] = why.split('\n');
    const rest = [...more, ...(detail ? [detail] : [])].join('\n');
    this.log(`lockorder: the simulation cross-check worker stopped (${first}); deadlock findings stay "not-run" (${next})${rest ? `\n${rest}` : ''}`);
  }

  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    this.synced = false;
    this.busy = undefined;
    this.wanted = false;
    // the simulate requests it had are answered now, on the main thread
    const sims = [...this.sims.values()];
    this.sims.clear();
    for (const p of sims) this.settle(p, { kind: 'unavailable', reason: 'the simulation worker stopped' });
    w?.close();
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
