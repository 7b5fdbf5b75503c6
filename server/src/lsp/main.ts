// Language server entry point (dist/server.js): `node dist/server.js --stdio`
// or `--node-ipc` (VS Code), also `lockorder lsp --stdio`.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

/** Start the server on the transport named in argv (--stdio, --node-ipc, --socket=N, --pipe=NAME). */
export function runLanguageServer(): void {
  // a stray exception must not kill the editor's server: log it and go on
  process.on('uncaughtException', (e) => { try { process.stderr.write(`lockorder: uncaught: ${e?.stack ?? e}\n`); } catch { /* ignore */ } });
  process.on('unhandledRejection', (e) => { try { process.stderr.write(`lockorder: unhandled rejection: ${(e as Error)?.stack ?? e}\n`); } catch { /* ignore */ } });
  const conn = createConnection(ProposedFeatures.all);
  startServer(conn);
}

if (require.main === module) runLanguageServer();
