/**
 * Text rendering of an explorer result: one column per thread, like lockdep's
 * "Possible unsafe locking scenario" CPU0/CPU1 table, with step numbers and
 * file:line, ending with the wait-for cycle.
 */
import { CycleEdge, ExploreResult, WitnessStep } from './result';
import { DEFAULT_MMAP_LOCK, Scenario } from './program';

export interface TimelineOptions {
  /** Max width of a thread column (default 58). */
  columnWidth?: number;
}

/** "ip->i_gl (gfs2_glock)" → "ip->i_gl". */
function shortLabel(label: string): string {
  const s = label.replace(/\s*\([^()]*\)\s*$/, '');
  return s.length > 0 ? s : label;
}

function lockNamer(sc?: Scenario): (id: string) => string {
  return (id) => {
    const l = sc?.locks[id];
    if (l) return shortLabel(l.label || l.id);
    return id === DEFAULT_MMAP_LOCK ? 'mm->mmap_lock' : id;
  };
}

function isSpinning(sc: Scenario | undefined, id: string): boolean {
  const k = sc?.locks[id]?.kind;
  return k === 'spinlock' || k === 'rwlock';
}

function summary(w: WitnessStep, name: (id: string) => string, sc?: Scenario): string {
  const L = w.lock !== undefined ? name(w.lock) : '';
  const M = w.mode !== undefined ? ` (${w.mode})` : '';
  switch (w.op) {
    case 'acquire':
      return `acquire ${L}${M}${w.note ? ` — ${w.note}` : ''}`;
    case 'wait':
      // With a CPU model, a spinning-lock waiter is shown for what it does: it spins, keeping its CPU.
      return sc?.cpus !== undefined && w.lock !== undefined && isSpinning(sc, w.lock) ? `SPIN on ${L}${M}, keeping its CPU` : `WAIT for ${L}${M}`;
    case 'sleep':
      return `SLEEP: ${w.note ?? ''}`;
    case 'wake':
      return `wakes up, ${w.note ?? 'back on a CPU'}`;
    case 'trylock-fail':
      return `trylock ${L}${M} failed`;
    case 'release':
      return `release ${L}`;
    case 'release-unheld':
      return `release ${L} (not held)`;
    case 'demoted':
      return `glock ${L}${M} given up (demote)`;
    case 'allow_demote':
    case 'disallow_demote':
    case 'holder_queued':
      return `${w.op} ${L}${w.note ? `: ${w.note}` : ''}`;
    case 'fault':
      return `page fault: ${w.note ?? ''}`;
    case 'fault-suppressed':
      return `no fault: ${w.note ?? ''}`;
    case 'fault_in':
      return `fault in: ${w.note ?? ''}`;
    case 'call':
      return `→ ${w.note ?? ''}`;
    case 'call-skipped':
      return `(call skipped: ${w.note ?? ''})`;
    case 'branch':
      return `takes branch (${w.note ?? ''})`;
    case 'exit':
      return w.note ?? 'returns';
    case 'cut':
      return `(stopped: ${w.note ?? ''})`;
    default:
      return `${w.op}${w.note ? ` ${w.note}` : ''}`;
  }
}

function location(w: WitnessStep): string {
  const at = w.pos ? `${w.pos.file}:${w.pos.line}` : '';
  const txt = w.text ?? '';
  return [at, txt].filter((x) => x.length > 0).join('  ');
}

function fit(s: string, width: number): string {
  return s.padEnd(width);
}

/** Break a cell into lines of at most `width` characters (at spaces when possible). */
function wrap(s: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let rest = s;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= indent.length + 8) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}

function cpuCount(n: number): string {
  return n === 1 ? 'the only CPU' : n === 2 ? 'both CPUs' : `all ${n} CPUs`;
}

/** "T0 sleeps in copy_to_user() holding toy_sb.stat_lock (spinlock)". */
function describeSleeper(e: CycleEdge, name: (id: string) => string, sc?: Scenario): string {
  const c = e.cpu;
  if (!c) return `${e.thread} needs a CPU`;
  const held = c.holding.map((id) => `${name(id)} (${sc?.locks[id]?.kind ?? 'spinlock'})`).join(', ');
  return `${e.thread} ${c.offCpu}${held ? ` holding ${held}` : ''}`;
}

/**
 * A cycle through a CPU, in kernel terms, e.g. "T0 sleeps in copy_to_user()
 * holding toy_sb.stat_lock (spinlock); T1 spins on it on the only CPU, so T0
 * never gets a CPU back".
 */
