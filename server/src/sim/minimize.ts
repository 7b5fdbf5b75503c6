/**
 * Shrink a thread program without changing what the simulator can observe.
 *
 * Programs built from the dataflow's product graph (fromEngine.ts) have a
 * node per CFG node per abstract state: long op-less chains, and copies of
 * the same code for states that differ only in facts the simulator does not
 * see (a variable's sign), joined by branches whose arms then do the same
 * thing. Every such branch is a scheduling decision, so each one multiplies
 * the interleavings to explore. Here:
 *
 * 1. op-less single-successor nodes are bypassed (edges go to the first node
 *    that has an op, branches or returns);
 * 2. nodes are merged by partition refinement: same op (including its source
 *    position and text, so every visible step of a witness keeps its exact
 *    file:line) and equivalent successors — in order for an op's own targets
 *    (trylock success / failure, holder_queued), as a set for a
 *    nondeterministic choice;
 * 3. a choice between equivalent successors is no choice: the branch is
 *    bypassed, and 1–3 repeat until nothing changes.
 *
 * A branch that survives keeps, per arm, the source text of the node the arm
 * started at (what the witness's "takes branch" step shows). Merged op-less
 * nodes (returns, branches) keep a position only if all merged nodes agree.
 * Unrolled loop copies that become equal fold into one loop, so the loop
 * bound then counts iterations of the folded loop.
 */
import type { SimNode, SimOp, ThreadProgram } from './program';
import { pastDeadline } from './clock';

interface N {
  op?: SimOp;
  /** Successors: `succ` for plain ops and choices; the op's own targets are in `targets`. */
  succ: number[];
  pos?: SimNode['pos'];
  text?: string;
  /** Per-arm label of a choice: the pos/text of the node each arm started at. */
  arms?: Array<{ pos?: SimNode['pos']; text?: string } | undefined>;
}

function isTau(n: N): boolean {
  return (!n.op || n.op.kind === 'noop') && n.succ.length === 1;
}

/** The op's own control targets (not in `succ`). */
function targetsOf(op: SimOp | undefined): number[] {
  if (!op) return [];
  if (op.kind === 'acquire' && op.onFail !== undefined) return [op.onFail];
  if (op.kind === 'holder_queued_branch') return [op.ifQueued, op.ifNot];
  return [];
}

function withTargets(op: SimOp, t: number[]): SimOp {
  if (op.kind === 'acquire' && op.onFail !== undefined) return { ...op, onFail: t[0] };
  if (op.kind === 'holder_queued_branch') return { ...op, ifQueued: t[0], ifNot: t[1] };
  return op;
}

/** Op identity without its control targets. */
function opKey(op: SimOp | undefined): string {
  if (!op || op.kind === 'noop') return '-';
  const o: Record<string, unknown> = { ...op };
  delete o.onFail;
  delete o.ifQueued;
  delete o.ifNot;
  return JSON.stringify(o, Object.keys(o).sort());
}

