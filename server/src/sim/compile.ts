/**
 * Compile a {@link Scenario} into dense, index-based tables for the explorer:
 * interned locks / programs / files / iterators, op nodes normalised to at most
 * one successor, loop headers numbered per program (the loop bound counts
 * visits of loop headers only: every cycle contains one), a synthetic
 * page-fault program per (mm, file), and per-node lock footprints (every lock
 * a thread may still touch from that node, used by partial-order reduction).
 */
import { DEFAULT_MMAP_LOCK, LockKind, LockMode, Scenario, SimLock, SourcePos, validateScenario } from './program';
import { compatible } from './semantics';

export type COp =
  | { k: 'acquire'; lock: number; mode: LockMode; try: boolean; onFail: number }
  | { k: 'release'; lock: number }
  | { k: 'allow_demote'; lock: number }
  | { k: 'disallow_demote'; lock: number }
  | { k: 'holder_queued'; lock: number; ifQueued: number; ifNot: number }
  | { k: 'fault'; file: number; label: string; underMmap: boolean }
  | { k: 'fault_in'; file: number; label: string }
  | { k: 'pagefault_disable' }
  | { k: 'pagefault_enable' }
  | { k: 'nofault_set'; iter: number; name: string }
  | { k: 'nofault_clear'; iter: number; name: string }
  | { k: 'call'; prog: number; name: string }
  | { k: 'sleep'; label: string };

/** Ops that touch shared state: only these are scheduling points (besides branches). */
export type VisibleOp = Extract<COp, { lock: number }>;

export function isVisible(op: COp): op is VisibleOp {
  return 'lock' in op;
}

export interface CNode {
  succ: number[];
  op: COp | null;
  pos?: SourcePos;
  text?: string;
  /** Index into the frame's visit counters when this node is a loop header, else -1. */
  header: number;
}

export interface CProgram {
  name: string;
  nodes: CNode[];
  entry: number;
  nHeaders: number;
  /** Synthetic page-fault path (mmap_lock + handler); not counted against the inline depth. */
  synthetic: boolean;
}

export interface CLock {
  id: string;
  kind: LockKind;
  label: string;
}

export interface CThread {
  name: string;
  prog: number;
  mm: number;
}

