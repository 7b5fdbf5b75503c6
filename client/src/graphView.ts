// "Lock Order: Show Lock Order Graph": classes as nodes, an edge a -> b for
// each "b taken while a is held" seen in the workspace (with one example
// site), cycles in red. The SVG is drawn by the webview's own script.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LineRevealer, page } from './webview';

export interface GraphResponse {
  ok: boolean;
  error?: string;
  nodes: { id: string; kind: string; inCycle: boolean }[];
  edges: { from: string; to: string; uri: string; fn: string; pos: { line: number; col: number }; count: number; inCycle: boolean; declared?: string }[];
  cycles: string[][];
}

const CSS = `
  svg { display: block; margin-top: 8px; }
  .node rect { fill: var(--vscode-editorWidget-background, var(--vscode-editor-background)); stroke: var(--vscode-foreground); stroke-width: 1; }
  .node.cyc rect { stroke: var(--vscode-errorForeground); stroke-width: 2; }
  .node text { fill: var(--vscode-foreground); font-family: var(--vscode-editor-font-family); font-size: 12px; }
  .edge path { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1.4; }
  .edge.cyc path { stroke: var(--vscode-errorForeground); stroke-width: 2.2; }
  .edge.violates path { stroke-dasharray: 5 3; }
  .edge:hover path { stroke-width: 3; }
  .edge { cursor: pointer; }
  .arrow { fill: var(--vscode-descriptionForeground); }
  .arrow-cyc { fill: var(--vscode-errorForeground); }
  table { border-collapse: collapse; margin-top: 14px; }
  td, th { text-align: left; padding: 2px 10px 2px 0; }
  tr.cyc td { color: var(--vscode-errorForeground); }
  .empty { color: var(--vscode-descriptionForeground); }
`;

