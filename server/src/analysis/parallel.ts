// The per-function dataflow of a whole-tree run, spread over worker threads.
//
// The call graph's components (Workspace.beginRun, callees first) form a DAG;
// a component is sent to a worker once every component it calls has its
// summary. A job carries the functions of one component, the summary key each
// of their calls reads (resolved on the main thread, exactly as the
// sequential lookup resolves it) and the callee summaries already known; the
// worker runs the same code as the main thread (fnjob.ts) and sends back one
// product per function. Products are applied in the sequential order at the
// end, so findings, events and summaries are those of Workspace.analyze().
//
// Jobs travel in batches of ready components, and every summary version is
// sent to a given worker once (it keeps them), because the main thread's
// (de)serialisation, not the workers, is what limits the speed-up.
//
// Bounded and never fatal: a worker that crashes, exits or stays silent on a
// batch for `jobTimeoutMs` is terminated and its jobs run on the main thread;
// if workers cannot start at all, everything runs on the main thread.
import { Knowledge } from '../model/knowledge';
import { StructTable } from '../model/classes';
import type { LockorderConfig } from '../model/config';
import type { Budget } from './dataflow';
import type { FunctionIR, StructDef } from './ir';
import type { ClassKey } from './locks';
import type { Summary, SummaryLookup } from './summaryTypes';
import { summaryDeps, FnProduct } from './reuse';
import { FnJobEnv, productOf, runDataflow } from './fnjob';
import type { WorkspaceRun } from './workspace';
import { isRecursive, keyOf } from './callgraph';
import { WorkerSlot } from './pool';
import { takeText } from './irText';
import { GlobalView, StructView } from './lookups';
import type { GlobalLookup, StructLookup } from './reuse';

export interface ParallelOptions {
  /** worker threads (>= 1) */
  workers: number;
  /** worker script: dist/worker.js (bundled) or out/.../worker.js (compiled) */
  script: string;
  /** a worker silent this long on a batch is given up on; its jobs run on the main thread (default 300 s) */
  jobTimeoutMs?: number;
  /** batches in flight per worker (default 2) */
  inFlight?: number;
  /** components per batch, at most (default 64; fewer when fewer are ready) */
  batch?: number;
  /** record each function's struct and global lookups (the editor keeps products across edits by them: AnalysisReuse) */
  lookups?: boolean;
}

/** The struct fields and globals one function's analysis looked up (undefined: it read the whole table). */
export interface JobLookups { structs?: StructLookup[]; globals?: GlobalLookup[] }

/** runParallel()'s result, indexed like run.order: products, and their lookups when asked for. */
export interface ParallelProducts { products: FnProduct[][]; lookups?: JobLookups[][] }

/** Settings every analysis worker gets once (plain data). */
export interface AnalysisInit {
  k: 'init';
  config: LockorderConfig;
  structDefs: StructDef[];
  globals: [string, string][];
  classKeys: ClassKey[];
  budget?: Budget;
  disabledRules: string[];
  /** record lookups (ParallelOptions.lookups) */
  lookups?: boolean;
}

/** One component: its functions in order, what their calls resolve to, the callee summaries known. */
export interface AnalysisJob {
  k: 'scc';
  id: number;
  recursive: boolean;
  members: {
    /** the IR, or its JSON text as the IR worker wrote it (irText.ts) */
    fn: FunctionIR | string; file: string; key: string; handler: boolean;
    /** callee name -> summary key (null: no summary reachable) */
    direct: Record<string, string | null>;
    /** ops member -> summary key */
    indirect: Record<string, string | null>;
  }[];
  /** summary key -> the version it reads (`component:member` of its definition, or `b:` + key for built-in knowledge) */
  reads: Record<string, string>;
  /** the versions this worker has not been sent yet (a worker keeps every version it got: each is sent to it once) */
  summaries: Record<string, Summary>;
}

/** Several ready components in one message (fewer round trips; the main thread is the scarce one). */
export interface AnalysisBatch { k: 'batch'; jobs: AnalysisJob[] }

export interface AnalysisReply { k: 'scc'; id: number; products?: FnProduct[]; lookups?: JobLookups[]; error?: string }
export interface BatchReply { k: 'batch'; replies: AnalysisReply[] }

// ------------------------------------------------------------ worker side

let env: FnJobEnv | undefined;
let recordLookups = false;
/** every summary version this worker was sent */
const versions = new Map<string, Summary>();

/** Handle one message in an analysis worker; returns the reply for jobs. */
export function handleAnalysisMessage(m: AnalysisInit | AnalysisBatch): BatchReply | undefined {
  if (m.k === 'init') {
    const structs = new StructTable();
    structs.add(m.structDefs);
    env = { know: new Knowledge(m.config), structs, globals: new Map(m.globals), classKeys: m.classKeys, budget: m.budget, disabledRules: new Set(m.disabledRules) };
    recordLookups = !!m.lookups;
    return undefined;
  }
  const jobEnv = env;
  return {
    k: 'batch',
    replies: m.jobs.map((job) => {
      if (!jobEnv) return { k: 'scc', id: job.id, error: 'analysis worker not initialised' };
      try {
        for (const [v, sum] of Object.entries(job.summaries)) versions.set(v, sum);
        return { k: 'scc', id: job.id, ...runJob(jobEnv, job, versions, recordLookups) };
      } catch (e) {
        return { k: 'scc', id: job.id, error: (e as Error).stack ?? String(e) };
      }
    }),
  };
}

