// "Lock Order: Simulate Function at Cursor": asks the server to run the
// simulator on the function under the cursor and shows the result in a
// webview: one lane per thread, the steps down the page, the wait-for cycle
// highlighted; clicking a step reveals and highlights that source line.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LineRevealer, page } from './webview';

export interface SimStep { step: number; thread: string; op: string; lock?: string; mode?: string; text?: string; note?: string; fn?: string; uri?: string; line?: number; character?: number }
export interface SimulateResponse {
  ok: boolean; error?: string; function?: string; uri?: string; scenario?: string; title?: string; scenarios?: string[]; verdict?: string; summary?: string;
  tried?: { kind: string; title: string; verdict: string; summary: string }[];
  threads?: string[]; steps?: SimStep[]; cycle?: { thread: string; waitsFor: string; mode: string; heldBy: string; heldMode: string; via: string }[]; timeline?: string;
}

const CSS = `
  .lanes { display: grid; gap: 0; border-top: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, #8884)); margin-top: 8px; }
  .hdr { font-weight: 600; padding: 4px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8884); background: var(--vscode-sideBarSectionHeader-background, transparent); position: sticky; top: 0; }
  .num { color: var(--vscode-descriptionForeground); padding: 3px 6px; text-align: right; font-variant-numeric: tabular-nums; border-bottom: 1px solid var(--vscode-panel-border, #8882); }
  .cell { padding: 3px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8882); border-left: 1px solid var(--vscode-panel-border, #8884); min-height: 1.4em; }
  .step { border-radius: 3px; padding: 2px 6px; cursor: pointer; border: 1px solid transparent; }
  .step:hover { background: var(--vscode-list-hoverBackground); }
  .step.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
  .step .where { color: var(--vscode-descriptionForeground); font-size: 0.9em; display: block; }
  .op-acquire { color: var(--vscode-charts-blue, var(--vscode-foreground)); }
  .op-release { color: var(--vscode-charts-green, var(--vscode-foreground)); }
  .op-fault, .op-fault_in { color: var(--vscode-charts-orange, var(--vscode-foreground)); }
  .cycle { border-color: var(--vscode-errorForeground); background: var(--vscode-inputValidation-errorBackground, transparent); }
  .cycle .what { color: var(--vscode-errorForeground); font-weight: 600; }
  .cyclebox { margin-top: 12px; padding: 8px 10px; border-left: 3px solid var(--vscode-errorForeground); background: var(--vscode-textBlockQuote-background); }
  .cyclebox h2 { font-size: 1em; margin: 0 0 4px 0; color: var(--vscode-errorForeground); }
  pre.timeline { white-space: pre; overflow-x: auto; background: var(--vscode-textCodeBlock-background); padding: 8px; }
  details { margin-top: 12px; }
  .scenarios { margin: 6px 0; }
  .scenarios button { margin-right: 6px; }
`;

