// Function IR as text on the main thread of a batch run. The main thread is
// the scarce one in a whole-tree run (parallel.ts), so:
// - it never parses function bodies: the IR worker sends a skeleton of the
//   file (every function's `nodes` empty, the nodes that hold calls as
//   `callNodes`, which is all the call graph and the summary lookups read:
//   ir.ts callSites()) with the file's JSON, and installSkeleton() makes each
//   function's `nodes` parse its slice of that JSON when something reads them;
// - a job carries that slice, copied into the message as bytes, instead of
//   the IR object, which postMessage would serialise node by node. The worker
//   parses it: the same IR, since the skeleton was made from the same object.
import type { FileIR, FunctionIR, IRNode } from './ir';
import { forEachOp } from './ir';

/** Functions whose text a job may carry (not once sent, nor after the object changed: dropText) */
const texts = new WeakMap<FunctionIR, string>();

/** The nodes of `fn` whose op holds a call (in it, or in a branch's condition). */
function callNodesOf(fn: FunctionIR): IRNode[] {
  return fn.nodes.filter((n) => {
    let call = false;
    if (n.op) forEachOp(fn, (op) => { if (op.k === 'call') call = true; }, [n]);
    return call;
  });
}

/**
 * `rest` (a FileIR's JSON with `"functions":[]`) with the functions' JSON
 * texts put in, and where each is in the result: [start, end) pairs in order.
 */
function withFunctions(rest: string, fns: readonly string[]): { text: string; spans: number[] } {
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
  return { text: parts.join(''), spans };
}

/**
 * What an IR worker sends for `ir`: `json`, which is `JSON.stringify(ir)`
 * (the IR cache's entry), with the span of each function's JSON in it, and
 * the skeleton the main thread parses (see the top).
 */
export function workerTexts(ir: FileIR): { json: string; spans: number[]; skel: string } {
  const rest = JSON.stringify({ ...ir, functions: [] });
  const { text: json, spans } = withFunctions(rest, ir.functions.map((f) => JSON.stringify(f)));
  const skel = withFunctions(rest, ir.functions.map((f) => JSON.stringify({ ...f, nodes: [], callNodes: callNodesOf(f) }))).text;
  return { json, spans, skel };
}

/**
 * Make a skeleton (parsed workerTexts().skel) whole again: each function's
 * `nodes` are parsed from its text in `json` when first read, and its
 * `callNodes` are not enumerable (JSON and comparisons see the function as
 * it was). False, with nothing changed, when the spans do not fit.
 */
export function installSkeleton(ir: FileIR, json: string, spans: readonly number[] | undefined): boolean {
  if (!spans || spans.length !== 2 * ir.functions.length) return false;
  ir.functions.forEach((fn, i) => {
    const text = json.slice(spans[2 * i], spans[2 * i + 1]);
    texts.set(fn, text);
    Object.defineProperty(fn, 'callNodes', { value: fn.callNodes, enumerable: false, writable: true, configurable: true });
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