/**
 * Analyse one component (in a worker, or on the main thread when no worker
 * can); with `lookups`, each function's analysis goes through table views
 * that record what it looked up (lookups.ts), as the editor's does.
 */
export function runJob(jobEnv: FnJobEnv, m: AnalysisJob, have: ReadonlyMap<string, Summary>, lookups = false): { products: FnProduct[]; lookups?: JobLookups[] } {
  const known = new Map<string, Summary>();
  for (const [k, v] of Object.entries(m.reads)) {
    const sum = have.get(v) ?? m.summaries[v];
    if (sum) known.set(k, sum);
  }
  const products: FnProduct[] = [];
  const looked: JobLookups[] = [];
  for (const mem of m.members) {
    const get = (k: string | null | undefined): Summary | undefined => (k ? known.get(k) : undefined);
    const lookup: SummaryLookup = { get: (name) => get(mem.direct[name]), indirect: (member) => get(mem.indirect[member]) };
    const fn = typeof mem.fn === 'string' ? JSON.parse(mem.fn) as FunctionIR : mem.fn;
    const view = lookups ? new StructView({ current: jobEnv.structs }) : undefined;
    const gview = lookups ? new GlobalView({ current: jobEnv.globals }) : undefined;
    const fnEnv = view && gview ? { ...jobEnv, structs: view as unknown as StructTable, globals: gview } : jobEnv;
    const rec = runDataflow(fn, mem.file, lookup, fnEnv, mem.handler);
    const p = productOf(rec, fnEnv, m.recursive);
    if (view && gview) looked.push({ structs: view.done(), globals: gview.done() });
    known.set(mem.key, p.summary);
    products.push(p);
  }
  return { products, lookups: lookups ? looked : undefined };
}

// ------------------------------------------------------------ main side

/**
 * Where each summary key is defined: [component, member] pairs in component
 * order. A key can have several (the #ifdef variants of a static function in
 * one file); the sequential loop then reads the one analysed last before it.
 */
type Defs = ReadonlyMap<string, readonly (readonly [number, number])[]>;

/** The definition of `key` the sequential loop would read from component `id`: the last one before it. */
function before(defs: Defs, key: string, id: number): readonly [number, number] | undefined {
  const l = defs.get(key);
  if (!l) return undefined;
  let best: readonly [number, number] | undefined;
  for (const d of l) if (d[0] < id) best = d; else break;
  return best;
}

/** What component `id` reads, resolved once: per member its call -> key maps, and each key's definition. */
interface Plan {
  members: Pick<AnalysisJob['members'][number], 'direct' | 'indirect'>[];
  /** summary key -> [component, member] of the definition it reads, or null for built-in knowledge */
  reads: Map<string, readonly [number, number] | null>;
}

function planOf(run: WorkspaceRun, defs: Defs, id: number): Plan {
  const reads: Plan['reads'] = new Map();
  const members = run.order[id].map(({ fn, file }) => {
    const direct: Record<string, string | null> = {};
    const indirect: Record<string, string | null> = {};
    for (const d of summaryDeps(fn)) {
      const k = d.indirect ? run.resolveIndirect(d.name) : run.resolve(file, d.name);
      (d.indirect ? indirect : direct)[d.name] = k ?? null;
      if (k === undefined || reads.has(k)) continue;
      if (!defs.has(k)) { reads.set(k, null); continue; }
      const at = before(defs, k, id);
      if (at) reads.set(k, at);
    }
    return { direct, indirect };
  });
  return { members, reads };
}

/**
 * The job for component `id` from its plan (every definition it reads is
 * analysed: `products`). `sent`: the versions the receiving worker already
 * has (updated); undefined: include every version read (a job for the main
 * thread).
 */
function jobOf(run: WorkspaceRun, plan: Plan, products: readonly FnProduct[][], id: number, sent?: Set<string>): AnalysisJob {
  // a job for a worker carries each function's text when the main thread has it (irText.ts)
  const irOf = (fn: FunctionIR): FunctionIR | string => (sent ? takeText(fn) ?? fn : fn);
  const reads: Record<string, string> = {};
  const summaries: Record<string, Summary> = {};
  for (const [k, at] of plan.reads) {
    const s = at ? products[at[0]][at[1]].summary : run.summaries.get(k); // null: built-in knowledge
    if (!s) continue;
    const v = at ? `${at[0]}:${at[1]}` : `b:${k}`;
    reads[k] = v;
    if (sent?.has(v)) continue;
    summaries[v] = s;
    sent?.add(v);
  }
  const scc = run.order[id];
  const members: AnalysisJob['members'] = scc.map(({ fn, file }, j) => ({
    fn: irOf(fn), file, key: keyOf(file, fn.name), handler: run.handlerNames.has(fn.name), ...plan.members[j],
  }));
  return { k: 'scc', id, recursive: isRecursive(scc), members, reads, summaries };
}

