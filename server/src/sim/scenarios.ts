// Scenarios for a function F, and the simulate() entry point used by the
// CLI (`lockorder simulate`), the language server (`lockorder.simulate`) and
// the cross-check of static findings.
//
//   self      F alone: its own page faults run this filesystem's fault handler
//   fault     F against a task faulting on the same file (the user buffer is mmapped from it)
//   writer    F against an mmap_write_lock() writer (mmap/munmap): rwsem writer preference
//   truncate  F against this filesystem's truncate / punch-hole path
//   pair      F against F
//   cpu       F against F on a single CPU: a spinlock holder that sleeps (a may-sleep call, a
//             user-copy fault, waiting for a mutex) loses its CPU to a thread spinning on its lock
//   partner   F against the other half of an order-cycle
//   declared  F against the documented kernel path behind a declared order edge it violates
//             (for i_rwsem -> mmap_lock: a writer holding i_rwsem that faults on its buffer)
//   auto      all that apply; the shortest deadlock wins
import type { Workspace } from '../analysis/workspace';
import { fsOf } from '../analysis/faultpath';
import type { FunctionIR } from '../analysis/ir';
import type { LockKind as EngineKind } from '../model/lockApi';
import { explore } from './explore';
import type { ExploreOptions, ExploreResult } from './result';
import type { LockMode, Scenario, SimLock, ThreadProgram } from './program';
import { renderTimeline } from './timeline';
import { BuiltProgram, MMAP_LOCK, programFromFunction, SAME_FILE, SIM_TIME_UP, simLockId } from './fromEngine';
import { aborted, pastDeadline } from './clock';

export type ScenarioKind = 'auto' | 'self' | 'fault' | 'writer' | 'truncate' | 'pair' | 'cpu' | 'partner' | 'declared';
export const SCENARIO_KINDS: readonly ScenarioKind[] = ['auto', 'self', 'fault', 'writer', 'truncate', 'pair', 'cpu', 'partner', 'declared'];

export interface SimRequest {
  file: string;
  fn: string;
  scenario?: ScenarioKind;
  partners?: { fn: string; file: string }[];
  declared?: { first: string; firstKind: string; then: string; thenKind: string };
  options?: ExploreOptions;
  /**
   * Wall-clock deadline (Date.now() ms) for building and exploring this
   * request's scenarios: past it, no further program is built and no further
   * scenario explored, and exploring gets only the time left (the CLI's
   * per-run cross-check budget).
   */
  deadline?: number;
}

export interface Tried { kind: ScenarioKind; title: string; verdict: ExploreResult['verdict'] | 'not-built'; summary: string; states: number }

export interface SimOutcome {
  /** deadlock found in some scenario / none within bounds / could not simulate */
  verdict: 'deadlock' | 'no-deadlock' | 'bound-exhausted' | 'not-run';
  /** the scenario that gave the verdict (the deadlocking one, or the last tried) */
  kind?: ScenarioKind;
  title?: string;
  result?: ExploreResult;
  scenario?: Scenario;
  timeline?: string;
  tried: Tried[];
  reason?: string;
}

export class SimulateError extends Error {}

const TIME_UP = SIM_TIME_UP;

/**
 * Thread programs built from analysed functions, keyed by file, function and
 * program name. A caller that simulates many requests over one analysis (the
 * cross-check) passes the same cache to each, so a filesystem's fault
 * handlers and a cycle's partners are built once per run, not once per
 * finding. Programs are never modified once built.
 */
export type ProgramCache = Map<string, BuiltProgram>;

/** Explorer options of simulate() (a request's `options` override them). */
export const SIM_DEFAULT_OPTIONS: Readonly<ExploreOptions> = { maxSteps: 400, maxStates: 60_000, timeBudgetMs: 1_500, loopBound: 2 };
const DEFAULT_OPTIONS = SIM_DEFAULT_OPTIONS;

function simKind(k: string): SimLock['kind'] {
  switch (k as EngineKind) {
    case 'spinlock': case 'bitlock': case 'seqlock': return 'spinlock';
    case 'rwlock': return 'rwlock';
    case 'rwsem': case 'journal': return 'rwsem';
    case 'percpu_rwsem': return 'percpu_rwsem';
    case 'glock': return 'glock';
    default: return 'mutex';
  }
}

class ScenarioAssembler {
  readonly programs: Record<string, ThreadProgram> = {};
  readonly locks: Record<string, SimLock> = {};
  readonly errors: string[] = [];
  private handlerProgram?: string | null;