const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const g = JSON.parse(document.getElementById('lockorder-data').textContent);
  const root = document.getElementById('root');
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const sv = (tag, attrs) => { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; };
  root.appendChild(el('h1', '', 'Lock order graph'));
  if (!g.ok) { root.appendChild(el('div', 'error', g.error || 'no graph')); return; }
  const sub = el('div', 'sub', g.nodes.length + ' classes, ' + g.edges.length + ' edges' + (g.cycles.length ? ', ' + g.cycles.length + ' cycle' + (g.cycles.length > 1 ? 's' : '') + ' (red)' : ', no cycles'));
  sub.id = 'graph-summary';
  root.appendChild(sub);
  if (g.nodes.length === 0) { root.appendChild(el('div', 'empty', 'No lock is taken while another is held in the analysed files.')); return; }
  // layered layout: rank = longest path from a source, ignoring edges inside cycles
  const out = new Map(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) if (!e.inCycle) out.get(e.from).push(e.to);
  const rank = new Map();
  const visit = (v, stack) => {
    if (rank.has(v)) return rank.get(v);
    if (stack.has(v)) return 0;
    stack.add(v);
    let r = 0;
    for (const [u, succs] of out) if (succs.includes(v)) r = Math.max(r, visit(u, stack) + 1);
    stack.delete(v);
    rank.set(v, r);
    return r;
  };
  for (const n of g.nodes) visit(n.id, new Set());
  const layers = [];
  for (const n of g.nodes) { const r = rank.get(n.id); (layers[r] = layers[r] || []).push(n); }
  const W = 210, H = 30, GX = 90, GY = 28;
  const pos = new Map();
  let maxRows = 0;
  layers.forEach((layer, i) => { (layer || []).forEach((n, j) => pos.set(n.id, { x: 20 + i * (W + GX), y: 20 + j * (H + GY) })); maxRows = Math.max(maxRows, (layer || []).length); });
  const width = 40 + layers.length * (W + GX) - GX, height = 40 + maxRows * (H + GY);
  const svg = sv('svg', { width: String(width), height: String(height), viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'lock order graph' });
  svg.id = 'graph-svg';
  const defs = sv('defs', {});
  for (const [id, cls] of [['arr', 'arrow'], ['arr-cyc', 'arrow-cyc']]) {
    const m = sv('marker', { id, viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
    m.appendChild(sv('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: cls }));
    defs.appendChild(m);
  }
  svg.appendChild(defs);
  const reveal = (e) => vscode.postMessage({ type: 'reveal', uri: e.uri, line: e.pos.line, character: e.pos.col });
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    let d;
    if (b.x > a.x) d = 'M ' + (a.x + W) + ' ' + (a.y + H / 2) + ' C ' + (a.x + W + GX / 2) + ' ' + (a.y + H / 2) + ', ' + (b.x - GX / 2) + ' ' + (b.y + H / 2) + ', ' + b.x + ' ' + (b.y + H / 2);
    else { const lift = 40 + Math.abs(a.y - b.y) / 4; d = 'M ' + (a.x + W / 2) + ' ' + a.y + ' C ' + (a.x + W / 2) + ' ' + (Math.min(a.y, b.y) - lift) + ', ' + (b.x + W / 2) + ' ' + (Math.min(a.y, b.y) - lift) + ', ' + (b.x + W / 2) + ' ' + b.y; }
    const grp = sv('g', { class: 'edge' + (e.inCycle ? ' cyc' : '') + (e.declared === 'violates' ? ' violates' : '') });
    grp.appendChild(sv('path', { d, 'marker-end': 'url(#' + (e.inCycle ? 'arr-cyc' : 'arr') + ')' }));
    const t = sv('title', {}); t.textContent = e.from + ' → ' + e.to + ': e.g. ' + e.fn + '() line ' + (e.pos.line + 1) + (e.count > 1 ? ' (' + e.count + ' sites)' : '') + (e.declared ? ' — ' + e.declared + ' the declared order' : '');
    grp.appendChild(t);
    grp.addEventListener('click', () => reveal(e));
    svg.appendChild(grp);
  }
  for (const n of g.nodes) {
    const p = pos.get(n.id);
    const grp = sv('g', { class: 'node' + (n.inCycle ? ' cyc' : ''), transform: 'translate(' + p.x + ',' + p.y + ')' });
    grp.appendChild(sv('rect', { width: String(W), height: String(H), rx: '5' }));
    const label = n.id.length > 30 ? n.id.slice(0, 29) + '…' : n.id;
    const tx = sv('text', { x: '8', y: String(H / 2 + 4) }); tx.textContent = label;
    grp.appendChild(tx);
    const t = sv('title', {}); t.textContent = n.id + ' (' + n.kind + ')'; grp.appendChild(t);
    svg.appendChild(grp);
  }
  root.appendChild(svg);
  const table = el('table');
  table.id = 'graph-edges';
  const hr = el('tr'); for (const h of ['first held', 'then taken', 'example site', '']) hr.appendChild(el('th', '', h)); table.appendChild(hr);
  for (const e of g.edges) {
    const tr = el('tr', e.inCycle ? 'cyc' : '');
    tr.appendChild(el('td', 'mono', e.from));
    tr.appendChild(el('td', 'mono', e.to));
    const td = el('td'); const a = el('a', 'link', e.fn + '() ' + decodeURIComponent(e.uri.replace(/^.*\\//, '')) + ':' + (e.pos.line + 1)); a.addEventListener('click', () => reveal(e)); td.appendChild(a); tr.appendChild(td);
    tr.appendChild(el('td', '', (e.inCycle ? 'cycle' : '') + (e.declared === 'violates' ? ' against declared order' : '')));
    table.appendChild(tr);
  }
  root.appendChild(table);
})();
`;

export class GraphPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;

  constructor(private readonly client: () => LanguageClient | undefined, private readonly revealer: LineRevealer) {}

  async show(): Promise<void> {
    const c = this.client();
    if (!c) return;
    let g: GraphResponse;
    try {
      g = (await c.sendRequest('workspace/executeCommand', { command: 'lockorder.graph', arguments: [{}] })) as GraphResponse;
    } catch (e) {
      g = { ok: false, error: `the language server did not answer: ${(e as Error).message}`, nodes: [], edges: [], cycles: [] };
    }
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('lockorder.graph', 'Lock Order Graph', vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => { this.panel = undefined; });
      this.panel.webview.onDidReceiveMessage((m: { type: string; uri?: string; line?: number; character?: number }) => {
        if (m.type === 'reveal' && m.uri && m.line !== undefined) void this.revealer.reveal(m.uri, m.line, m.character ?? 0);
      });
    }
    this.panel.webview.html = page(this.panel.webview, 'Lock Order Graph', CSS, '<div id="root"></div>', SCRIPT, g);
    this.panel.reveal(vscode.ViewColumn.Beside);
  }

  dispose(): void { this.panel?.dispose(); }
}