/** One round of bypass + merge + trivial-choice removal; returns the program as dense nodes (undefined: past the deadline). */
function round(nodes: N[], entry: number, late: () => boolean): { nodes: N[]; entry: number } | undefined {
  // 1. bypass tau chains
  const end = new Array<number>(nodes.length).fill(-1);
  for (let i = 0; i < nodes.length; i++) {
    if (end[i] >= 0) continue;
    const path: number[] = [];
    const onPath = new Set<number>();
    let cur = i;
    while (end[cur] < 0 && isTau(nodes[cur]) && !onPath.has(cur)) {
      onPath.add(cur);
      path.push(cur);
      cur = nodes[cur].succ[0];
    }
    // cur: a node that is not tau, an already resolved one, or (op-less cycle) a tau node that stays
    const res = end[cur] >= 0 ? end[cur] : cur;
    for (const v of path) end[v] = res;
    end[cur] = res;
  }
  // a tau node inside an op-less cycle maps to itself and must stay
  const redirect = (i: number): number => end[i];
  const start = redirect(entry);

  // reachable non-tau nodes
  const order: number[] = [];
  const idx = new Map<number, number>();
  const stack = [start];
  while (stack.length > 0) {
    const v = stack.pop() as number;
    if (idx.has(v)) continue;
    idx.set(v, order.length);
    order.push(v);
    const n = nodes[v];
    for (const s of [...n.succ, ...targetsOf(n.op)].reverse()) stack.push(redirect(s));
  }

  // 2. partition refinement
  const choice = (n: N): boolean => n.succ.length > 1;
  let cls = order.map((v) => {
    const n = nodes[v];
    return `${opKey(n.op)}|${n.op && n.op.kind !== 'noop' ? `${n.pos?.file ?? ''}:${n.pos?.line ?? ''}:${n.pos?.col ?? ''}|${n.text ?? ''}` : choice(n) ? 'choice' : n.succ.length === 0 ? 'ret' : 'tau'}`;
  });
  let nClasses = 0;
  for (;;) {
    // each pass is linear; there can be as many passes as the program is deep
    if (late()) return undefined;
    const ids = new Map<string, number>();
    const num = cls.map((k) => {
      let c = ids.get(k);
      if (c === undefined) ids.set(k, (c = ids.size));
      return c;
    });
    if (ids.size === nClasses) break;
    nClasses = ids.size;
    cls = order.map((v, i) => {
      const n = nodes[v];
      const c = (s: number): number => num[idx.get(redirect(s)) as number];
      const succ = n.succ.map(c);
      const succKey = choice(n) ? [...new Set(succ)].sort((a, b) => a - b).join(',') : succ.join(',');
      return `${num[i]}|${succKey}|${targetsOf(n.op).map(c).join(',')}`;
    });
  }
  const classOf = new Map<number, number>();
  const reps: number[] = [];
  const members: number[][] = [];
  {
    const ids = new Map<string, number>();
    order.forEach((v, i) => {
      let c = ids.get(cls[i]);
      if (c === undefined) {
        ids.set(cls[i], (c = ids.size));
        reps.push(v);
        members.push([]);
      }
      classOf.set(v, c);
      members[c].push(v);
    });
  }

  // 3. rebuild; a choice between equal classes is no choice
  const cOf = (s: number): number => classOf.get(redirect(s)) as number;
  const out: N[] = reps.map((v, c) => {
    const n = nodes[v];
    const same = (f: (m: N) => string): boolean => members[c].every((m) => f(nodes[m]) === f(n));
    const keepPos = (n.op && n.op.kind !== 'noop') || same((m) => `${m.pos?.file}:${m.pos?.line}:${m.pos?.col}|${m.text}`);
    const r: N = { succ: [] };
    if (n.op && n.op.kind !== 'noop') r.op = withTargets(n.op, targetsOf(n.op).map(cOf));
    if (keepPos && n.pos) r.pos = n.pos;
    if (keepPos && n.text !== undefined) r.text = n.text;
    if (choice(n)) {
      const seen = new Set<number>();
      const arms: N['arms'] = [];
      n.succ.forEach((s, i) => {
        const t = cOf(s);
        if (seen.has(t)) return;
        seen.add(t);
        r.succ.push(t);
        arms.push(n.arms ? n.arms[i] : nodes[s].text !== undefined ? { pos: nodes[s].pos, text: nodes[s].text } : undefined);
      });
      if (r.succ.length > 1) r.arms = arms;
    } else {
      r.succ = n.succ.map(cOf);
    }
    return r;
  });
  return { nodes: out, entry: classOf.get(start) as number };
}

export function minimizeProgram(p: ThreadProgram): ThreadProgram {
  return minimizeProgramWithin(p) as ThreadProgram;
}

/** minimizeProgram(), given up (undefined) once Date.now() is past `deadline`. */
export function minimizeProgramWithin(p: ThreadProgram, deadline?: number): ThreadProgram | undefined {
  const late = (): boolean => pastDeadline(deadline);
  const id2i = new Map(p.nodes.map((n, i) => [n.id, i] as [number, number]));
  const at = (id: number): number => id2i.get(id) as number;
  let nodes: N[] = p.nodes.map((n) => {
    const r: N = { succ: n.succ.map(at) };
    if (n.op) r.op = withTargets(n.op, targetsOf(n.op).map(at));
    if (n.pos) r.pos = n.pos;
    if (n.text !== undefined) r.text = n.text;
    if (n.succ.length > 1 && (!n.op || n.op.kind === 'noop')) r.arms = n.succ.map((s) => (p.nodes[at(s)].text !== undefined ? { pos: p.nodes[at(s)].pos, text: p.nodes[at(s)].text } : undefined));
    return r;
  });
  let entry = at(p.entry);
  for (let guard = 0; guard < 100; guard++) {
    const before = nodes.length;
    const r = round(nodes, entry, late);
    if (!r) return undefined;
    ({ nodes, entry } = r);
    if (nodes.length === before) break;
  }
  // emit: surviving choices get one labelled op-less node per arm that had source text
  const out: SimNode[] = nodes.map((n, i) => {
    const s: SimNode = { id: i, succ: n.succ.slice() };
    if (n.op) s.op = n.op;
    if (n.pos) s.pos = n.pos;
    if (n.text !== undefined) s.text = n.text;
    return s;
  });
  nodes.forEach((n, i) => {
    if (!n.arms) return;
    n.arms.forEach((a, k) => {
      if (!a) return;
      const lab: SimNode = { id: out.length, succ: [out[i].succ[k]] };
      if (a.pos) lab.pos = a.pos;
      if (a.text !== undefined) lab.text = a.text;
      out.push(lab);
      out[i].succ[k] = lab.id;
    });
  });
  return { name: p.name, nodes: out, entry };
}
