// VS Code client: starts the bundled language server (dist/server.js) over
// node IPC for C files and .lockorder files, shows a status bar item, and
// contributes the simulation and graph commands with their webviews.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { GraphPanel } from './graphView';
import { SimulationPanel } from './simulateView';
import { StatusItem, StatusParams } from './status';
import { LineRevealer } from './webview';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
      { scheme: 'file', language: 'lockorder' },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{.lockorder,*.c,*.h}'),
    },
    initializationOptions: { settings: vscode.workspace.getConfiguration('lockorder') },
    outputChannelName: 'Lock Order',
  };
  client = new LanguageClient('lockorder', 'Lock Order', serverOptions, clientOptions);
  const status = new StatusItem();
  const revealer = new LineRevealer();
  const sim = new SimulationPanel(() => client, revealer);
  const graph = new GraphPanel(() => client, revealer);
  context.subscriptions.push(status, revealer, sim, graph,
    vscode.commands.registerCommand('lockorder.simulateAtCursor', (scenario?: string) => sim.runAtCursor(typeof scenario === 'string' ? scenario : undefined)),
    vscode.commands.registerCommand('lockorder.showGraph', () => graph.show()),
    vscode.commands.registerCommand('lockorder.restartServer', async () => { await client?.restart(); }),
  );
  context.subscriptions.push(client.onNotification('lockorder/status', (p: StatusParams) => status.update(p)));
  try {
    await client.start();
  } catch (e) {
    status.stopped(`the language server did not start: ${(e as Error).message}`);
    throw e;
  }
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
