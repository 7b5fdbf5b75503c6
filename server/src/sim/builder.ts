/**
 * A small fluent builder for thread programs and scenarios (tests, examples,
 * and front ends that synthesise scenarios by hand).
 *
 * Nodes fall through to the next appended node unless they end control flow
 * (`branch`, `goto`, `ret`, `holderQueued`). Labels name the next node;
 * `'@next'` means "the following node". A label at the very end gets an
 * implicit return node.
 */
import { LockKind, LockMode, Scenario, SimLock, SimNode, SimOp, SourcePos, ThreadProgram } from './program';

export interface At {
  line?: number;
  col?: number;
  text?: string;
  /** Defaults to the builder's file. */
  file?: string;
}

interface Pending {
  node: SimNode;
  /** Label targets to resolve: where to write them. */
  refs: Array<{ label: string; set: (id: number) => void }>;
  fallthrough: boolean;
}

export class ProgramBuilder {
  private readonly items: Pending[] = [];
  private readonly labels = new Map<string, number>();
  private pendingLabels: string[] = [];

  constructor(
    readonly name: string,
    readonly file?: string,
  ) {}

  label(name: string): this {
    if (this.labels.has(name) || this.pendingLabels.includes(name)) throw new Error(`${this.name}: duplicate label ${name}`);
    this.pendingLabels.push(name);
    return this;
  }

  private push(op: SimOp | undefined, at: At | undefined, fallthrough = true): Pending {
    const id = this.items.length;
    const node: SimNode = { id, succ: [] };
    if (op) node.op = op;
    const file = at?.file ?? this.file;
    if (at?.line !== undefined && file !== undefined) {
      const pos: SourcePos = { file, line: at.line, col: at.col ?? 1 };
      node.pos = pos;
    }
    if (at?.text !== undefined) node.text = at.text;
    for (const l of this.pendingLabels) this.labels.set(l, id);
    this.pendingLabels = [];
    const p: Pending = { node, refs: [], fallthrough };
    this.items.push(p);
    return p;
  }

  acquire(lock: string, mode: LockMode, at?: At): this {
    this.push({ kind: 'acquire', lock, mode }, at);
    return this;
  }

  /** Trylock: falls through on success, jumps to `onFail` on failure. */
  trylock(lock: string, mode: LockMode, onFail: string, at?: At): this {
    const op: SimOp = { kind: 'acquire', lock, mode, try: true, onFail: -1 };
    const p = this.push(op, at);
    p.refs.push({ label: onFail, set: (id) => (op.onFail = id) });
    return this;
  }

  release(lock: string, at?: At): this {
    this.push({ kind: 'release', lock }, at);
    return this;
  }

  fault(file: string, at?: At, label?: string): this {
    this.push(label === undefined ? { kind: 'fault', file } : { kind: 'fault', file, label }, at);
    return this;
  }

  /** get_user_pages() with mmap_lock held by the caller: the fault runs the handler under that lock. */
  gupFault(file: string, at?: At, label?: string): this {
    this.push(label === undefined ? { kind: 'fault', file, underMmap: true } : { kind: 'fault', file, label, underMmap: true }, at);
    return this;
  }

  faultIn(file: string, at?: At, label?: string): this {
    this.push(label === undefined ? { kind: 'fault_in', file } : { kind: 'fault_in', file, label }, at);
    return this;
  }

  /** A call that may sleep (msleep, schedule, GFP_KERNEL allocation): matters with a finite `cpus`. */
  sleep(label?: string, at?: At): this {
    this.push(label === undefined ? { kind: 'sleep' } : { kind: 'sleep', label }, at);
    return this;
  }

  pagefaultDisable(at?: At): this {
    this.push({ kind: 'pagefault_disable' }, at);
    return this;
  }

  pagefaultEnable(at?: At): this {
    this.push({ kind: 'pagefault_enable' }, at);
    return this;
  }