  /** `built`: programs already built for this request (shared by its scenarios; they are never modified). */
  constructor(private readonly ws: Workspace, private readonly file: string, private readonly built = new Map<string, BuiltProgram>(), private readonly deadline?: number) {}

  addFunction(file: string, fn: FunctionIR, name = fn.name): string | undefined {
    if (this.programs[name]) return name;
    const key = `${file}\0${fn.name}\0${name}`;
    let built = this.built.get(key);
    if (!built) {
      if (pastDeadline(this.deadline)) { this.errors.push(TIME_UP); return undefined; }
      built = programFromFunction(this.ws, file, fn, name, this.deadline);
      // a build cut short by the deadline says nothing about the function: not kept
      if (built.error !== TIME_UP) this.built.set(key, built);
    }
    if (built.error) { this.errors.push(built.error); return undefined; }
    this.programs[name] = built.program;
    Object.assign(this.locks, built.locks);
    return name;
  }

  /** One program that runs any of the filesystem's fault handlers (a nondeterministic choice). */
  faultHandler(): string | undefined {
    if (this.handlerProgram !== undefined) return this.handlerProgram ?? undefined;
    const fp = this.ws.lastResult?.faultPaths.get(fsOf(this.file));
    const names: string[] = [];
    for (const h of fp?.handlers ?? []) {
      const found = this.ws.findFunction(h.name, h.opsFile);
      if (!found) continue;
      const n = this.addFunction(found.file, found.fn, `fault:${h.name}`);
      if (n && !names.includes(n)) names.push(n);
    }
    if (names.length === 0) { this.handlerProgram = null; return undefined; }
    const nodes = [{ id: 0, succ: names.map((_, i) => i + 1) }, ...names.map((n, i) => ({ id: i + 1, succ: [], op: { kind: 'call' as const, program: n }, text: `page fault → ${n.slice(6)}()` }))];
    this.programs['fault-handler'] = { name: 'fault-handler', nodes, entry: 0 };
    this.handlerProgram = 'fault-handler';
    return 'fault-handler';
  }

  simple(name: string, steps: { op: ThreadProgram['nodes'][number]['op']; text: string }[]): string {
    const nodes = steps.map((s, i) => ({ id: i, succ: i + 1 < steps.length ? [i + 1] : [], op: s.op, text: s.text }));
    this.programs[name] = { name, nodes, entry: 0 };
    return name;
  }

  lock(cls: string, kind: string): string {
    const id = simLockId(cls);
    if (!this.locks[id]) this.locks[id] = { id, kind: simKind(kind), label: cls };
    return id;
  }

  /** `faultHandler`: the program the page fault runs (default: any of the filesystem's handlers). */
  scenario(title: string, threads: { name: string; program: string }[], opts: { cpus?: number; faultHandler?: string } = {}): Scenario {
    const handler = opts.faultHandler ?? this.faultHandler();
    const programs = { ...this.programs };
    // jbd2: starting a handle is a shared hold; the commit thread waits for running handles and
    // blocks new ones (T_LOCKED): without it no journal deadlock can happen
    const extra: { name: string; program: string }[] = [];
    if (this.locks.jbd2_handle) {
      programs['jbd2-commit'] = { name: 'jbd2-commit', entry: 0, nodes: [
        { id: 0, succ: [1], op: { kind: 'acquire', lock: 'jbd2_handle', mode: 'W' }, text: 'jbd2_journal_commit_transaction(): lock out new handles' },
        { id: 1, succ: [], op: { kind: 'release', lock: 'jbd2_handle' }, text: 'commit done' },
      ] };
      extra.push({ name: 'jbd2', program: 'jbd2-commit' });
    }
    const sc: Scenario = {
      title,
      threads: [...threads, ...extra],
      programs,
      faultHandlers: handler ? { [SAME_FILE]: handler } : {},
      locks: { ...this.locks },
      mmapLock: MMAP_LOCK,
      leakedLockIsDeadlock: false,
    };
    if (opts.cpus !== undefined) sc.cpus = opts.cpus;
    return sc;
  }
}

interface Candidate { kind: ScenarioKind; title: string; build: (a: ScenarioAssembler, f: string) => Scenario | undefined }