export interface CompiledScenario {
  title: string;
  locks: CLock[];
  programs: CProgram[];
  threads: CThread[];
  files: string[];
  /** faultProg[mm lock index][file index] → synthetic program index. */
  faultProg: Map<number, number[]>;
  /** faultProgHeld[file index] → synthetic program of a GUP fault under the caller's mmap_lock (the handler only). */
  faultProgHeld: number[];
  /**
   * contended[lock]: some two requests on the lock (any threads, any programs,
   * same mode included) are incompatible. Operations on an uncontended lock
   * never block, queue, fail a trylock or demote, and commute with each other,
   * so partial-order reduction treats them as thread-local.
   */
  contended: boolean[];
  /** footprint[prog][node]: contended locks possibly touched from this node on (bitset words). */
  footprint: Uint32Array[][];
  leakHangs: boolean;
  /**
   * Number of CPUs when it can matter, else Infinity: a thread can only be kept
   * off a CPU by `cpus` others occupying all of them, so with at most `cpus`
   * threads the CPU model is off (same semantics and states as unlimited).
   */
  cpus: number;
  /** cpus < Infinity. */
  cpuLimited: boolean;
  /** spinning[lock]: a spinlock or rwlock (waiters spin; holders and waiters keep preemption off). */
  spinning: boolean[];
  /** Indices of the spinning locks. */
  spinLocks: number[];
}

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid scenario: ${problems.join('; ')}`);
  }
}

function intern(list: string[], idx: Map<string, number>, s: string): number {
  let i = idx.get(s);
  if (i === undefined) {
    i = list.length;
    list.push(s);
    idx.set(s, i);
  }
  return i;
}

export function compileScenario(sc: Scenario): CompiledScenario {
  const problems = validateScenario(sc);
  if (problems.length > 0) throw new ScenarioError(problems);

  const mmDefault = sc.mmapLock ?? DEFAULT_MMAP_LOCK;
  // Locks sorted by id: compilation must not depend on object key order.
  const lockDefs: SimLock[] = Object.keys(sc.locks).sort().map((k) => sc.locks[k]);
  const mmIds = new Set<string>([mmDefault, ...sc.threads.map((t) => t.mm ?? mmDefault)]);
  for (const id of [...mmIds].sort()) {
    if (!(id in sc.locks)) lockDefs.push({ id, kind: 'rwsem', label: id === DEFAULT_MMAP_LOCK ? 'mm->mmap_lock' : id });
  }
  const locks: CLock[] = lockDefs.map((l) => ({ id: l.id, kind: l.kind, label: l.label }));
  const lockIdx = new Map(locks.map((l, i) => [l.id, i] as [string, number]));

  const progNames = Object.keys(sc.programs).sort();
  const progIdx = new Map(progNames.map((n, i) => [n, i] as [string, number]));
  const files: string[] = [];
  const fileIdx = new Map<string, number>();
  const iters: string[] = [];
  const iterIdx = new Map<string, number>();
  for (const f of Object.keys(sc.faultHandlers).sort()) intern(files, fileIdx, f);

  const programs: CProgram[] = progNames.map((name) => {
    const p = sc.programs[name];
    const nodeIdx = new Map(p.nodes.map((n, i) => [n.id, i] as [number, number]));
    const at = (id: number): number => nodeIdx.get(id) as number;
    const nodes: CNode[] = p.nodes.map((n) => ({ succ: n.succ.map(at), op: null, pos: n.pos, text: n.text, header: -1 }));
    const extra: CNode[] = [];
    p.nodes.forEach((n, i) => {
      const op = n.op;
      const node = nodes[i];
      let c: COp | null = null;
      if (!op || op.kind === 'noop') return;
      switch (op.kind) {
        case 'acquire':
          c = { k: 'acquire', lock: lockIdx.get(op.lock) as number, mode: op.mode, try: !!op.try, onFail: op.onFail === undefined ? -1 : at(op.onFail) };
          break;
        case 'release':
        case 'allow_demote':
        case 'disallow_demote':
          c = { k: op.kind, lock: lockIdx.get(op.lock) as number };
          break;
        case 'holder_queued_branch':
          c = { k: 'holder_queued', lock: lockIdx.get(op.lock) as number, ifQueued: at(op.ifQueued), ifNot: at(op.ifNot) };
          node.succ = [];
          break;
        case 'fault':
          c = { k: 'fault', file: intern(files, fileIdx, op.file), label: op.label ?? op.file, underMmap: !!op.underMmap };
          break;
        case 'fault_in':
          c = { k: 'fault_in', file: intern(files, fileIdx, op.file), label: op.label ?? op.file };
          break;
        case 'pagefault_disable':
        case 'pagefault_enable':
          c = { k: op.kind };
          break;
        case 'nofault_set':
        case 'nofault_clear':
          c = { k: op.kind, iter: intern(iters, iterIdx, op.iter), name: op.iter };
          break;
        case 'call':
          c = { k: 'call', prog: progIdx.get(op.program) ?? -1, name: op.program };
          break;
        case 'sleep':
          c = { k: 'sleep', label: op.label ?? '' };
          break;
      }
      node.op = c;
      // Normalise: an op node with several successors = op node → branch node.
      if (node.succ.length > 1) {
        extra.push({ succ: node.succ, op: null, header: -1 });
        node.succ = [nodes.length + extra.length - 1];
      }
    });
    if (iters.length > 30) throw new ScenarioError(['more than 30 distinct nofault iterators']);
    const all = nodes.concat(extra);
    return { name, nodes: all, entry: at(p.entry), nHeaders: markLoopHeaders(all, at(p.entry)), synthetic: false };
  });

  // The fault handler's part of a synthetic fault path: handle_mm_fault → the file's handler, if any.
  const handlerNode = (file: string, succ: number[], where: string): CNode => {
    const handler = sc.faultHandlers[file];
    const hp = handler === undefined ? -1 : (progIdx.get(handler) as number);
    return { succ, op: hp < 0 ? null : { k: 'call', prog: hp, name: handler }, header: -1, text: `handle_mm_fault${where}${hp < 0 ? ' (no fs handler)' : ` → ${handler}`}` };
  };
  // Synthetic fault path per (mm, file): mmap_read_lock → handler → mmap_read_unlock.
  const faultProg = new Map<number, number[]>();
  for (const mmId of [...mmIds].sort()) {
    const mm = lockIdx.get(mmId) as number;
    const row: number[] = [];
    for (const file of files) {
      const nodes: CNode[] = [
        { succ: [1], op: { k: 'acquire', lock: mm, mode: 'R', try: false, onFail: -1 }, header: -1, text: 'page fault: mmap_read_lock(mm)' },
        handlerNode(file, [2], ''),
        { succ: [], op: { k: 'release', lock: mm }, header: -1, text: 'page fault done: mmap_read_unlock(mm)' },
      ];
      row.push(programs.length);
      programs.push({ name: `<fault ${file}>`, nodes, entry: 0, nHeaders: 0, synthetic: true });
    }
    faultProg.set(mm, row);
  }
  // GUP under the caller's mmap_lock: handle_mm_fault → handler, no mmap_read_lock of its own
  const faultProgHeld: number[] = files.map((file) => {
    programs.push({ name: `<gup fault ${file}>`, nodes: [handlerNode(file, [], ' under the caller\'s mmap_lock')], entry: 0, nHeaders: 0, synthetic: true });
    return programs.length - 1;
  });

  const threads: CThread[] = sc.threads.map((t) => ({
    name: t.name,
    prog: progIdx.get(t.program) as number,
    mm: lockIdx.get(t.mm ?? mmDefault) as number,
  }));

  const spinning = locks.map((l) => isSpinningKind(l.kind));
  const cpus = sc.cpus !== undefined && threads.length > sc.cpus ? sc.cpus : Infinity;
  const cs: CompiledScenario = {
    title: sc.title ?? '',
    locks,
    programs,
    threads,
    files,
    faultProg,
    faultProgHeld,
    contended: contention(locks, programs),
    footprint: [],
    leakHangs: !!sc.leakedLockIsDeadlock,
    cpus,
    cpuLimited: cpus !== Infinity,
    spinning,
    spinLocks: spinning.flatMap((sp, i) => (sp ? [i] : [])),
  };
  cs.footprint = computeFootprints(cs);
  return cs;
}

/** Locks whose waiters spin with preemption off: spinlock, rwlock (read_lock / write_lock). */
export function isSpinningKind(kind: LockKind): boolean {
  return kind === 'spinlock' || kind === 'rwlock';
}

function contention(locks: CLock[], programs: CProgram[]): boolean[] {
  const modes = locks.map(() => new Set<LockMode>());
  for (const p of programs) for (const n of p.nodes) if (n.op && n.op.k === 'acquire') modes[n.op.lock].add(n.op.mode);
  return locks.map((l, i) => {
    const ms = [...modes[i]];
    return ms.some((a) => ms.some((b) => !compatible(l.kind, a, b)));
  });
}

/** Number loop headers (targets of DFS back edges from the entry); returns their count. */
function markLoopHeaders(nodes: CNode[], entry: number): number {
  const color = new Uint8Array(nodes.length); // 0 white, 1 on stack, 2 done
  let n = 0;
  const stack: Array<{ v: number; i: number }> = [{ v: entry, i: 0 }];
  color[entry] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const out = edgesOf(nodes[top.v]);
    if (top.i < out.length) {
      const w = out[top.i++];
      if (color[w] === 0) {
        color[w] = 1;
        stack.push({ v: w, i: 0 });
      } else if (color[w] === 1 && nodes[w].header < 0) {
        nodes[w].header = n++;
      }
    } else {
      color[top.v] = 2;
      stack.pop();
    }
  }
  return n;
}

/** All intra-program control edges of a node. */
export function edgesOf(node: CNode): number[] {
  const op = node.op;
  if (op && op.k === 'holder_queued') return [op.ifQueued, op.ifNot];
  if (op && op.k === 'acquire' && op.onFail >= 0) return [...node.succ, op.onFail];
  return node.succ;
}

/**
 * footprint(v) = v's own contended lock ∪ the footprints of everything v can
 * continue into: its successors, the entry of a program it calls, and the
 * synthetic fault programs of a fault op. Computed in one pass over the
 * strongly connected components of that graph (all programs' nodes together;
 * programs may recurse), sinks first: linear in nodes + edges. Every member of
 * a component shares one bitset (read only once compiled).
 */
function computeFootprints(cs: CompiledScenario): Uint32Array[][] {
  const words = Math.max(1, Math.ceil(cs.locks.length / 32));
  // global node numbering: program p's node i is base[p] + i
  const base: number[] = [];
  let total = 0;
  for (const p of cs.programs) {
    base.push(total);
    total += p.nodes.length;
  }
  const progOf = new Int32Array(total);
  cs.programs.forEach((p, pi) => progOf.fill(pi, base[pi], base[pi] + p.nodes.length));
  const faultEntries = (file: number): number[] => {
    const out: number[] = [];
    for (const row of cs.faultProg.values()) if (row[file] !== undefined) out.push(base[row[file]]);
    return out;
  };
  const succOf = (g: number): number[] => {
    const p = progOf[g];
    const prog = cs.programs[p];
    const n = prog.nodes[g - base[p]];
    const out = edgesOf(n).map((s) => base[p] + s);
    const op = n.op;
    if (op && op.k === 'call' && op.prog >= 0) out.push(base[op.prog] + cs.programs[op.prog].entry);
    if (op && op.k === 'fault' && op.underMmap) out.push(base[cs.faultProgHeld[op.file]]);
    else if (op && (op.k === 'fault' || op.k === 'fault_in')) out.push(...faultEntries(op.file));
    return out;
  };
  const own = (g: number, into: Uint32Array): void => {
    const p = progOf[g];
    const op = cs.programs[p].nodes[g - base[p]].op;
    if (op && isVisible(op) && cs.contended[op.lock]) into[op.lock >>> 5] = (into[op.lock >>> 5] | (1 << (op.lock & 31))) >>> 0;
  };

  // Tarjan's algorithm, iterative; a component is complete (and all it reaches is done) when popped
  const fpOf = new Array<Uint32Array | undefined>(total);
  const index = new Int32Array(total).fill(-1);
  const low = new Int32Array(total);
  const onStack = new Uint8Array(total);
  const stack: number[] = [];
  let counter = 0;
  const call: Array<{ v: number; succ: number[]; i: number }> = [];
  for (let root = 0; root < total; root++) {
    if (index[root] >= 0) continue;
    const enter = (v: number): void => {
      index[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = 1;
      call.push({ v, succ: succOf(v), i: 0 });
    };
    enter(root);
    while (call.length > 0) {
      const fr = call[call.length - 1];
      if (fr.i < fr.succ.length) {
        const w = fr.succ[fr.i++];
        if (index[w] < 0) enter(w);
        else if (onStack[w]) low[fr.v] = Math.min(low[fr.v], index[w]);
        continue;
      }
      call.pop();
      if (call.length > 0) {
        const up = call[call.length - 1].v;
        low[up] = Math.min(low[up], low[fr.v]);
      }
      if (low[fr.v] !== index[fr.v]) continue;
      // fr.v roots a component: pop it, union its members' own locks and its exits' (finished) footprints
      const members: number[] = [];
      let w: number;
      do {
        w = stack.pop() as number;
        onStack[w] = 0;
        members.push(w);
      } while (w !== fr.v);
      const bits = new Uint32Array(words);
      for (const m of members) {
        own(m, bits);
        for (const s of succOf(m)) {
          const f = fpOf[s];
          if (f) for (let k = 0; k < words; k++) bits[k] = (bits[k] | f[k]) >>> 0;
        }
      }
      for (const m of members) fpOf[m] = bits;
    }
  }
  return cs.programs.map((p, pi) => p.nodes.map((_, i) => fpOf[base[pi] + i] as Uint32Array));
}

export function footprintHas(cs: CompiledScenario, prog: number, node: number, lock: number): boolean {
  return (cs.footprint[prog][node][lock >>> 5] & (1 << (lock & 31))) !== 0;
}
