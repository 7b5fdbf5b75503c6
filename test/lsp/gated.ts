// Shared by the tests of the language server's simulation worker
// (crosscheck.test.ts, simulateCommand.test.ts): a server whose worker waits
// at a test gate (LOCKORDER_TEST_CROSSCHECK_GATE: the worker writes
// `started-<id>` in that directory when a request arrives and goes on once
// `release-<id>` or `release-all` exists), its cross-check statistics and
// the diagnostics helpers those tests read. No timing assertions: the tests
// wait for files and notifications.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { TestClient, tempWorkspace } from './harness';

export const CONFIRMED = /\[simulation confirmed: deadlock in \d+ steps/;
export const faults = (d: Diagnostic[]): Diagnostic[] => d.filter((x) => x.code === 'fault-while-locked');
export const logs = (c: TestClient): string[] => c.notes.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message);

/** lockorder/stats' crossCheck part. */
export interface CrossStats { sent: number; applied: number; dropped: number; failures: number; simSent: number; simAnswered: number; simFallbacks: number; simCancelled: number; aborted: number }
export const crossStats = async (c: TestClient): Promise<CrossStats> => (await c.request<{ crossCheck: CrossStats }>('lockorder/stats', {})).crossCheck;

/** Poll `pred` (a file appearing, a gate id) until it gives something truthy; fail if the server exits or after `ms`. */
export async function waitFor<T>(c: TestClient, pred: () => T | undefined | false, what: string, ms = 30000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = pred();
    if (v) return v;
    if (c.exited) throw new Error(`server exited while waiting for ${what}; stderr: ${c.stderr.slice(-2000)}`);
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const startedIds = (gate: string): number[] => fs.readdirSync(gate).filter((f) => f.startsWith('started-')).map((f) => Number(f.slice(8))).sort((a, b) => a - b);
export const started = (gate: string, id: number): boolean => fs.existsSync(path.join(gate, `started-${id}`));
export const release = (gate: string, what: number | 'all'): void => fs.writeFileSync(path.join(gate, `release-${what}`), '');
export const released = (gate: string, id: number): boolean => fs.existsSync(path.join(gate, `release-${id}`));

/**
 * A server on a temporary workspace of `files`, started with `env`,
 * initialised and indexed; `beforeStop` runs first when it is torn down
 * (stopped, workspace removed) after `body`.
 */
export async function withServer(files: Record<string, string>, env: Record<string, string>, body: (c: TestClient, dir: string) => Promise<void>, beforeStop?: () => void): Promise<void> {
  const dir = tempWorkspace(files);
  const c = new TestClient({ root: dir, env });
  try {
    await c.initialize(dir);
    await c.indexed();
    await body(c, dir);
  } finally {
    beforeStop?.();
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** withServer() with the simulation worker waiting at a gate (released before the server stops). */
export async function withGatedServer(files: Record<string, string>, body: (c: TestClient, dir: string, gate: string) => Promise<void>): Promise<void> {
  const gate = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-gate-'));
  try {
    await withServer(files, { LOCKORDER_TEST_CROSSCHECK_GATE: gate }, (c, dir) => body(c, dir, gate), () => { try { release(gate, 'all'); } catch { /* gone */ } });
  } finally {
    fs.rmSync(gate, { recursive: true, force: true });
  }
}
