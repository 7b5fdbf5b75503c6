// Webview plumbing shared by the simulation and graph views: a strict CSP
// (default-src 'none'; script and style only with this page's nonce), theme
// colours through var(--vscode-*), data embedded as JSON, no remote resources.
import * as crypto from 'crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return crypto.randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** JSON safe to embed inside a <script> element. */
export function embedJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const BASE_CSS = `
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); margin: 0; padding: 12px 16px; }
  h1 { font-size: 1.2em; margin: 0 0 4px 0; font-weight: 600; }
  .sub { color: var(--vscode-descriptionForeground); margin-bottom: 10px; }
  .verdict-deadlock { color: var(--vscode-errorForeground); font-weight: 600; }
  .verdict-ok { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); font-weight: 600; }
  .error { color: var(--vscode-errorForeground); border: 1px solid var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); background: var(--vscode-inputValidation-errorBackground, transparent); padding: 8px 10px; border-radius: 3px; }
  code, .mono { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  a, .link { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; }
  a:hover, .link:hover { color: var(--vscode-textLink-activeForeground); text-decoration: underline; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; cursor: pointer; border-radius: 2px; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
`;

/** A complete HTML page: CSP with nonce, inline style and script (both nonce'd), JSON data element. */
export function page(webview: vscode.Webview, title: string, css: string, body: string, script: string, data: unknown): string {
  const n = nonce();
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src 'nonce-${n}'`, `script-src 'nonce-${n}'`, `font-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${n}">${BASE_CSS}${css}</style>
</head><body>
${body}
<script nonce="${n}" id="lockorder-data" type="application/json">${embedJson(data)}</script>
<script nonce="${n}">${script}</script>
</body></html>`;
}

/** Open a document at a 0-based line and flash a whole-line highlight on it. */
export class LineRevealer implements vscode.Disposable {
  private readonly deco = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
    borderStyle: 'solid',
    borderWidth: '1px 0',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });

  async reveal(uri: string, line: number, character = 0): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false, preview: false });
    const l = Math.max(0, Math.min(line, doc.lineCount - 1));
    const pos = new vscode.Position(l, Math.max(0, character));
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(this.deco, [new vscode.Range(l, 0, l, 0)]);
  }

  dispose(): void { this.deco.dispose(); }
}
