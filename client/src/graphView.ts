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
  edges: { from: string; to: string; uri: string; fn: string; via: string; kind: 'order' | 'fault'; pos: { line: number; col: number }; inCycle: boolean; declared?: string; violation?: string }[];
  cycles: string[][];
}

const CSS = `
  svg { display: block; margin-top: 8px; }
  .node rect { fill: var(--vscode-editorWidget-background, var(--vscode-editor-background)); stroke: var(--vscode-foreground); stroke-width: 1; }
  .node.cyc rect { stroke: var(--vscode-errorForeground); stroke-width: 2; }
  .node text { fill: var(--vscode-foreground); font-family: var(--vscode-editor-font-family); font-size: 12px; }
  .edge path { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1.4; }
  .edge.cyc path { stroke: var(--vscode-errorForeground); stroke-width: 2.2; }
  .edge.violates path { stroke: var(--vscode-editorWarning-foreground); }
  .edge.fault path { stroke-dasharray: 5 3; }
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
  // inside a cycle, edges from a lower to a higher name count as forward so the members spread over ranks
  const out = new Map(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) if (!e.inCycle || e.from < e.to) out.get(e.from).push(e.to);
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
  const width = 40 + layers.length * (W + GX) - GX + 70, height = 40 + maxRows * (H + GY) + 40;
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
    const P = (x, y) => x.toFixed(1) + ' ' + y.toFixed(1);
    if (b.x > a.x) {
      // forward: right side of a to left side of b
      d = 'M ' + P(a.x + W, a.y + H / 2) + ' C ' + P(a.x + W + GX / 2, a.y + H / 2) + ', ' + P(b.x - GX / 2, b.y + H / 2) + ', ' + P(b.x, b.y + H / 2);
    } else if (b.x === a.x) {
      // same rank: an arc out to the right, wider for upward edges so both directions stay visible
      const bulge = b.y > a.y ? 30 : 60;
      d = 'M ' + P(a.x + W, a.y + H / 2 + (b.y > a.y ? 4 : -4)) + ' C ' + P(a.x + W + bulge, a.y + H / 2) + ', ' + P(b.x + W + bulge, b.y + H / 2) + ', ' + P(b.x + W, b.y + H / 2 + (b.y > a.y ? -4 : 4));
    } else {
      // backward: under the boxes, from the bottom of a to the bottom of b
      const low = Math.max(a.y, b.y) + H + 18 + Math.abs(a.x - b.x) / 12;
      d = 'M ' + P(a.x + W / 2, a.y + H) + ' C ' + P(a.x + W / 2, low) + ', ' + P(b.x + W / 2, low) + ', ' + P(b.x + W / 2 + 6, b.y + H);
    }
    const grp = sv('g', { class: 'edge' + (e.inCycle ? ' cyc' : '') + (e.declared === 'violates' ? ' violates' : '') + (e.kind === 'fault' ? ' fault' : '') });
    grp.appendChild(sv('path', { d, 'marker-end': 'url(#' + (e.inCycle ? 'arr-cyc' : 'arr') + ')' }));
    const t = sv('title', {}); t.textContent = e.from + ' → ' + e.to + ': e.g. ' + e.fn + '() line ' + (e.pos.line + 1) + ' via ' + e.via + (e.kind === 'fault' ? ' (page fault while held)' : '') + (e.violation ? ' — against the ' + e.violation : '');
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
    const td = el('td'); const a = el('a', 'link', e.fn + '() ' + decodeURIComponent(e.uri.replace(/^.*\\//, '')) + ':' + (e.pos.line + 1) + ' (' + e.via + ')'); a.addEventListener('click', () => reveal(e)); td.appendChild(a); tr.appendChild(td);
    tr.appendChild(el('td', '', [e.kind === 'fault' ? 'page fault' : '', e.inCycle ? 'cycle' : '', e.violation ? 'against the ' + e.violation : ''].filter(Boolean).join('; ')));
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
