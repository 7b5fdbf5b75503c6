// One function's analysis product: its dataflow, its summary, the
// per-function rules and the events the workspace rules read. The same code
// runs on the main thread (Workspace.analyze) and in the analysis workers
// (parallel.ts), so a parallel run gives exactly the sequential results.
import type { Knowledge } from '../model/knowledge';
import type { StructTable } from '../model/classes';
import { analyzeFunction, Budget, DEFAULT_BUDGET, FnRecords } from './dataflow';
import type { FunctionIR } from './ir';
import type { ClassKey } from './locks';
import type { Held } from './state';
import type { SummaryLookup } from './summaryTypes';
import { summarize } from './summaries';
import { FUNCTION_RULES } from './rules';
import { finding } from './rules/common';
import { extractEvents } from './events';
import type { FnProduct } from './reuse';

/** Fault handlers run with the faulting task's mmap_lock held shared. */
export const MMAP_ENTRY: Held = {
  inst: 'vmf->vma->vm_mm->mmap_lock', cls: 'mm_struct.mmap_lock', kind: 'rwsem', mode: 'R',
  site: { line: 0, col: 0, endLine: 0, endCol: 0 }, via: 'page fault', count: 1, entry: true,
};

/** Locks held on entry by how the function is called (fault handlers). */
export function entryHeldOf(fn: FunctionIR, isHandler: boolean): Held[] | undefined {
  return isHandler ? [{ ...MMAP_ENTRY, site: fn.namePos }] : undefined;
}

/** Workspace-wide inputs of one function's analysis. */
export interface FnJobEnv {
  know: Knowledge;
  structs: StructTable;
  globals: ReadonlyMap<string, string>;
  classKeys: readonly ClassKey[];
  budget?: Budget;
  keepStates?: boolean;
  disabledRules?: ReadonlySet<string>;
}

/** Run the dataflow of one function. */
export function runDataflow(fn: FunctionIR, file: string, lookup: SummaryLookup, env: FnJobEnv, isHandler: boolean): FnRecords {
  return analyzeFunction(fn, {
    file, know: env.know, structs: env.structs, globals: env.globals, summaries: lookup, budget: env.budget ?? DEFAULT_BUDGET,
    keepStates: env.keepStates, entryHeld: entryHeldOf(fn, isHandler), classKeys: env.classKeys,
  });
}

/** Summary, per-function findings (or the budget note) and events of analysed records. */
export function productOf(rec: FnRecords, env: FnJobEnv, recursive: boolean): FnProduct {
  const summary = summarize(rec, env.globals);
  if (recursive && !summary.incomplete) summary.incomplete = 'recursive: callers see only what it does before recursing';
  if (rec.budgetHit) {
    const note = finding(rec, 'analysis-budget', rec.fn.namePos,
      `lockorder stopped analysing ${rec.fn.name}() after reaching its budget (${rec.budgetHit}); no lock findings are reported for this function.`, [], 'information');
    return { summary, findings: [note], budgetHit: rec.budgetHit };
  }
  const findings = [];
  for (const rule of FUNCTION_RULES) {
    if (env.disabledRules?.has(rule.name)) continue;
    findings.push(...rule.check(rec));
  }
  return { summary, findings, events: extractEvents(rec) };
}
