// workspace/executeCommand: lockorder.simulate (the runtime simulator on a
// function) and lockorder.graph (the workspace's lock-order graph).
import * as sim from '../sim';
import { lockGraph, LockGraph } from '../analysis/query';
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
  scenario?: string;
  scenarios?: string[];
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

/** The simulator's source-level entry point, once server/src/sim exports one. */
type SimulateFunction = (ws: unknown, file: string, fn: string, opts?: { scenario?: string }) => unknown;

function simulatorEntry(): SimulateFunction | undefined {
  const m = sim as unknown as Record<string, unknown>;
  const f = m.simulateFunction;
  return typeof f === 'function' ? (f as SimulateFunction) : undefined;
}

export async function simulate(session: Session, raw: unknown, uriOf: (p: string) => string): Promise<SimulateResponse> {
  const args = (raw ?? {}) as SimulateArgs;
  if (!args || typeof args.uri !== 'string') return { ok: false, error: 'lockorder.simulate needs {uri, function | position, scenario?}' };
  const file = uriToPath(args.uri);
  await session.ready();
  if (!session.ws.getFile(file)) return { ok: false, error: `${args.uri} is not part of the analysed workspace (open it or add it to a workspace folder)` };
  const fn = targetFunction(session, file, args);
  if (!fn) return { ok: false, error: 'no function at this position' };
  const entry = simulatorEntry();
  if (!entry) {
    return { ok: false, function: fn, uri: args.uri, error: `The lockorder simulator is not available in this build yet: no source-level entry point (simulateFunction) is exported by the simulator. Static diagnostics for ${fn}() are unaffected.` };
  }
  try {
    const r = await Promise.resolve(entry(session.ws, file, fn, { scenario: args.scenario }));
    return adaptSimResult(r, fn, args.uri, uriOf);
  } catch (e) {
    return { ok: false, function: fn, uri: args.uri, error: `simulation failed: ${(e as Error).message}` };
  }
}

/** Map the simulator's result (ExploreResult plus scenario data) onto the response the clients render. */
export function adaptSimResult(r: unknown, fn: string, uri: string, uriOf: (p: string) => string): SimulateResponse {
  const o = (r ?? {}) as Record<string, unknown>;
  if (typeof o.error === 'string') return { ok: false, function: fn, uri, error: o.error };
  const res = ((o.result ?? o) as Record<string, unknown>);
  const witness = (res.witness ?? []) as sim.WitnessStep[];
  const scenarioObj = o.scenario as sim.Scenario | undefined;
  const threads = scenarioObj?.threads?.map((t) => t.name) ?? [...new Set(witness.map((w) => w.thread))];
  const steps: SimStep[] = witness.map((w) => ({
    step: w.step, thread: w.thread, op: w.op, lock: w.lock ? lockLabel(scenarioObj, w.lock) : undefined, mode: w.mode, text: w.text, note: w.note, fn: w.fn,
    uri: w.pos ? uriOf(w.pos.file) : undefined, line: w.pos ? w.pos.line - 1 : undefined, character: w.pos ? Math.max(0, w.pos.col - 1) : undefined,
  }));
  const cycle = ((res.cycle ?? []) as sim.CycleEdge[]).map((c) => ({ ...c, waitsFor: lockLabel(scenarioObj, c.waitsFor) }));
  let timeline: string | undefined;
  try { timeline = sim.renderTimeline(res as unknown as sim.ExploreResult, scenarioObj); } catch { timeline = undefined; }
  return {
    ok: true, function: fn, uri,
    scenario: typeof o.scenarioName === 'string' ? o.scenarioName : scenarioObj?.title,
    scenarios: Array.isArray(o.scenarios) ? (o.scenarios as unknown[]).map(String) : undefined,
    verdict: String(res.verdict ?? ''), summary: String(res.summary ?? ''), threads, steps, cycle, timeline,
  };
}

function lockLabel(sc: sim.Scenario | undefined, id: string): string {
  const l = sc?.locks?.[id];
  return l ? (l.label || l.id) : id === sim.DEFAULT_MMAP_LOCK ? 'mm->mmap_lock' : id;
}

export async function graph(session: Session, uriOf: (p: string) => string): Promise<GraphResponse> {
  await session.ready();
  const g = lockGraph(session.ws);
  return { ok: true, nodes: g.nodes, cycles: g.cycles, edges: g.edges.map((e) => ({ ...e, uri: uriOf(e.file) })) };
}