function candidates(ws: Workspace, req: SimRequest): Candidate[] {
  const fsFaults = (ws.lastResult?.faultPaths.get(fsOf(req.file))?.handlers.length ?? 0) > 0;
  const out: Candidate[] = [];
  const want = req.scenario ?? 'auto';
  const add = (c: Candidate): void => { if (want === 'auto' || want === c.kind) out.push(c); };
  add({ kind: 'self', title: `${req.fn}() alone (its own page faults run the fault handler)`, build: (a, f) => a.scenario(`${req.fn} alone`, [{ name: 'T0', program: f }]) });
  if (fsFaults || want === 'fault') {
    add({ kind: 'fault', title: `${req.fn}() vs a page fault on the same file`, build: (a, f) => {
      const p = a.simple('fault-task', [{ op: { kind: 'fault', file: SAME_FILE, label: 'touch the mapping' }, text: 'access to a page mmapped from the same file' }]);
      return a.scenario(`${req.fn} vs page fault`, [{ name: 'T0', program: f }, { name: 'T1', program: p }]);
    } });
  }
  add({ kind: 'writer', title: `${req.fn}() vs an mmap_write_lock() writer`, build: (a, f) => {
    const id = a.lock(MMAP_LOCK, 'rwsem');
    const p = a.simple('mmap-writer', [
      { op: { kind: 'acquire', lock: id, mode: 'W' }, text: 'mmap_write_lock(mm) (mmap/munmap/mprotect)' },
      { op: { kind: 'release', lock: id }, text: 'mmap_write_unlock(mm)' },
    ]);
    return a.scenario(`${req.fn} vs mmap writer`, [{ name: 'T0', program: f }, { name: 'T1', program: p }]);
  } });
  add({ kind: 'truncate', title: `${req.fn}() vs the truncate path`, build: (a, f) => {
    const ev = ws.lastResult?.events.find((e) => fsOf(e.file) === fsOf(req.file) && e.truncs.length > 0 && e.fn !== req.fn);
    const t = ev ? ws.findFunction(ev.fn, ev.file) : undefined;
    const p = t ? a.addFunction(t.file, t.fn) : undefined;
    return p ? a.scenario(`${req.fn} vs ${t!.fn.name}`, [{ name: 'T0', program: f }, { name: 'T1', program: p }]) : undefined;
  } });
  add({ kind: 'pair', title: `${req.fn}() vs itself`, build: (a, f) => a.scenario(`${req.fn} vs ${req.fn}`, [{ name: 'T0', program: f }, { name: 'T1', program: f }]) });
  add({ kind: 'cpu', title: `${req.fn}() vs itself on one CPU`, build: (a, f) => {
    const sc = a.scenario(`${req.fn} vs ${req.fn} on one CPU`, [{ name: 'T0', program: f }, { name: 'T1', program: f }], { cpus: 1 });
    // without a spinlock or rwlock nobody keeps a CPU: the same as 'pair'
    if (!Object.values(sc.locks).some((l) => l.kind === 'spinlock' || l.kind === 'rwlock')) { a.errors.push(`${req.fn}() takes no spinlock or rwlock, so no thread can spin waiting for it while it sleeps: one CPU changes nothing (rcu_read_lock, preempt_disable and pagefault_disable do not hold a CPU against sleepers)`); return undefined; }
    return sc;
  } });
  for (const partner of req.partners ?? []) {
    add({ kind: 'partner', title: `${req.fn}() vs ${partner.fn}() (the other half of the cycle)`, build: (a, f) => {
      const g = ws.findFunction(partner.fn, partner.file);
      const p = g ? a.addFunction(g.file, g.fn) : undefined;
      return p ? a.scenario(`${req.fn} vs ${partner.fn}`, [{ name: 'T0', program: f }, { name: 'T1', program: p }]) : undefined;
    } });
  }
  const d = req.declared;
  if (d) {
    add({ kind: 'declared', title: `${req.fn}() vs the documented path that takes ${d.first} before ${d.then}`, build: (a, f) => {
      const first = a.lock(d.first, d.firstKind);
      const steps: { op: ThreadProgram['nodes'][number]['op']; text: string }[] = [{ op: { kind: 'acquire', lock: first, mode: 'W' as LockMode }, text: `take ${d.first} (documented order: ${d.first} first)` }];
      if (d.then === MMAP_LOCK) {
        steps.push({ op: { kind: 'fault', file: SAME_FILE, label: 'copy from the user buffer' }, text: `fault on a user buffer mmapped from the same file (as generic_perform_write does under ${d.first})` });
      } else {
        const then = a.lock(d.then, d.thenKind);
        steps.push({ op: { kind: 'acquire', lock: then, mode: 'W' as LockMode }, text: `then take ${d.then}` });
        steps.push({ op: { kind: 'release', lock: then }, text: `release ${d.then}` });
      }
      steps.push({ op: { kind: 'release', lock: first }, text: `release ${d.first}` });
      const p = a.simple('documented-path', steps);
      // a fault handler that violates the order runs as the fault of the documented path itself
      if (ws.isFaultHandler(req.fn) && d.then === MMAP_LOCK) {
        return a.scenario(`${req.fn} as the fault of the documented ${d.first} → ${d.then}`, [{ name: 'T0', program: p }], { faultHandler: f });
      }
      return a.scenario(`${req.fn} vs documented ${d.first} → ${d.then}`, [{ name: 'T0', program: f }, { name: 'T1', program: p }]);
    } });
  }
  return out;
}