const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const data = JSON.parse(document.getElementById('lockorder-data').textContent);
  const root = document.getElementById('root');
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const h1 = el('h1', '', 'Simulation: ' + (data.function ? data.function + '()' : '(no function)'));
  root.appendChild(h1);
  const scenarioButtons = () => {
    if (!data.scenarios || !data.scenarios.length) return;
    const sc = el('div', 'scenarios');
    sc.appendChild(el('span', 'sub', 'scenarios: '));
    for (const s of data.scenarios) {
      const b = el('button', s === data.scenario ? '' : 'secondary', s);
      b.dataset.scenario = s;
      b.addEventListener('click', () => vscode.postMessage({ type: 'scenario', scenario: s }));
      sc.appendChild(b);
    }
    root.appendChild(sc);
  };
  if (!data.ok) {
    const box = el('div', 'error', data.error || 'simulation failed');
    box.id = 'sim-error';
    root.appendChild(box);
    scenarioButtons();
    return;
  }
  const sub = el('div', 'sub');
  sub.textContent = (data.title ? data.title : data.scenario ? 'scenario: ' + data.scenario : '') + ' · ' + (data.threads || []).length + ((data.threads || []).length === 1 ? ' thread' : ' threads');
  sub.id = 'sim-scenario';
  root.appendChild(sub);
  const verdict = el('div', data.verdict === 'deadlock' ? 'verdict-deadlock' : 'verdict-ok', (data.verdict === 'deadlock' ? 'DEADLOCK: ' : '') + (data.summary || data.verdict));
  verdict.id = 'sim-verdict';
  root.appendChild(verdict);
  scenarioButtons();
  if (data.tried && data.tried.length > 1) {
    const d = el('details');
    d.appendChild(el('summary', '', 'scenarios tried'));
    for (const t of data.tried) d.appendChild(el('div', 'mono', t.kind + ': ' + t.title + ' — ' + t.summary));
    root.appendChild(d);
  }
  const threads = data.threads && data.threads.length ? data.threads : Array.from(new Set((data.steps || []).map((s) => s.thread)));
  const cycleThreads = new Set((data.cycle || []).map((c) => c.thread));
  // the last wait of each thread in the cycle is part of the wait-for cycle
  const lastWait = new Map();
  (data.steps || []).forEach((s, i) => { if (s.op === 'wait') lastWait.set(s.thread, i); });
  const describe = (s) => {
    const L = s.lock ? s.lock : '';
    const M = s.mode ? ' (' + s.mode + ')' : '';
    switch (s.op) {
      case 'acquire': return 'acquire ' + L + M;
      case 'wait': return 'WAITS for ' + L + M;
      case 'trylock-fail': return 'trylock ' + L + M + ' fails';
      case 'release': return 'release ' + L;
      case 'fault': return 'page fault' + (s.note ? ': ' + s.note : '');
      case 'fault-suppressed': return 'no fault' + (s.note ? ': ' + s.note : '');
      case 'fault_in': return 'fault in' + (s.note ? ': ' + s.note : '');
      case 'call': return '→ ' + (s.note || s.text || 'call');
      case 'exit': return s.note || 'returns';
      case 'branch': return 'takes branch' + (s.note ? ' (' + s.note + ')' : '');
      case 'call-skipped': return '(call skipped' + (s.note ? ': ' + s.note : '') + ')';
      default: return s.op + (L ? ' ' + L : '') + (s.note ? ' ' + s.note : '');
    }
  };
  const grid = el('div', 'lanes');
  grid.id = 'lanes';
  grid.style.gridTemplateColumns = '3em repeat(' + threads.length + ', minmax(14em, 1fr))';
  grid.appendChild(el('div', 'hdr', '#'));
  for (const t of threads) { const h = el('div', 'hdr', t); h.dataset.thread = t; grid.appendChild(h); }
  let selected = null;
  (data.steps || []).forEach((s, i) => {
    grid.appendChild(el('div', 'num', String(s.step)));
    for (const t of threads) {
      const cell = el('div', 'cell');
      if (t === s.thread) {
        const inCycle = s.op === 'wait' && cycleThreads.has(s.thread) && lastWait.get(s.thread) === i;
        const st = el('div', 'step op-' + s.op + (inCycle ? ' cycle' : ''));
        st.dataset.step = String(s.step);
        st.appendChild(el('span', 'what', describe(s)));
        const where = [s.fn ? s.fn + '()' : '', s.uri ? decodeURIComponent(s.uri.replace(/^.*\\//, '')) + ':' + (s.line + 1) : '', s.text || ''].filter(Boolean).join('  ');
        if (where) st.appendChild(el('span', 'where mono', where));
        if (s.uri !== undefined && s.line !== undefined) {
          st.title = 'Reveal ' + where;
          st.addEventListener('click', () => {
            if (selected) selected.classList.remove('selected');
            st.classList.add('selected');
            selected = st;
            vscode.postMessage({ type: 'reveal', uri: s.uri, line: s.line, character: s.character || 0 });
          });
        }
        cell.appendChild(st);
      }
      grid.appendChild(cell);
    }
  });
  root.appendChild(grid);
  if (data.cycle && data.cycle.length) {
    const box = el('div', 'cyclebox');
    box.id = 'sim-cycle';
    box.appendChild(el('h2', '', 'Wait-for cycle'));
    for (const c of data.cycle) {
      box.appendChild(el('div', 'mono', c.thread + ' waits for ' + c.waitsFor + ' (' + c.mode + ') — ' + (c.via === 'holder' ? 'held by ' : 'queued behind ') + c.heldBy + ' (' + c.heldMode + ')'));
    }
    root.appendChild(box);
  }
  if (data.timeline) {
    const d = el('details');
    d.appendChild(el('summary', '', 'lockdep-style timeline'));
    d.appendChild(el('pre', 'timeline mono', data.timeline));
    root.appendChild(d);
  }
})();
`;

export class SimulationPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private last?: { uri: string; position: vscode.Position };

  constructor(private readonly client: () => LanguageClient | undefined, private readonly revealer: LineRevealer) {}

  async runAtCursor(scenario?: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'c') {
      void vscode.window.showWarningMessage('Lock Order: put the cursor inside a C function first.');
      return;
    }
    this.last = { uri: editor.document.uri.toString(), position: editor.selection.active };
    await this.run(scenario);
  }

  private async run(scenario?: string): Promise<void> {
    const c = this.client();
    if (!c || !this.last) return;
    const args = { uri: this.last.uri, position: { line: this.last.position.line, character: this.last.position.character }, scenario };
    // cancellable: the request's cancellation reaches the server, which stops the simulation in its worker
    let cancelled = false;
    const res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Lock Order: simulating', cancellable: true }, async (_progress, token) => {
      token.onCancellationRequested(() => { cancelled = true; });
      try {
        return (await c.sendRequest('workspace/executeCommand', { command: 'lockorder.simulate', arguments: [args] }, token)) as SimulateResponse;
      } catch (e) {
        if (token.isCancellationRequested) return undefined;
        return { ok: false, error: `the language server did not answer: ${(e as Error).message}` } as SimulateResponse;
      }
    });
    if (cancelled) return;
    this.show(res ?? { ok: false, error: 'no answer from the language server' });
  }

  show(res: SimulateResponse): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('lockorder.simulation', 'Lock Order Simulation', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => { this.panel = undefined; });
      this.panel.webview.onDidReceiveMessage((m: { type: string; uri?: string; line?: number; character?: number; scenario?: string }) => {
        if (m.type === 'reveal' && m.uri && m.line !== undefined) void this.revealer.reveal(m.uri, m.line, m.character ?? 0);
        if (m.type === 'scenario' && m.scenario) void this.run(m.scenario);
      });
    }
    this.panel.title = res.function ? `Simulation: ${res.function}()` : 'Lock Order Simulation';
    this.panel.webview.html = page(this.panel.webview, this.panel.title, CSS, '<div id="root"></div>', SCRIPT, res);
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  dispose(): void { this.panel?.dispose(); }
}
