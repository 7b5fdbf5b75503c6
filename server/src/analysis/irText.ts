// The JSON text of a function's IR as the IR worker wrote it, kept on the
// main thread until the function's analysis job is sent: a job then carries
// the text (copied into the message as bytes) instead of the IR object, which
// postMessage would serialise node by node on the main thread, the scarce one
// in a whole-tree run (parallel.ts). The worker parses the text: the same IR,
// since the main thread's object was parsed from that same text.
import type { FileIR, FunctionIR } from './ir';

const texts = new WeakMap<FunctionIR, string>();

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

/** Remember the texts of `ir`'s functions, parsed from `json` (spans from irJson); ignored unless they fit. */
export function rememberTexts(ir: FileIR, json: string, spans: readonly number[] | undefined): void {
  if (!spans || spans.length !== 2 * ir.functions.length) return;
  ir.functions.forEach((fn, i) => texts.set(fn, json.slice(spans[2 * i], spans[2 * i + 1])));
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
