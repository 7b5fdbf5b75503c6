// Hover: markdown over the engine's structured answers (analysis/query.ts).
import type { Hover, MarkupContent } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import type { FaultHover, FunctionHover, HeldDesc, HoverInfo, LockHover } from '../analysis/query';
import type { Pos } from '../analysis/ir';
import { toRange } from './diagnostics';
import { baseClass } from '../model/classes';

const MODE: Record<string, string> = { W: 'exclusive', R: 'shared', RR: 'shared (recursive reader)', EX: 'EX (exclusive)', SH: 'SH (shared)', DF: 'DF (deferred)' };

const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';
const line1 = (p: Pos): number => p.line + 1;
const base = (f: string): string => f.replace(/^.*[\\/]/, '');

function heldList(set: readonly HeldDesc[]): string {
  if (set.length === 0) return 'nothing';
  return set.map((h) => `${code(h.inst)} (${MODE[h.mode] ?? h.mode}${h.entry ? ', held by the caller' : `, line ${line1(h.site)}`})`).join(', ');
}

function heldSets(sets: readonly HeldDesc[][]): string[] {
  if (sets.length === 0) return ['- held here: (this call is not reached on any analysed path)'];
  if (sets.length === 1) return [`- held here: ${heldList(sets[0])}`];
  return ['- held here, depending on the path:', ...sets.map((s) => `  - ${heldList(s)}`)];
}

function chainText(chain: readonly string[], mark: string): string {
  return chain.map((c) => (c === mark ? `**${c}**` : c)).join(' → ');
}

export function lockMarkdown(h: LockHover): string {
  const out: string[] = [];
  const verb = h.op === 'release' || h.op === 'holder_dq' ? 'releases' : h.op === 'try' ? 'tries to take' : h.op === 'assert' ? 'asserts held' : h.op === 'might' ? 'might take' : 'takes';
  for (const l of h.locks) {
    out.push(`**lockorder** · ${code(h.call + '()')} ${verb} ${code(l.inst)}`);
    out.push('');
    out.push(`- class: ${code(l.cls)} · ${l.kind} · mode ${MODE[l.mode] ?? l.mode}`);
    out.push(...heldSets(l.before));
    if (l.takenAt?.length) out.push(`- taken at line ${l.takenAt.map(line1).join(', ')}`);
    if (l.problem) out.push(`- ⚠ ${l.problem}`);
    if (l.neighbours.before.length || l.neighbours.after.length) {
      out.push(`- declared neighbours: ${l.neighbours.before.length ? `after ${l.neighbours.before.map(code).join(', ')}` : ''}${l.neighbours.before.length && l.neighbours.after.length ? '; ' : ''}${l.neighbours.after.length ? `before ${l.neighbours.after.map(code).join(', ')}` : ''}`);
    }
    if (l.chains.length) {
      out.push('- declared order:');
      for (const c of l.chains.slice(0, 6)) out.push(`  - ${chainText(c.classes, baseClass(l.cls))} — ${c.source}`);
    } else if (h.op !== 'release') {
      out.push('- declared order: none mentions this class');
    }
    for (const v of l.verdicts) {
      out.push(v.verdict === 'respects'
        ? `- ✓ respects the declared order: ${code(v.held)} (held as ${code(v.heldInst)}) comes before ${code(l.cls)} (${v.source})`
        : `- ✗ **against the declared order**: ${chainText(v.chain, v.held)} says ${code(l.cls)} must be taken before ${code(v.held)} (held as ${code(v.heldInst)}) — ${v.source}`);
    }
    for (const o of l.opposite.slice(0, 4)) {
      out.push(`- opposite order taken in ${code(o.fn + '()')} at ${base(o.file)}:${line1(o.pos)}: ${code(o.first)} held, then ${code(o.then)}${o.chain?.length ? ` (via ${o.chain.join(' → ')})` : ''}`);
    }
    out.push('');
  }
  if (h.unreached) out.push('_(not reached on any analysed path)_');
  return out.join('\n').trim();
}

