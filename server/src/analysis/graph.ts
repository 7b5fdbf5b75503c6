// The observed lock-order graph of the analysed files: classes as nodes,
// "held A while taking B" edges with one example site each, page-fault edges
// (a may-fault call while holding A: A -> mmap_lock), cycles marked.
import type { AnalysisResult } from './workspace';
import { crossFs, findCycles, observedEdges } from './rules/order-cycle';
import { faultSuppressed } from './rules/fault-while-locked';

export interface GraphEdge {
  from: string; to: string; kind: 'order' | 'fault';
  heldMode: string; acqMode: string;
  example: { file: string; line: number; function: string; via: string };
  cycle: boolean;
  /** violates the declared order */
  violation?: string;
}

export interface LockGraph {
  classes: { name: string; kind: string }[];
  edges: GraphEdge[];
  cycles: string[][];
}

export function buildGraph(result: AnalysisResult): LockGraph {
  const facts = { events: result.events, declared: result.declared, faultPaths: result.faultPaths, called: new Set<string>(), opsMembers: new Map<string, string[]>(), fsTypes: result.fsTypes };
  const obs = observedEdges(facts);
  const cycles = findCycles(facts, obs);
  const inCycle = new Set(cycles.flatMap((c) => c.map((e) => `${e.from}\u0000${e.to}`)));
  const kinds = new Map<string, string>();
  const edges: GraphEdge[] = [];
  // one edge per class pair (the observed edges are per filesystem type for per-type classes):
  // the first example, a violation if some filesystem's pair violates the declared order
  const byPair = new Map<string, GraphEdge>();
  for (const e of obs.values()) {
    kinds.set(e.from, e.held.kind);
    kinds.set(e.to, e.acq.kind);
    const reason = crossFs(e.fromFs, e.toFs) ? undefined : result.declared.before(e.to, e.from);
    const pair = `${e.from}\u0000${e.to}`;
    const known = byPair.get(pair);
    if (known) {
      if (!known.violation && reason) known.violation = `declared ${reason.path.join(' → ')}`;
      continue;
    }
    byPair.set(pair, {
      from: e.from, to: e.to, kind: 'order', heldMode: e.heldMode, acqMode: e.acqMode,
      example: { file: e.ev.file, line: e.acq.pos.line + 1, function: e.ev.fn, via: e.acq.chain.length ? e.acq.chain.join(' → ') : e.acq.via },
      cycle: inCycle.has(`${e.from}\u0000${e.to}`),
      violation: reason ? `declared ${reason.path.join(' → ')}` : undefined,
    });
  }
  edges.push(...byPair.values());
  const seenFault = new Set<string>();
  for (const ev of result.events) {
    for (const f of ev.faults) {
      if (faultSuppressed(f)) continue;
      for (const h of f.held) {
        if (h.cls === 'mm_struct.mmap_lock' || h.demotable) continue;
        const key = h.cls;
        if (seenFault.has(key)) continue;
        seenFault.add(key);
        kinds.set(h.cls, h.kind);
        kinds.set('mm_struct.mmap_lock', 'rwsem');
        edges.push({ from: h.cls, to: 'mm_struct.mmap_lock', kind: 'fault', heldMode: h.mode, acqMode: 'R', example: { file: ev.file, line: f.pos.line + 1, function: ev.fn, via: f.api }, cycle: false });
      }
    }
  }
  edges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  const classes = [...kinds].map(([name, kind]) => ({ name, kind })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { classes, edges, cycles: cycles.map((c) => c.map((e) => e.from)) };
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function graphToDot(g: LockGraph): string {
  const lines = ['digraph lockorder {', '  rankdir=LR;', '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=8];'];
  const cyc = new Set(g.cycles.flat());
  for (const c of g.classes) lines.push(`  ${dotId(c.name)} [label=${dotId(`${c.name}\n(${c.kind})`)}${cyc.has(c.name) ? ', color=red, fontcolor=red' : ''}];`);
  for (const e of g.edges) {
    const label = `${e.example.function}() ${e.example.file.split('/').pop()}:${e.example.line}${e.kind === 'fault' ? '\\n(page fault)' : ''}`;
    const attrs = [`label=${dotId(label)}`];
    if (e.cycle) attrs.push('color=red', 'fontcolor=red', 'penwidth=2');
    else if (e.violation) attrs.push('color=orange');
    if (e.kind === 'fault') attrs.push('style=dashed');
    lines.push(`  ${dotId(e.from)} -> ${dotId(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
