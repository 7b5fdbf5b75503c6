// The JSON text of a function's IR as the IR worker wrote it, kept on the
// main thread until the function's analysis job is sent: a job then carries
// the text (copied into the message as bytes) instead of the IR object, which
// postMessage would serialise node by node on the main thread, the scarce one
// in a whole-tree run (parallel.ts). The worker parses the text: the same IR,
// since the main thread's object was parsed from that same text.
//
// The main thread does not parse the bodies either: the IR worker also sends
// a skeleton (skeletonJson: every function with its `nodes` empty and the
// nodes that hold calls as `callNodes`, all the call graph and the summary
// lookups read, ir.ts callSites()). installSkeleton() makes each function's
// `nodes` parse its text when something reads them.
import type { FileIR, FunctionIR, IRNode } from './ir';
import { forEachOp } from './ir';

const texts = new WeakMap<FunctionIR, string>();

/** The nodes of `fn` whose op holds a call (in it, or in a branch's condition). */
function callNodesOf(fn: FunctionIR): IRNode[] {
  return fn.nodes.filter((n) => {
    let call = false;
    if (n.op) forEachOp(fn, (op) => { if (op.k === 'call') call = true; }, [n]);
    return call;
  });
}

/** `ir` with every function's body left out but for the nodes that hold calls (see the top). */
export function skeletonJson(ir: FileIR): string {
  return JSON.stringify({ ...ir, functions: ir.functions.map((f) => ({ ...f, nodes: [], callNodes: callNodesOf(f) })) });
}

/**
 * Make a skeleton (parsed skeletonJson) whole again: each function's `nodes`
 * are parsed from its text in `json` (spans from irJson) when first read, and
 * its `callNodes` are not enumerable (JSON and comparisons see the function as
 * it was). False, with nothing changed, when the spans do not fit.
 */
export function installSkeleton(ir: FileIR, json: string, spans: readonly number[] | undefined): boolean {
  if (!spans || spans.length !== 2 * ir.functions.length) return false;
  ir.functions.forEach((fn, i) => {
    const text = json.slice(spans[2 * i], spans[2 * i + 1]);
    texts.set(fn, text);
    Object.defineProperty(fn, 'callNodes', { value: (fn as { callNodes?: IRNode[] }).callNodes, enumerable: false, writable: true, configurable: true });
    const settle = (o: FunctionIR, v: IRNode[]): void => {
      Object.defineProperty(o, 'nodes', { value: v, writable: true, enumerable: true, configurable: true });
    };
    Object.defineProperty(fn, 'nodes', {
      get(this: FunctionIR): IRNode[] { bodiesParsed++; const v = (JSON.parse(text) as FunctionIR).nodes; settle(this, v); return v; },
      set(this: FunctionIR, v: IRNode[]) { settle(this, v); },
      enumerable: true, configurable: true,
    });
  });
  return true;
}

/** Bodies parsed on demand on this thread (tests: a batch run's main thread parses none). */
export let bodiesParsed = 0;

/**
 * `JSON.stringify(ir)` (the same text), and where each function's JSON is in
 * it: [start, end) pairs in function order.
 */
export function irJson(ir: FileIR): { json: string; spans: number[] } {
  const fns = ir.functions.map((f) => JSON.stringify(f));
  const rest = JSON.stringify({ ...ir, functions: [] });
  const KEY = '"functions":[';
  const k = rest.indexOf(`${KEY}]`); // path comes first, and a JSON string cannot hold an unescaped quote
  const parts = [rest.slice(0, k + KEY.length)];
  let at = parts[0].length;
  const spans: number[] = [];
  fns.forEach((t, i) => {
    if (i > 0) { parts.push(','); at++; }
    spans.push(at, at + t.length);
    parts.push(t);
    at += t.length;
  });
  parts.push(rest.slice(k + KEY.length));
  return { json: parts.join(''), spans };
}

/** The text `fn` was parsed from, given up: the caller sends it instead of the object. */
export function takeText(fn: FunctionIR): string | undefined {
  const t = texts.get(fn);
  if (t !== undefined) texts.delete(fn);
  return t;
}

/** Forget `fn`'s text (its object was changed after parsing). */
export function dropText(fn: FunctionIR): void {
  texts.delete(fn);
}
