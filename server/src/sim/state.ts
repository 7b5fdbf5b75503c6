/**
 * Explorer state: per-thread control (call stack, loop-visit counters,
 * pagefault_disable depth, nofault iterators, wait status) and per-lock
 * holders / FIFO wait queue. Everything another thread can observe lives in
 * the lock states (including the gfs2 allow_demote flag, kept on the holder),
 * so a transition reads and writes only its own thread and at most one lock —
 * the basis of the independence relation used by partial-order reduction.
 */
import { LockMode } from './program';
import { LockState } from './semantics';

export type ThreadStatus = 'run' | 'wait' | 'sleep' | 'done' | 'cut';

export interface Frame {
  prog: number;
  node: number;
  /** Visits of each loop header of `prog` in this activation. */
  visits: number[];
}

export interface ThreadState {
  /**
   * run: at a branch or visible op (always has an enabled transition);
   * wait: queued on `waitLock`; done: returned from its program;
   * cut: stopped by the loop bound (or a dead end) — not a deadlock;
   * sleep: (finite CPUs only) a spinning-lock holder that went to sleep at the
   * `sleep` / `fault` / `fault_in` op of its top frame and is off its CPU; its
   * next transition wakes it up on a free CPU and continues after that op.
   */
  status: ThreadStatus;
  frames: Frame[];
  /** pagefault_disable() depth. */
  pf: number;
  /** Bitmask of iterators with ->nofault set. */
  nofault: number;
  waitLock: number;
  waitMode: LockMode | null;
}

export interface SimState {
  threads: ThreadState[];
  locks: LockState[];
}

/** One scheduling decision: thread index and branch choice (successor index; 0 for non-branch steps). */
export interface Transition {
  t: number;
  choice: number;
}

export function cloneThread(th: ThreadState): ThreadState {
  return {
    status: th.status,
    frames: th.frames.map((f) => ({ prog: f.prog, node: f.node, visits: f.visits })),
    pf: th.pf,
    nofault: th.nofault,
    waitLock: th.waitLock,
    waitMode: th.waitMode,
  };
}

export function cloneLock(ls: LockState): LockState {
  return { holders: ls.holders.map((h) => ({ ...h })), queue: ls.queue.map((w) => ({ ...w })) };
}

const STATUS_CODE: Record<ThreadStatus, number> = { run: 0, wait: 1, sleep: 2, done: 3, cut: 4 };
const MODE_CODE: Record<LockMode, number> = { W: 0, R: 1, RR: 2, EX: 3, SH: 4, DF: 5 };

/**
 * Canonical string key of a state, for the visited set: every field as one
 * UTF-16 code unit (variable-length lists prefixed by their length, so no
 * separators are needed). Short keys hash and compare fast.
 */
export function stateKey(s: SimState): string {
  const c: number[] = [];
  for (const th of s.threads) {
    c.push(STATUS_CODE[th.status], th.pf, th.nofault & 0xffff, th.nofault >>> 16);
    if (th.status === 'wait') c.push(th.waitLock, MODE_CODE[th.waitMode as LockMode]);
    c.push(th.frames.length);
    for (const f of th.frames) {
      c.push(f.prog, f.node, f.visits.length);
      for (const v of f.visits) c.push(v);
    }
  }
  for (const ls of s.locks) {
    c.push(ls.holders.length);
    for (const h of ls.holders) c.push(h.t, MODE_CODE[h.mode] * 2 + (h.demotable ? 1 : 0));
    c.push(ls.queue.length);
    for (const w of ls.queue) c.push(w.t, MODE_CODE[w.mode]);
  }
  let out = '';
  // chunks: String.fromCharCode's argument count is limited
  for (let i = 0; i < c.length; i += 4096) {
    const part = c.slice(i, i + 4096);
    for (const v of part) if (v > 0xffff || v < 0) return stateKeyText(s); // out of range: the long form
    out += String.fromCharCode(...part);
  }
  return out;
}

/** The readable form (for states with a field beyond 16 bits). Starts with a marker no short key starts with. */
function stateKeyText(s: SimState): string {
  const parts: Array<string | number> = ['#'];
  for (const th of s.threads) {
    parts.push(th.status, th.pf, th.nofault);
    if (th.status === 'wait') parts.push(th.waitLock, th.waitMode as string);
    for (const f of th.frames) parts.push('/', f.prog, f.node, f.visits.join('.'));
    parts.push(';');
  }
  parts.push('|');
  for (const ls of s.locks) {
    for (const h of ls.holders) parts.push(h.t, h.mode, h.demotable ? 'd' : '');
    if (ls.queue.length > 0) {
      parts.push('<');
      for (const w of ls.queue) parts.push(w.t, w.mode);
    }
    parts.push(';');
  }
  return '\uffff' + parts.join(',');
}
