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

function summary(w: WitnessStep, name: (id: string) => string): string {
  const L = w.lock !== undefined ? name(w.lock) : '';
  const M = w.mode !== undefined ? ` (${w.mode})` : '';
  switch (w.op) {
    case 'acquire':
      return `acquire ${L}${M}${w.note ? ` — ${w.note}` : ''}`;
    case 'wait':
      return `WAIT for ${L}${M}`;
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

export function describeEdge(e: CycleEdge, name: (id: string) => string): string {
  const base = `${e.thread} waits for ${name(e.waitsFor)} (${e.mode})`;
  return e.via === 'holder' ? `${base} held by ${e.heldBy} in ${e.heldMode}` : `${base} behind queued ${e.heldBy} (${e.heldMode})`;
}

/** The closing line, e.g. "*** DEADLOCK: T0 waits for ip->i_gl (SH) held by T0 in DF ***". */
export function deadlockLine(r: ExploreResult, sc?: Scenario): string {
  const name = lockNamer(sc);
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
    return [summary(w, name), loc.length > 0 ? '  ' + loc : ''];
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
