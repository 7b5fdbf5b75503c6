// workspace/executeCommand: lockorder.simulate (the runtime simulator on a
// function, sim/scenarios.ts) and lockorder.graph (the engine's observed
// lock-order graph, analysis/graph.ts). Positions go out 0-based with URIs.
// The simulation runs in the simulation worker (crossCheckClient.ts) when
// there is one, so the main thread keeps serving; when the worker cannot
// answer, on the main thread, with the same result.
import type { Scenario } from '../sim';
import { DEFAULT_MMAP_LOCK } from '../sim';
import { simulate as runSimulator, SCENARIO_KINDS, ScenarioKind, SimulateError } from '../sim/scenarios';
import { lockGraph, LockGraph } from '../analysis/query';
import type { SimulateAnswer, SimulateAsk } from './crossCheckClient';
import type { PortableSimOutcome } from './crossCheckWorker';
import type { Session } from './session';
import { uriToPath } from './uris';

export const COMMANDS = ['lockorder.simulate', 'lockorder.graph'] as const;

export interface SimulateArgs { uri: string; function?: string; position?: { line: number; character: number }; scenario?: string }

export interface SimStep {
  step: number; thread: string; op: string; lock?: string; mode?: string; text?: string; note?: string; fn?: string;
  /** 0-based position in `uri` */
  uri?: string; line?: number; character?: number;
}

export interface SimulateResponse {
  ok: boolean;
  error?: string;
  function?: string;
  uri?: string;
  /** the scenario that gave the verdict, and its title ("F vs its own fault handler") */
  scenario?: string;
  title?: string;
  scenarios?: string[];
  tried?: { kind: string; title: string; verdict: string; summary: string }[];
  verdict?: string;
  summary?: string;
  threads?: string[];
  steps?: SimStep[];
  cycle?: { thread: string; waitsFor: string; mode: string; heldBy: string; heldMode: string; via: string }[];
  /** lockdep-style text rendering */
  timeline?: string;
}

export type GraphResponse = LockGraph & { ok: true; edges: (LockGraph['edges'][number] & { uri: string })[] };

/** The function to simulate: by name, or the one containing the position. */
export function targetFunction(session: Session, file: string, args: SimulateArgs): string | undefined {
  if (args.function) return args.function;
  const entry = session.ws.getFile(file);
  const p = args.position;
  if (!entry || !p) return undefined;
  const fn = entry.ir.functions.find((f) => (p.line > f.pos.line || (p.line === f.pos.line && p.character >= f.pos.col)) && (p.line < f.pos.endLine || (p.line === f.pos.endLine && p.character <= f.pos.endCol)));
  return fn?.name;
}

/** The request's cancellation (vscode-languageserver's CancellationToken, or anything shaped like it). */
export interface Cancel { isCancellationRequested: boolean; onCancellationRequested(cb: () => void): unknown }

/** Where the simulation runs off the main thread (CrossCheckClient.simulate). */
export interface SimulationWorker { simulate(ask: SimulateAsk, cancel?: Cancel): Promise<SimulateAnswer> }

/**
 * lockorder.simulate. With `worker`, the simulation runs there (it is sent
 * the current analysis's texts); if the worker cannot answer, that is logged
 * in one line and the simulation runs here, on the current analysis. Errors
 * are answered ({ok: false}), never thrown.
 */
