// Incremental == from scratch: the comparison the incremental tests make after every edit.
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';

/** Findings as comparable text (messages included: they quote line numbers). */
export function findingsOf(ws: Workspace): string {
  return JSON.stringify(ws.analyze().findings.map((f) => ({ ...f, witness: undefined })));
}

/** A from-scratch workspace holding only `file` with `text`. */
export function freshWorkspace(file: string, text: string): Workspace {
  const fresh = new Workspace({ keepStates: true });
  fresh.setFile(file, text);
  return fresh;
}

/** Give `ws` the edited text and check its findings equal a from-scratch analysis; returns the fresh workspace. */
export function editMatchesFresh(ws: Workspace, file: string, text: string, what?: string): Workspace {
  ws.setFile(file, text);
  const got = findingsOf(ws);
  const fresh = freshWorkspace(file, text);
  assert.strictEqual(got, findingsOf(fresh), what);
  return fresh;
}
