// Output formats of `lockorder check`: gcc-style text, the JSON contract of
// DESIGN.md, and SARIF 2.1.0 for GitHub code scanning.
import type { AnalysisResult } from '../analysis/workspace';
import type { Finding, Severity } from '../analysis/diagnostic';
import { FUNCTION_RULES, WORKSPACE_RULES } from '../analysis/rules';

export const TOOL_VERSION = '0.1.0';
export const RULE_DOCS = 'https://github.com/lockorder/lockorder#rule-';

const ALL_RULES: { name: string; summary: string }[] = [
  ...FUNCTION_RULES.map((r) => ({ name: r.name, summary: r.summary })),
  ...WORKSPACE_RULES.map((r) => ({ name: r.name, summary: r.summary })),
  { name: 'analysis-budget', summary: 'a function was too large to analyse within its budget' },
  { name: 'file-skipped', summary: 'a file was skipped (size limit)' },
];

function gccSeverity(s: Severity): string {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

export function formatText(findings: Finding[], displayPath: (f: string) => string): string {
  const out: string[] = [];
  for (const f of findings) {
    let msg = f.message;
    if (f.simulation === 'confirmed') msg += ` [confirmed by simulation: ${f.simulationDetail ?? 'deadlock'}]`;
    else if (f.simulation === 'not-reproduced') msg += ` [simulation: ${f.simulationDetail ?? 'not reproduced'}]`;
    out.push(`${displayPath(f.file)}:${f.pos.line + 1}:${f.pos.col + 1}: ${gccSeverity(f.severity)}: ${msg} [${f.rule}]`);
    for (const r of f.related) out.push(`${displayPath(r.file)}:${r.pos.line + 1}:${r.pos.col + 1}: note: ${r.message}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

export function formatJson(result: AnalysisResult, findings: Finding[], displayPath: (f: string) => string): string {
  const doc = {
    version: 1,
    files: result.files,
    functions: result.functions,
    diagnostics: findings.map((f) => ({
      file: displayPath(f.file),
      line: f.pos.line + 1,
      column: f.pos.col + 1,
      endLine: f.pos.endLine + 1,
      endColumn: f.pos.endCol + 1,
      severity: f.severity,
      rule: f.rule,
      function: f.function,
      message: f.message,
      related: f.related.map((r) => ({ file: displayPath(r.file), line: r.pos.line + 1, message: r.message })),
      simulation: f.simulation,
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

export function formatSarif(findings: Finding[], displayPath: (f: string) => string): string {
  const rules = ALL_RULES.map((r) => ({
    id: r.name,
    name: r.name.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: r.summary },
    helpUri: `${RULE_DOCS}${r.name}`,
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const loc = (file: string, line: number, col: number, endLine?: number, endCol?: number): object => ({
    physicalLocation: {
      artifactLocation: { uri: displayPath(file).replace(/\\/g, '/').replace(/^\.\//, '') },
      region: { startLine: line + 1, startColumn: col + 1, ...(endLine !== undefined ? { endLine: endLine + 1, endColumn: (endCol ?? col) + 1 } : {}) },
    },
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'lockorder', version: TOOL_VERSION, informationUri: 'https://github.com/lockorder/lockorder', rules } },
      results: findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: index.get(f.rule) ?? 0,
        level: sarifLevel(f.severity),
        message: { text: f.message },
        locations: [loc(f.file, f.pos.line, f.pos.col, f.pos.endLine, f.pos.endCol)],
        relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...loc(r.file, r.pos.line, r.pos.col), message: { text: r.message } })),
        partialFingerprints: { primaryLocationLineHash: `${f.rule}:${f.function}:${f.message.replace(/line \d+/g, 'line N').slice(0, 80)}` },
        properties: { function: f.function, simulation: f.simulation },
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