export async function simulate(session: Session, raw: unknown, uriOf: (p: string) => string,
  via: { worker?: SimulationWorker; log?: (s: string) => void; cancel?: Cancel } = {}): Promise<SimulateResponse> {
  const args = (raw ?? {}) as SimulateArgs;
  if (!args || typeof args.uri !== 'string') return { ok: false, error: 'lockorder.simulate needs {uri, function | position, scenario?}' };
  const file = uriToPath(args.uri);
  await session.ready();
  const notAnalysed: SimulateResponse = { ok: false, error: `${args.uri} is not part of the analysed workspace (open it or add it to a workspace folder)` };
  if (!session.ws.getFile(file)) return notAnalysed;
  const fn = targetFunction(session, file, args);
  if (!fn) return { ok: false, error: 'no function at this position' };
  const scenario = (args.scenario ?? 'auto') as ScenarioKind;
  if (!SCENARIO_KINDS.includes(scenario)) return { ok: false, function: fn, uri: args.uri, error: `unknown scenario "${args.scenario}" (${SCENARIO_KINDS.join(', ')})` };
  if (via.worker) {
    // sent now, before any await: the worker gets the texts this analysis saw
    let why: string;
    try {
      const a = await via.worker.simulate({ file, fn, scenario }, via.cancel);
      if (a.kind === 'outcome') return adaptSimResult(a.outcome, fn, args.uri, uriOf);
      if (a.kind === 'error') return { ok: false, function: fn, uri: args.uri, error: a.error };
      // the worker stops at its next time check; nothing runs here
      if (a.kind === 'cancelled') return { ok: false, function: fn, uri: args.uri, error: 'cancelled' };
      why = a.reason;
    } catch (e) {
      why = `asking the simulation worker failed: ${(e as Error).message}`;
    }
    via.log?.(`lockorder: lockorder.simulate of ${fn}() runs on the main thread: ${why.split('\n')[0]}`);
    // the worker was awaited: edits may have arrived meanwhile, simulate the analysis of the current texts
    await session.ready();
    if (!session.ws.getFile(file)) return notAnalysed;
  }
  try {
    return adaptSimResult(runSimulator(session.ws, { file, fn, scenario }), fn, args.uri, uriOf);
  } catch (e) {
    return { ok: false, function: fn, uri: args.uri, error: e instanceof SimulateError ? e.message : `simulation failed: ${(e as Error).message}` };
  }
}

/** Map the simulator's outcome (here or from the worker) onto the response the clients render (0-based positions, URIs, lock labels). */
export function adaptSimResult(o: PortableSimOutcome, fn: string, uri: string, uriOf: (p: string) => string): SimulateResponse {
  const scenarios = SCENARIO_KINDS.filter((k) => k !== 'auto');
  const tried = o.tried.map((t) => ({ kind: t.kind, title: t.title, verdict: t.verdict, summary: t.summary }));
  if (o.verdict === 'not-run' || !o.result) {
    return { ok: false, function: fn, uri, error: `not simulated: ${o.reason ?? 'no scenario applies to this function'}`, scenarios, tried };
  }
  const res = o.result;
  const sc = o.scenario;
  const threads = sc?.threads.map((t) => t.name) ?? [...new Set((res.witness ?? []).map((w) => w.thread))];
  const steps: SimStep[] = (res.witness ?? []).map((w) => ({
    step: w.step, thread: w.thread, op: w.op, lock: w.lock ? lockLabel(sc, w.lock) : undefined, mode: w.mode, text: w.text, note: w.note, fn: w.fn,
    uri: w.pos ? uriOf(w.pos.file) : undefined, line: w.pos ? w.pos.line - 1 : undefined, character: w.pos ? Math.max(0, w.pos.col - 1) : undefined,
  }));
  const cycle = (res.cycle ?? []).map((c) => ({ ...c, waitsFor: lockLabel(sc, c.waitsFor) }));
  return {
    ok: true, function: fn, uri, scenario: o.kind, title: o.title, scenarios, tried,
    verdict: o.verdict, summary: res.summary, threads, steps, cycle, timeline: o.timeline,
  };
}

function lockLabel(sc: Pick<Scenario, 'locks'> | undefined, id: string): string {
  const l = sc?.locks?.[id];
  return l ? (l.label || l.id) : id === DEFAULT_MMAP_LOCK ? 'mm->mmap_lock' : id;
}

export async function graph(session: Session, uriOf: (p: string) => string): Promise<GraphResponse> {
  await session.ready();
  const g = lockGraph(session.ws);
  return { ok: true, nodes: g.nodes, cycles: g.cycles, edges: g.edges.map((e) => ({ ...e, uri: uriOf(e.file) })) };
}
