// A real LSP client for tests: spawns the bundled server (dist/server.js) over
// stdio and talks JSON-RPC through vscode-jsonrpc, answering the server's
// requests the way an editor does (configuration, progress tokens,
// registrations) and recording every notification it sends.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter, CancellationTokenSource,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

export const uriOf = (p: string): string => pathToFileURL(p).href;

export interface Note { method: string; params: unknown; at: number }

export interface StartOptions {
  root?: string;
  settings?: Record<string, unknown>;
  /** advertise window.workDoneProgress */
  progress?: boolean;
  args?: string[];
  nodeArgs?: string[];
  command?: string[];
  /** extra environment variables for the server process */
  env?: Record<string, string>;
}

export class TestClient {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly notes: Note[] = [];
  readonly diags = new Map<string, Diagnostic[]>();
  readonly progressCreated: string[] = [];
  settings: Record<string, unknown>;
  stderr = '';
  private listeners: (() => void)[] = [];
  exited = false;

  constructor(opts: StartOptions = {}) {
    const cmd = opts.command ?? [process.execPath, ...(opts.nodeArgs ?? []), SERVER, '--stdio', ...(opts.args ?? [])];
    this.proc = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.root ?? ROOT, env: opts.env ? { ...process.env, ...opts.env } : process.env });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.proc.on('exit', () => { this.exited = true; this.wake(); });
    this.settings = opts.settings ?? {};
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification((method: string, params: unknown) => {
      this.notes.push({ method, params, at: Date.now() });
      if (method === 'textDocument/publishDiagnostics') {
        const p = params as PublishDiagnosticsParams;
        this.diags.set(p.uri, p.diagnostics);
      }
      this.wake();
    });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === 'lockorder' ? this.settings : null)));
    this.conn.onRequest('window/workDoneProgress/create', (p: { token: string }) => { this.progressCreated.push(String(p.token)); return null; });
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onRequest('workspace/diagnostic/refresh', () => null);
    // $/progress is routed by vscode-jsonrpc to progress handlers, not to onNotification
    this.conn.onUnhandledProgress((p) => { this.notes.push({ method: '$/progress', params: p, at: Date.now() }); this.wake(); });
    this.conn.onError(() => undefined);
    this.conn.listen();
  }

  private wake(): void {
    const l = this.listeners;
    this.listeners = [];
    for (const f of l) f();
  }

  /** Wait until `pred` holds (re-checked on every notification), or fail after `ms`. */
  async until<T>(what: string, pred: () => T | undefined | false, ms = 20000): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      const v = pred();
      if (v) return v;
      if (this.exited) throw new Error(`server exited while waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`);
      const left = ms - (Date.now() - t0);
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((r) => { const t = setTimeout(r, Math.min(left, 200)); this.listeners.push(() => { clearTimeout(t); r(); }); });
    }
  }

  async initialize(root: string | undefined, opts: StartOptions = {}): Promise<InitializeResult> {
    const res = await this.conn.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: root ? uriOf(root) : null,
      workspaceFolders: root ? [{ uri: uriOf(root), name: path.basename(root) }] : null,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true, inlayHint: { refreshSupport: true } },
        window: { workDoneProgress: opts.progress ?? true },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor'] } } },
          inlayHint: {},
          synchronization: { didSave: false },
        },
      },
      initializationOptions: {},
    });
    await this.conn.sendNotification('initialized', {});
    return res;
  }

  open(file: string, text?: string, languageId = 'c'): string {
    const uri = uriOf(file);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text: text ?? fs.readFileSync(file, 'utf8') } });
    return uri;
  }

  private versions = new Map<string, number>();
  change(uri: string, changes: unknown[]): void {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: changes });
  }

  request<R>(method: string, params: unknown, token?: CancellationTokenSource): Promise<R> {
    return token ? this.conn.sendRequest<R>(method, params, token.token) : this.conn.sendRequest<R>(method, params);
  }

  diagnosticsFor(uri: string): Diagnostic[] | undefined { return this.diags.get(uri); }

  /** Wait for diagnostics of `uri` matching `pred` (default: non-empty). */
  diagnostics(uri: string, pred: (d: Diagnostic[]) => boolean = (d) => d.length > 0, ms = 20000): Promise<Diagnostic[]> {
    return this.until(`diagnostics for ${uri}`, () => { const d = this.diags.get(uri); return d && pred(d) ? d : undefined; }, ms);
  }

  /** Wait until background indexing has ended ($/progress end). */
  indexed(ms = 30000): Promise<true> {
    return this.until('indexing to end', () => this.notes.some((n) => n.method === '$/progress' && (n.params as { value?: { kind?: string } }).value?.kind === 'end') || undefined, ms);
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        await this.conn.sendNotification('exit');
      } catch { /* already gone */ }
      await Promise.race([new Promise<void>((r) => { if (this.exited) r(); else this.proc.once('exit', () => r()); }), new Promise((r) => setTimeout(r, 3000))]);
    }
    if (!this.exited) this.proc.kill('SIGKILL');
    this.conn.dispose();
  }
}

/** A temporary workspace made of the given files (relative path -> text), removed by the caller. */
export function tempWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return fs.realpathSync(dir);
}

/** Apply LSP text edits to a text (0-based positions). */
export function applyTextEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }): number => Math.min(text.length, (starts[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
