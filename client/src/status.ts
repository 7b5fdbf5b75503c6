// Status bar item: indexing progress, then the workspace's finding counts.
import * as vscode from 'vscode';
// the notification's shape: the server's definition (types only, nothing of the server is bundled)
import type { StatusParams } from '../../server/src/lsp/protocol';

export type { StatusParams };

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lockorder.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Lock Order';
    this.item.text = '$(sync~spin) Lock Order';
    this.item.tooltip = 'lockorder: starting the language server';
    this.item.command = 'workbench.actions.view.problems';
    this.item.show();
  }

  update(p: StatusParams): void {
    if (p.state === 'indexing') {
      this.item.text = `$(sync~spin) Lock Order: indexing ${p.indexed}/${p.total}`;
      this.item.tooltip = 'lockorder: indexing the C files of the workspace';
      return;
    }
    const n = (p.counts.error ?? 0) + (p.counts.warning ?? 0);
    this.item.text = n === 0 ? '$(lock) Lock Order: clean' : `$(warning) Lock Order: ${n} finding${n === 1 ? '' : 's'}`;
    this.item.tooltip = `lockorder: ${p.files} files, ${p.functions} functions analysed in ${p.lastAnalysisMs} ms\n` +
      `${p.counts.error ?? 0} errors, ${p.counts.warning ?? 0} warnings, ${p.counts.information ?? 0} notes — click for the Problems view`;
  }

  stopped(why: string): void {
    this.item.text = '$(error) Lock Order';
    this.item.tooltip = `lockorder: ${why}`;
  }

  dispose(): void { this.item.dispose(); }
}