function describeCpuCycle(edges: CycleEdge[], name: (id: string) => string, sc?: Scenario): string {
  const parts: string[] = [];
  let prevHolding: string[] = [];
  let prevSleeper = '';
  for (const e of edges) {
    if (e.via === 'cpu') {
      parts.push(describeSleeper(e, name, sc));
      prevHolding = e.cpu?.holding ?? [];
      prevSleeper = e.thread;
      continue;
    }
    const spins = isSpinning(sc, e.waitsFor);
    const it = e.heldBy === prevSleeper && prevHolding.length === 1 && prevHolding[0] === e.waitsFor && e.via === 'holder' ? 'it' : `${name(e.waitsFor)} held by ${e.heldBy}`;
    parts.push(spins ? `${e.thread} spins on ${it}` : describeEdge(e, name));
    prevHolding = [];
    prevSleeper = '';
  }
  const cpuEdges = edges.filter((e) => e.via === 'cpu' && e.cpu);
  const occupants = [...new Set(cpuEdges.flatMap((e) => e.cpu?.occupiedBy.map((o) => o.thread) ?? []))];
  const n = cpuEdges[0]?.cpu?.cpus ?? occupants.length;
  const sleepers = [...new Set(cpuEdges.map((e) => e.thread))];
  const last = edges[edges.length - 1];
  // "T1 spins on it on the only CPU" when the last step of the story is the one spinner; else name the owners.
  const where =
    n === 1 && occupants.length === 1 && last.via !== 'cpu' && last.thread === occupants[0] && isSpinning(sc, last.waitsFor)
      ? ' on the only CPU'
      : `; ${cpuCount(n)} ${n === 1 ? 'is' : 'are'} taken by ${occupants.join(', ')}`;
  return `${parts.join('; ')}${where}, so ${sleepers.join(' and ')} never ${sleepers.length === 1 ? 'gets' : 'get'} a CPU back`;
}

export function describeEdge(e: CycleEdge, name: (id: string) => string): string {
  if (e.via === 'cpu') {
    const n = e.cpu?.cpus ?? 1;
    return `${describeSleeper(e, name)} and cannot get a CPU back: ${cpuCount(n)} ${n === 1 ? 'is' : 'are'} taken by ${(e.cpu?.occupiedBy ?? []).map((o) => o.thread).join(', ')}`;
  }
  const base = `${e.thread} waits for ${name(e.waitsFor)} (${e.mode})`;
  return e.via === 'holder' ? `${base} held by ${e.heldBy} in ${e.heldMode}` : `${base} behind queued ${e.heldBy} (${e.heldMode})`;
}

/** The closing line, e.g. "*** DEADLOCK: T0 waits for ip->i_gl (SH) held by T0 in DF ***". */
export function deadlockLine(r: ExploreResult, sc?: Scenario): string {
  const name = lockNamer(sc);
  if (r.hang !== 'leaked-lock' && r.cycle?.some((e) => e.via === 'cpu')) return `*** DEADLOCK: ${describeCpuCycle(r.cycle, name, sc)} ***`;
  const edges = (r.cycle ?? []).map((e) => describeEdge(e, name));
  if (r.hang === 'leaked-lock') {
    const last = r.cycle?.[r.cycle.length - 1];
    return `*** HANG: ${edges.join('; ')}${last ? `, which finished without releasing it` : ''} ***`;
  }
  return `*** DEADLOCK: ${edges.join('; ')} ***`;
}

export function renderTimeline(r: ExploreResult, sc?: Scenario, opts: TimelineOptions = {}): string {
  const out: string[] = [];
  if (sc?.title) out.push(`Simulation: ${sc.title}`);
  out.push(`${r.summary} [${r.reduction}, ${r.transitions} transitions, ${r.timeMs} ms]`);
  if (r.verdict !== 'deadlock' || !r.witness) return out.join('\n');

  const name = lockNamer(sc);
  const threads: string[] = sc ? sc.threads.map((t) => t.name) : [];
  for (const w of r.witness) if (!threads.includes(w.thread)) threads.push(w.thread);
  const used = threads.filter((t) => r.witness?.some((w) => w.thread === t) || r.cycle?.some((e) => e.thread === t || e.heldBy === t));
  const progOf = (t: string): string => sc?.threads.find((x) => x.name === t)?.program ?? '';

  const maxW = opts.columnWidth ?? 58;
  const cells = r.witness.map((w) => {
    const loc = location(w);
    return [summary(w, name, sc), loc.length > 0 ? '  ' + loc : ''];
  });
  const width = Math.min(
    maxW,
    Math.max(16, ...used.map((t) => `${t} ${progOf(t)}`.length + 2), ...cells.flat().map((c) => c.length)),
  );
  const numW = String(r.witness.length).length + 1;
  const row = (num: string, col: number, text: string): string =>
    num.padStart(numW) + ' | ' + used.map((_, i) => fit(i === col ? text : '', width)).join(' | ').trimEnd();

  out.push('');
  out.push(' '.repeat(numW) + ' | ' + used.map((t) => fit(`${t} (${progOf(t)})`.replace(' ()', ''), width)).join(' | ').trimEnd());
  out.push('-'.repeat(numW) + '-+-' + used.map(() => '-'.repeat(width)).join('-+-'));
  r.witness.forEach((w, k) => {
    const col = used.indexOf(w.thread);
    const [sum, loc] = cells[k];
    const lines = [...wrap(sum, width, '  '), ...(loc.length > 0 ? wrap(loc, width, '    ') : [])];
    lines.forEach((text, i) => out.push(row(i === 0 ? String(w.step) : '', col, text)));
  });
  out.push('');
  out.push(deadlockLine(r, sc));
  return out.join('\n');
}