export interface BuiltScenario {
  kind: ScenarioKind;
  title: string;
  /** undefined: the scenario does not apply (`error` says why). */
  scenario?: Scenario;
  error?: string;
}

/**
 * The scenarios simulate() explores for a request, in order, built but not
 * explored (the benchmark explores them itself). `fatal`: the function itself
 * could not be turned into a thread program.
 */
export function buildScenarios(ws: Workspace, req: SimRequest, programs: ProgramCache = new Map()): { built: BuiltScenario[]; fatal?: string } {
  const found = ws.findFunction(req.fn, req.file);
  if (!found) throw new SimulateError(`no function ${req.fn}() in ${req.file}`);
  const built: BuiltScenario[] = [];
  for (const c of candidates(ws, { ...req, file: found.file })) {
    if (pastDeadline(req.deadline)) { built.push({ kind: c.kind, title: c.title, error: TIME_UP }); continue; }
    const a = new ScenarioAssembler(ws, found.file, programs, req.deadline);
    const f = a.addFunction(found.file, found.fn);
    if (!f) return { built, fatal: a.errors.join('; ') };
    const sc = c.build(a, f);
    built.push(sc ? { kind: c.kind, title: c.title, scenario: sc } : { kind: c.kind, title: c.title, error: a.errors.join('; ') || 'no program for this scenario' });
  }
  return { built };
}

/** Simulate a function under the requested (or every applicable) scenario. `programs`: see ProgramCache. */
export function simulate(ws: Workspace, req: SimRequest, programs?: ProgramCache): SimOutcome {
  const options = { ...DEFAULT_OPTIONS, ...req.options };
  const { built, fatal } = buildScenarios(ws, req, programs);
  const tried: Tried[] = [];
  let best: SimOutcome | undefined;
  let last: SimOutcome | undefined;
  for (const c of built) {
    const sc = c.scenario;
    if (!sc) { tried.push({ kind: c.kind, title: c.title, verdict: 'not-built', summary: c.error ?? '', states: 0 }); continue; }
    const left = aborted() ? 0 : req.deadline === undefined ? Infinity : req.deadline - Date.now();
    if (left <= 0) { tried.push({ kind: c.kind, title: c.title, verdict: 'not-built', summary: TIME_UP, states: 0 }); continue; }
    const result = explore(sc, { ...options, timeBudgetMs: Math.min(options.timeBudgetMs ?? Infinity, left) });
    tried.push({ kind: c.kind, title: c.title, verdict: result.verdict, summary: result.summary, states: result.states });
    const outcome: SimOutcome = { verdict: result.verdict, kind: c.kind, title: c.title, result, scenario: sc, tried, timeline: renderTimeline(result, sc) };
    last = outcome;
    if (result.verdict === 'deadlock' && (!best || (result.steps ?? Infinity) < (best.result?.steps ?? Infinity))) best = outcome;
  }
  if (fatal !== undefined) return { verdict: 'not-run', tried, reason: fatal };
  if (best) return { ...best, tried };
  if (last) {
    // a scenario left out for lack of time is a search bound too: "no deadlock" would overclaim
    const exhausted = tried.some((t) => t.verdict === 'bound-exhausted' || (t.verdict === 'not-built' && t.summary.includes(TIME_UP)));
    return { ...last, verdict: exhausted ? 'bound-exhausted' : 'no-deadlock', tried };
  }
  const why = tried.map((t) => t.summary).filter((x) => x.length > 0);
  return { verdict: 'not-run', tried, reason: why.length > 0 ? why.join('; ') : 'no scenario applies' };
}
