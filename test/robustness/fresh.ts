// Incremental == from scratch: the comparison the incremental tests make after every edit.
import * as assert from 'assert';
import { Workspace, WorkspaceOptions } from '../../server/src/analysis/workspace';

/** Findings as comparable text (messages included: they quote line numbers). */
export function findingsOf(ws: Workspace): string {
  return JSON.stringify(ws.analyze().findings.map((f) => ({ ...f, witness: undefined })));
}

/**
 * What the last analysis of `ws` produced besides findings, as comparable
 * text: every function's summary (by key: the map's order is not a
 * contract) and events (in order; positions included: products kept or
 * moved between edits must name the lines a fresh analysis names).
 */
export function productsOf(ws: Workspace): string {
  const r = ws.lastResult!;
  return JSON.stringify({ summaries: [...r.summaries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), events: r.events });
}

/** A from-scratch workspace holding only `file` with `text`. */
export function freshWorkspace(file: string, text: string): Workspace {
  const fresh = new Workspace({ keepStates: true });
  fresh.setFile(file, text);
  return fresh;
}

/** Give `ws` the edited text and check its findings, summaries and events equal a from-scratch analysis; returns the fresh workspace. */
export function editMatchesFresh(ws: Workspace, file: string, text: string, what?: string): Workspace {
  ws.setFile(file, text);
  const got = findingsOf(ws);
  const fresh = freshWorkspace(file, text);
  assert.strictEqual(got, findingsOf(fresh), what);
  assert.strictEqual(productsOf(ws), productsOf(fresh), `${what ?? 'after the edit'}: summaries or events differ`);
  return fresh;
}

/**
 * Give `ws` the new `text` of `path` (`texts`: every file's text, updated
 * here): its findings, summaries and events must be those of a from-scratch
 * analysis of `texts` (a workspace with `opts`), which is returned; with
 * `delta`, the analysis must also be a delta run.
 */
export function workspaceEditMatchesFresh(ws: Workspace, texts: Map<string, string>, path: string, text: string, what: string, delta = true, opts: WorkspaceOptions = {}): Workspace {
  texts.set(path, text);
  ws.setFile(path, text);
  const runs = ws.runs.delta;
  const got = findingsOf(ws);
  if (delta) assert.strictEqual(ws.runs.delta, runs + 1, `${what}: a delta run (${JSON.stringify(ws.runs)})`);
  const fresh = new Workspace({ keepStates: true, ...opts });
  for (const [f, t] of texts) fresh.setFile(f, t);
  assert.strictEqual(got, findingsOf(fresh), `${what}: findings differ from a from-scratch analysis`);
  assert.strictEqual(productsOf(ws), productsOf(fresh), `${what}: summaries or events differ`);
  return fresh;
}