  nofault(iter: string, on: boolean, at?: At): this {
    this.push(on ? { kind: 'nofault_set', iter } : { kind: 'nofault_clear', iter }, at);
    return this;
  }

  allowDemote(lock: string, at?: At): this {
    this.push({ kind: 'allow_demote', lock }, at);
    return this;
  }

  disallowDemote(lock: string, at?: At): this {
    this.push({ kind: 'disallow_demote', lock }, at);
    return this;
  }

  call(program: string, at?: At): this {
    this.push({ kind: 'call', program }, at);
    return this;
  }

  noop(at?: At): this {
    this.push(undefined, at);
    return this;
  }

  holderQueued(lock: string, ifQueued: string, ifNot: string, at?: At): this {
    const op: SimOp = { kind: 'holder_queued_branch', lock, ifQueued: -1, ifNot: -1 };
    const p = this.push(op, at, false);
    p.refs.push({ label: ifQueued, set: (id) => (op.ifQueued = id) }, { label: ifNot, set: (id) => (op.ifNot = id) });
    return this;
  }

  /** Nondeterministic branch to the labelled nodes (explored both/all ways). */
  branch(...targets: string[]): this {
    if (targets.length < 2) throw new Error(`${this.name}: branch needs 2+ targets`);
    const p = this.push(undefined, undefined, false);
    targets.forEach((label, i) => p.refs.push({ label, set: (id) => (p.node.succ[i] = id) }));
    return this;
  }

  goto(label: string, at?: At): this {
    const p = this.push(undefined, at, false);
    p.refs.push({ label, set: (id) => (p.node.succ[0] = id) });
    return this;
  }

  ret(at?: At): this {
    this.push(undefined, at, false);
    return this;
  }

  build(): ThreadProgram {
    if (this.pendingLabels.length > 0 || this.items.length === 0) this.ret();
    const n = this.items.length;
    this.items.forEach((p, i) => {
      if (p.fallthrough && i + 1 < n) p.node.succ = [i + 1];
      for (const r of p.refs) {
        const id = r.label === '@next' ? i + 1 : this.labels.get(r.label);
        if (id === undefined || id >= n) throw new Error(`${this.name}: unresolved label ${r.label}`);
        r.set(id);
      }
    });
    return { name: this.name, nodes: this.items.map((p) => p.node), entry: 0 };
  }
}

export function prog(name: string, file?: string): ProgramBuilder {
  return new ProgramBuilder(name, file);
}

export function lock(id: string, kind: LockKind, label?: string): SimLock {
  return { id, kind, label: label ?? id };
}

export interface ScenarioSpec {
  title?: string;
  /** [thread name, program name] or a full thread spec. */
  threads: Array<[string, string] | Scenario['threads'][number]>;
  programs: Array<ThreadProgram | ProgramBuilder>;
  locks: SimLock[];
  faultHandlers?: Record<string, string>;
  mmapLock?: string;
  leakedLockIsDeadlock?: boolean;
  cpus?: number;
}

export function scenario(spec: ScenarioSpec): Scenario {
  const programs: Record<string, ThreadProgram> = {};
  for (const p of spec.programs) {
    const built = p instanceof ProgramBuilder ? p.build() : p;
    programs[built.name] = built;
  }
  const locks: Record<string, SimLock> = {};
  for (const l of spec.locks) locks[l.id] = l;
  const sc: Scenario = {
    threads: spec.threads.map((t) => (Array.isArray(t) ? { name: t[0], program: t[1] } : t)),
    programs,
    faultHandlers: spec.faultHandlers ?? {},
    locks,
  };
  if (spec.title !== undefined) sc.title = spec.title;
  if (spec.mmapLock !== undefined) sc.mmapLock = spec.mmapLock;
  if (spec.leakedLockIsDeadlock !== undefined) sc.leakedLockIsDeadlock = spec.leakedLockIsDeadlock;
  if (spec.cpus !== undefined) sc.cpus = spec.cpus;
  return sc;
}
