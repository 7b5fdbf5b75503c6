// Language server entry point (dist/server.js): `node dist/server.js --stdio`
// or `--node-ipc` (VS Code), also `lockorder lsp --stdio`.
import { isMainThread } from 'worker_threads';
import { Connection, createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { FramingGuard } from './framing';
import { startServer } from './server';

/** Start the server on the transport named in argv (--stdio, --node-ipc, --socket=N, --pipe=NAME). */
export function runLanguageServer(): void {
  // a stray exception must not kill the editor's server: log it and go on
  process.on('uncaughtException', (e) => { try { process.stderr.write(`lockorder: uncaught: ${e?.stack ?? e}\n`); } catch { /* ignore */ } });
  process.on('unhandledRejection', (e) => { try { process.stderr.write(`lockorder: unhandled rejection: ${(e as Error)?.stack ?? e}\n`); } catch { /* ignore */ } });
  let conn: Connection;
  if (process.argv.includes('--stdio')) {
    // stdio: frame-check the input so one malformed header cannot stall the reader
    const guard = new FramingGuard((s) => process.stderr.write(s + '\n'));
    process.stdin.pipe(guard);
    process.stdin.on('end', () => guard.end());
    conn = createConnection(ProposedFeatures.all, guard, process.stdout);
  } else {
    conn = createConnection(ProposedFeatures.all); // --node-ipc, --socket=N, --pipe=NAME
  }
  startServer(conn);
}

// in a worker thread this bundle is the simulation worker's script (crossCheckClient.ts), not a server
if (require.main === module && isMainThread) runLanguageServer();