/** A worker of the pool and the summary versions it already has. */
interface Slot { w: WorkerSlot<number[], BatchReply>; sent: Set<string> }

/**
 * The products of every component of `run.order`, indexed like it: computed
 * in workers when they start, on the main thread (the same job code) for
 * whatever they cannot do. Nothing is applied to the run: the caller applies
 * the products in component order, as the sequential loop does.
 */
export async function runParallel(run: WorkspaceRun, opts: ParallelOptions): Promise<ParallelProducts> {
  const n = run.order.length;
  const defs = new Map<string, [number, number][]>();
  run.order.forEach((scc, i) => scc.forEach(({ fn, file }, j) => {
    const k = keyOf(file, fn.name);
    const l = defs.get(k);
    if (l) l.push([i, j]); else defs.set(k, [[i, j]]);
  }));
  // a component waits for the definitions it reads (calls into later components read nothing, as in the sequential loop)
  const waiting = new Array<number>(n).fill(0);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  const plans: (Plan | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    plans[i] = planOf(run, defs, i);
    const deps = new Set<number>();
    for (const at of plans[i]!.reads.values()) if (at) deps.add(at[0]);
    waiting[i] = deps.size;
    for (const c of deps) dependents[c].push(i);
  }
  const products: FnProduct[][] = new Array(n);
  const lookups: JobLookups[][] | undefined = opts.lookups ? new Array(n) : undefined;
  const ready: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (waiting[i] === 0) ready.push(i); // popped lowest first
  let done = 0;
  const timeoutMs = opts.jobTimeoutMs ?? 300_000;
  const inFlight = Math.max(1, opts.inFlight ?? 2);
  const batchMax = Math.max(1, opts.batch ?? 64);
  const complete = (id: number, p: FnProduct[], l?: JobLookups[]): void => {
    products[id] = p;
    if (lookups) lookups[id] = l ?? [];
    plans[id] = undefined;
    done++;
    for (const d of dependents[id]) if (--waiting[d] === 0) ready.push(d);
  };
  const none = new Map<string, Summary>();
  const runLocal = (id: number): void => {
    const r = runJob(run.env, jobOf(run, plans[id]!, products, id), none, !!lookups);
    complete(id, r.products, r.lookups);
  };

  await new Promise<void>((resolve) => {
    const slots: Slot[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const s of slots) s.w.close();
      resolve();
    };
    const pump = (): void => {
      if (finished) return;
      const workers = slots.filter((s) => s.w.alive);
      // no worker left: the rest on this thread, in dependency order
      if (workers.length === 0) while (ready.length) runLocal(ready.pop()!);
      for (const s of workers) {
        while (s.w.alive && s.w.inFlight.length < inFlight && ready.length) {
          // share what is ready between the workers, so a narrow part of the call graph is not all sent to one
          const take = Math.max(1, Math.min(batchMax, Math.ceil(ready.length / workers.length)));
          const ids: number[] = [];
          while (ids.length < take && ready.length) ids.push(ready.pop()!);
          const jobs = ids.map((id) => jobOf(run, plans[id]!, products, id, s.sent));
          s.w.send(ids, { k: 'batch', jobs } satisfies AnalysisBatch);
        }
      }
      if (done === n) finish();
    };
    const init: AnalysisInit = {
      k: 'init', config: run.env.know.config, structDefs: run.structDefs, globals: [...run.env.globals], classKeys: [...run.env.classKeys],
      budget: run.env.budget, disabledRules: [...(run.env.disabledRules ?? [])], lookups: !!lookups,
    };
    for (let k = 0; k < opts.workers; k++) {
      const sent = new Set<string>();
      // replies come in the order the batches were sent (the slot's default)
      const w = new WorkerSlot<number[], BatchReply>({ script: opts.script, workerData: { analysis: true }, init, timeoutMs }, {
        reply: (ids, b) => {
          if (finished) return;
          const byId = new Map(b.replies.map((r) => [r.id, r]));
          for (const id of ids) {
            const r = byId.get(id);
            if (r?.products && r.products.length === run.order[id].length && (!lookups || r.lookups?.length === r.products.length)) complete(id, r.products, r.lookups);
            else runLocal(id);
          }
          pump();
        },
        // crashed, exited, silent for timeoutMs, or sent a batch it could not take: those jobs run here
        // (their inputs are complete: they were ready), and the summaries it was sent are forgotten with it
        failed: (lost) => {
          if (finished) return;
          for (const id of lost.flat().sort((x, y) => x - y)) runLocal(id);
          pump();
        },
      });
      slots.push({ w, sent });
    }
    pump();
  });
  return { products, lookups };
}