export function faultMarkdown(h: FaultHover): string {
  const out: string[] = [];
  out.push(`**lockorder** · ${code(h.call + '()')} may take a page fault`);
  out.push('');
  out.push(`- why: ${h.why}`);
  if (h.gup) out.push('- GUP-based: `pagefault_disable()` does not stop it; only `iov_iter->nofault` / `FOLL_NOFAULT` does');
  if (h.faultIn) out.push('- faults the pages in on purpose (expected outside locks, before a retry)');
  if (h.iter) out.push(`- user buffer: iov_iter ${code(h.iter)}`);
  if (h.paths.length === 0) out.push('- (not reached on any analysed path)');
  for (const p of h.paths) {
    const sup = p.nofault ? `${code((h.iter ?? 'iter') + '->nofault')} is set: returns short instead of faulting`
      : p.pagefaultDisabled ? (h.gup ? '`pagefault_disable()` in effect, but GUP still faults' : '`pagefault_disable()` in effect: returns short instead of faulting')
        : 'page faults enabled: the fault handler runs here';
    out.push(`- ${h.paths.length > 1 ? 'on one path: ' : ''}held: ${heldList(p.held)}; ${sup}`);
  }
  if (h.handlers.length) {
    out.push('- fault handlers in this workspace (entered with `mmap_lock` shared):');
    for (const fh of h.handlers.slice(0, 6)) {
      out.push(`  - ${code('.' + fh.member)} = ${code(fh.name + '()')} (${code(fh.opsVar)}, ${base(fh.file)}) takes ${fh.takes.map((t) => `${code(t.cls)} ${MODE[t.mode] ?? t.mode}`).join(', ')}`);
    }
  } else {
    out.push('- the fault path takes `mm->mmap_lock` shared (no `vm_operations_struct` handler found in the workspace)');
  }
  for (const c of h.conflicts) out.push(`- ✗ **deadlock risk**: ${code(c.held)} is held (${MODE[c.heldMode] ?? c.heldMode}) and ${code(c.handler + '()')} takes it (${MODE[c.takesMode] ?? c.takesMode}) on the fault path`);
  return out.join('\n');
}

export function functionMarkdown(h: FunctionHover): string {
  const s = h.summary;
  const out: string[] = [];
  const eff = (l: { template: string; cls: string; mode: string }[]): string => l.map((e) => `${code(e.template)} (${code(e.cls)}, ${MODE[e.mode] ?? e.mode})`).join(', ');
  out.push(`**lockorder** · ${code(h.name + '()')} summary`);
  out.push('');
  out.push(`- requires held at entry: ${s.requires.length ? eff(s.requires) : 'nothing'}`);
  out.push(`- returns holding (acquires): ${s.acquires.length ? eff(s.acquires) : 'nothing'}`);
  out.push(`- releases the caller's: ${s.releases.length ? eff(s.releases) : 'nothing'}`);
  if (s.inner.length) out.push(`- takes inside: ${s.inner.slice(0, 12).map((i) => `${code(i.cls)} ${MODE[i.mode] ?? i.mode}${i.chain.length ? ` via ${i.chain.join(' → ')}` : ''}`).join(', ')}`);
  else out.push('- takes inside: no locks');
  out.push(`- may fault: ${s.fault ? `yes — ${[...s.fault.chain, s.fault.api].join(' → ')}() at ${base(s.fault.file)}:${line1(s.fault.pos)}` : 'no'}`);
  out.push(`- may sleep: ${s.sleep ? `yes — ${[...s.sleep.chain, s.sleep.api].join(' → ')} at ${base(s.sleep.file)}:${line1(s.sleep.pos)}` : 'no'}`);
  if (s.conditional) out.push('- returns holding a lock on some return values only (trylock-like)');
  if (s.incomplete) out.push(`- ⚠ incomplete: ${s.incomplete}`);
  if (h.annotations.length) out.push(`- annotations: ${h.annotations.map((a) => code(`${a.kind}(${a.arg})`)).join(' ')}`);
  if (h.findings) out.push(`- ${h.findings} finding${h.findings === 1 ? '' : 's'} in this function`);
  return out.join('\n');
}

export function toHover(info: HoverInfo): Hover {
  const value = info.kind === 'lock' ? lockMarkdown(info) : info.kind === 'fault' ? faultMarkdown(info) : functionMarkdown(info);
  const contents: MarkupContent = { kind: MarkupKind.Markdown, value };
  return { contents, range: toRange(info.range) };
}
