// The language server: wires the LSP connection to the Session (engine state)
// and the feature modules. Every handler is guarded: a failure in one request
// is answered as an error, never brings the server down.
import {
  CancellationToken, CodeActionKind, Connection, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification,
  FileChangeType, InitializeParams, InitializeResult, LSPErrorCodes, ResponseError, TextDocumentSyncKind, TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as path from 'path';
import { hoverAt } from '../analysis/query';
import { codeActions } from './codeActions';
import { COMMANDS, graph, simulate } from './commands';
import { CrossCheckClient } from './crossCheckClient';
import { DiagnosticsPublisher } from './diagnostics';
import { toHover } from './hover';
import { scavengeIfFull } from './idle';
import { Indexer } from './indexing';
import { inlayHints } from './inlay';
import { Session } from './session';
import { parseSettings } from './settings';
import { isCFile, uriToPath } from './uris';
import type { StatusParams } from './protocol';

export const SERVER_NAME = 'lockorder';

export function startServer(conn: Connection): void {
  const session = new Session();
  const documents = new TextDocuments(TextDocument);
  const publisher = new DiagnosticsPublisher(conn);
  let caps = { configuration: false, watchedFilesDynamic: false, progress: false, configDynamic: false };
  let counts: Record<string, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  let shuttingDown = false;
  session.log = (s) => conn.console.error(s);

  const sendStatus = (): void => {
    const p: StatusParams = {
      state: indexer.active ? 'indexing' : 'idle', indexed: indexer.done, total: indexer.total,
      files: session.stats.files, functions: session.stats.functions, counts, lastAnalysisMs: session.stats.lastMs,
      versions: Object.fromEntries([...session.analyzedVersions].map(([p, v]) => [publisher.uriOf(p), v])),
    };
    void conn.sendNotification('lockorder/status', p);
  };
  const indexer = new Indexer(conn, session, () => caps.progress, sendStatus);

  const publish = (): void => {
    const r = session.ws.lastResult;
    if (!r) return;
    const cfgErrors = session.config.errors;
    counts = publisher.publish(r.findings, session.settings, cfgErrors, session.configFile && (cfgErrors.length || session.configOpen()) ? session.configFile : undefined).counts;
    sendStatus();
  };
  // after each analysis: publish, then (when idle) have the simulation worker cross-check the deadlock
  // claims of open files (crossCheckClient.ts); its verdicts are published when they arrive, if still current
  const crossCheck = new CrossCheckClient(session, (s) => conn.console.error(s), publish);
  let crossTimer: NodeJS.Timeout | undefined;
  session.onAnalyzed = () => {
    publish();
    // idle until the next change: collect the young generation now rather than during the next re-analysis (idle.ts)
    setImmediate(() => { if (session.generation === session.analyzedGeneration) scavengeIfFull(); });
    if (crossTimer) clearTimeout(crossTimer);
    const gen = session.analyzedGeneration;
    crossTimer = setTimeout(() => {
      crossTimer = undefined;
      if (gen !== session.analyzedGeneration || session.generation !== gen) return; // stale: a newer analysis is coming
      crossCheck.request();
    }, 150);
  };

  /** Wrap a request handler: wait for the analysis, honour cancellation and stale versions. */
  function guarded<P, R>(name: string, uriOf: (p: P) => string | undefined, fn: (p: P, file: string | undefined, token: CancellationToken) => R | Promise<R>, empty: R) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      try {
        const uri = uriOf(params);
        const file = uri ? uriToPath(uri) : undefined;
        const v0 = file ? session.docVersion(file) : undefined;
        await session.ready();
        if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
        if (file && session.docVersion(file) !== v0) return new ResponseError(LSPErrorCodes.ContentModified, `${name}: the document changed`);
        const r = await fn(params, file, token);
        if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
        return r;
      } catch (e) {
        conn.console.error(`lockorder: ${name} failed: ${(e as Error).stack ?? e}`);
        return empty;
      }
    };
  }

  conn.onInitialize((params: InitializeParams): InitializeResult => {
    const c = params.capabilities;
    caps = {
      configuration: !!c.workspace?.configuration,
      watchedFilesDynamic: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
      progress: !!c.window?.workDoneProgress,
      configDynamic: !!c.workspace?.didChangeConfiguration?.dynamicRegistration,
    };
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots.push(uriToPath(params.rootUri));
    else if (roots.length === 0 && params.rootPath) roots.push(params.rootPath);
    session.roots = roots.map((r) => path.resolve(r));
    const init = (params.initializationOptions ?? {}) as Record<string, unknown>;
    if (init.settings) session.applySettings(parseSettings(init.settings));
    session.loadConfig();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        inlayHintProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        executeCommandProvider: { commands: [...COMMANDS] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: SERVER_NAME, version: '0.1.0' },
    };
  });

  const fetchSettings = async (): Promise<void> => {
    if (!caps.configuration) return;
    try {
      const [raw] = await conn.workspace.getConfiguration([{ section: 'lockorder' }]);
      applySettings(raw);
    } catch (e) {
      conn.console.warn(`lockorder: could not read settings: ${(e as Error).message}`);
    }
  };

  const applySettings = (raw: unknown): void => {
    const before = session.settings;
    const needs = session.applySettings(parseSettings(raw));
    if (!needs) return;
    if (before.indexWorkspace !== session.settings.indexWorkspace || before.maxIndexedFiles !== session.settings.maxIndexedFiles) void indexer.index();
    session.flush();
    publish();
    if (before.inlayHints.enabled !== session.settings.inlayHints.enabled) void conn.languages.inlayHint.refresh().catch(() => undefined);
  };

  conn.onInitialized(async () => {
    if (caps.configDynamic) void conn.client.register(DidChangeConfigurationNotification.type, { section: 'lockorder' }).catch(() => undefined);
    if (caps.watchedFilesDynamic) {
      void conn.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/.lockorder' }, { globPattern: '**/*.{c,h}' }, ...(session.settings.configPath ? [{ globPattern: session.settings.configPath }] : [])],
      }).catch(() => undefined);
    }
    if (caps.configuration) {
      await fetchSettings();
    }
    sendStatus();
    void indexer.index().catch((e) => conn.console.error(`lockorder: indexing failed: ${(e as Error).stack ?? e}`));
    conn.workspace.onDidChangeWorkspaceFolders((ev) => {
      for (const f of ev.removed) {
        const r = path.resolve(uriToPath(f.uri));
        session.roots = session.roots.filter((x) => x !== r);
        for (const p of session.knownFiles()) if (p.startsWith(r + path.sep) && !session.isOpen(p)) session.forget(p);
      }
      for (const f of ev.added) session.roots.push(path.resolve(uriToPath(f.uri)));
      void indexer.index();
    });
  });

  conn.onDidChangeConfiguration((ch) => {
    const pushed = (ch.settings as Record<string, unknown> | null)?.lockorder;
    if (pushed !== undefined && pushed !== null) applySettings(pushed);
    else void fetchSettings();
  });

  const isConfigPath = (p: string): boolean => p === session.configPath() || path.basename(p) === '.lockorder' && p === session.configFile;

  conn.onDidChangeWatchedFiles((ev) => {
    let changed = false;
    for (const c of ev.changes) {
      const p = uriToPath(c.uri);
      if (isConfigPath(p)) { session.loadConfig(); changed = true; continue; }
      if (!isCFile(p) || !session.inWorkspace(p)) continue;
      if (c.type === FileChangeType.Deleted) session.forget(p); else session.diskChanged(p);
      changed = true;
    }
    if (changed) session.schedule();
  });

  // ---------------------------------------------------------------- documents
  const track = (doc: TextDocument, opened: boolean): void => {
    const p = uriToPath(doc.uri);
    if (opened) publisher.clientUris.set(p, doc.uri);
    if (isConfigPath(p)) {
      session.setConfigDoc(p, doc.getText());
      session.loadConfig();
      session.schedule();
      return;
    }
    if (!isCFile(p) && doc.languageId !== 'c') return;
    if (opened) session.openDoc(p, doc.getText(), doc.version); else session.changeDoc(p, doc.getText(), doc.version);
    session.schedule(opened ? 0 : undefined);
  };
  documents.onDidOpen((e) => track(e.document, true));
  documents.onDidChangeContent((e) => { const p = uriToPath(e.document.uri); if (session.isOpen(p) || isConfigPath(p)) track(e.document, false); });
  documents.onDidClose((e) => {
    const p = uriToPath(e.document.uri);
    publisher.clientUris.delete(p);
    if (isConfigPath(p)) { session.setConfigDoc(p, undefined); session.loadConfig(); } else session.closeDoc(p);
    session.schedule();
  });

  // ---------------------------------------------------------------- features
  conn.onHover(guarded('hover', (p) => p.textDocument.uri, (p, file) => {
    if (!file || !session.settings.enable) return null;
    const info = hoverAt(session.ws, file, p.position.line, p.position.character);
    return info ? toHover(info) : null;
  }, null));

  conn.languages.inlayHint.on(guarded('inlayHint', (p) => p.textDocument.uri, (p, file) => {
    if (!file) return [];
    return inlayHints(session, file, p.range.start.line, p.range.end.line, session.textOf(file));
  }, []));

  conn.onCodeAction(guarded('codeAction', (p) => p.textDocument.uri, (p, file) => {
    if (!file) return [];
    const text = documents.get(p.textDocument.uri)?.getText() ?? session.textOf(file);
    if (text === undefined) return [];
    return codeActions(session, file, text, p);
  }, []));

  conn.onExecuteCommand(guarded('executeCommand', () => undefined, async (p, _file, token) => {
    const arg = p.arguments?.[0];
    switch (p.command) {
      case 'lockorder.simulate': return simulate(session, arg, publisher.uriOf, { worker: crossCheck, log: (s) => conn.console.error(s), cancel: token });
      case 'lockorder.graph': return graph(session, publisher.uriOf);
      default: return { ok: false, error: `unknown command ${p.command}` };
    }
  }, { ok: false, error: 'command failed' }));

  // diagnostics and introspection for tests and status bars
  conn.onRequest('lockorder/stats', () => {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) g();
    return { memory: process.memoryUsage(), analysis: session.stats, files: session.knownFiles().length, open: documents.all().length, indexing: indexer.active, crossCheck: crossCheck.stats };
  });
  conn.onRequest('lockorder/reindex', async () => { await indexer.index(); return { files: session.knownFiles().length }; });

  conn.onShutdown(() => { shuttingDown = true; indexer.cancel(); crossCheck.dispose(); });
  conn.onExit(() => { void shuttingDown; });

  documents.listen(conn);
  conn.listen();
}
