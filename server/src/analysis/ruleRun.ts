// The workspace rules (rules/index.ts) over a run's events, kept between the
// editor's runs. Each rule's part for a call-graph component (perFunction()
// over its functions' events) is kept until the component's events change
// (re-analysed, or moved in place: messages quote lines) or what that part
// consulted changes (its filesystem's fault path, the other functions of its
// file); conclude() runs every time over the parts kept. A full run computes
// every part; a delta run (workspace.ts) only the parts an edit reached.
import type { Finding } from './diagnostic';
import type { FnEvents } from './events';
import { fsOf } from './faultpath';
import { WORKSPACE_RULES } from './rules';
import type { KeptParts, WorkspaceRule } from './rules';
import type { FactUse, WorkspaceFacts } from './rules/facts';

/** What changed since the last run, for a delta run: everything else keeps its parts. */
export interface RuleChanges {
  /** components whose events changed */
  comps: ReadonlySet<number>;
  /**
   * of those, components whose events are the same objects, only moved in
   * place (their positions shifted): a part without items stays without
   * (what a rule finds does not depend on where the function is), one with
   * items is computed again (findings quote lines)
   */
  movedOnly: ReadonlySet<number>;
  /** files holding a function of the components whose events are new objects */
  files: ReadonlySet<string>;
  /** filesystems whose fault path changed */
  faultFs: ReadonlySet<string>;
}

/** One rule's kept parts. */
class RuleParts implements KeptParts<unknown> {
  /** per component, its items (components without any are absent) */
  private readonly byComp = new Map<number, unknown[]>();
  /** the components with items, in order (undefined: to sort again) */
  private sorted?: number[];
  /** components whose part read a filesystem's fault path, by filesystem; and another function of a file, by file */
  readonly faultUsers = new Map<string, Set<number>>();
  readonly fileUsers = new Map<string, Set<number>>();
  changes?: Map<number, unknown[] | undefined>;
  readonly memo = new Map<string, unknown>();

  constructor(readonly rule: WorkspaceRule) {}

  get order(): readonly number[] { return (this.sorted ??= [...this.byComp.keys()].sort((a, b) => a - b)); }
  items(s: number): readonly unknown[] | undefined { return this.byComp.get(s); }
  lists(): readonly (readonly unknown[])[] { return this.order.map((s) => this.byComp.get(s)!); }

  /** Drop every part (and the rule's memo, unless `keepMemo`: a full run computes every part again). */
  clear(keepMemo = false): void {
    this.byComp.clear();
    this.sorted = undefined;
    this.faultUsers.clear();
    this.fileUsers.clear();
    this.changes = undefined;
    if (!keepMemo) this.memo.clear();
  }

  /**
   * The components `lo`..`hi` were renumbered (component `s` is now
   * `to[s]`): each part stays with its component (it depends on the
   * component's events, not on its place). No changes are tracked until the
   * next conclude(), so the rule takes its whole-run path, which makes
   * again whatever its memo keeps by component number and reuses only what
   * does not depend on numbers (order-cycle's cycle search, when the edges
   * come out of the same shape).
   */
  renumber(to: Int32Array, lo: number, hi: number): void {
    const moved = (s: number): boolean => s >= lo && s <= hi;
    const parts: [number, unknown[]][] = [];
    for (const [s, items] of this.byComp) if (moved(s)) parts.push([s, items]);
    for (const [s] of parts) this.byComp.delete(s);
    for (const [s, items] of parts) this.byComp.set(to[s], items);
    if (parts.length) this.sorted = undefined;
    for (const m of [this.faultUsers, this.fileUsers]) {
      for (const [k, set] of m) if ([...set].some(moved)) m.set(k, new Set([...set].map((s) => (moved(s) ? to[s] : s))));
    }
    this.changes = undefined;
  }

  /** (one object for every perFunction() call: reset before each) */
  private readonly use: FactUse = { faultPath: false, fileContext: false };

  /** Compute component `s`'s part again from its functions' events. */
  redo(s: number, events: readonly FnEvents[], facts: WorkspaceFacts, ctx: unknown): void {
    let items: unknown[] | undefined;
    const use = this.use;
    for (const ev of events) {
      use.faultPath = false;
      use.fileContext = false;
      const got = this.rule.perFunction(ev, facts, ctx, use);
      if (got.length) { if (items) items.push(...got); else items = got; }
      if (use.faultPath) users(this.faultUsers, fsOf(ev.file)).add(s);
      if (use.fileContext) users(this.fileUsers, ev.file).add(s);
    }
    const had = this.byComp.get(s);
    if (this.changes && !this.changes.has(s)) this.changes.set(s, had);
    if (items) this.byComp.set(s, items); else this.byComp.delete(s);
    if (!had !== !items) this.sorted = undefined;
  }

  /** The rule's findings over the parts kept, in component order (changes: none tracked after clear(), when every part is computed). */
  conclude(facts: WorkspaceFacts): Finding[] {
    let out: Finding[];
    if (this.rule.conclude) out = this.rule.conclude(facts, this);
    else {
      // kept findings are handed out as copies (the cross-check annotates what it is given)
      out = [];
      for (const l of this.lists()) for (const f of l as Finding[]) out.push({ ...f });
    }
    this.changes = new Map();
    return out;
  }
}

function users(m: Map<string, Set<number>>, k: string): Set<number> {
  let s = m.get(k);
  if (!s) { s = new Set(); m.set(k, s); }
  return s;
}

export class WorkspaceRuleRun {
  private readonly parts = WORKSPACE_RULES.map((r) => new RuleParts(r));

  /** The call graph's components `lo`..`hi` were renumbered (Workspace.reorder: component `s` is now `to[s]`). */
  renumber(to: Int32Array, lo: number, hi: number): void {
    for (const p of this.parts) p.renumber(to, lo, hi);
  }

  /**
   * The findings of every rule not disabled. `changes` undefined: compute
   * every component's parts (`ncomps` components; `eventsOf(s)`: the events
   * of component s's functions, in order).
   */
  run(facts: WorkspaceFacts, ncomps: number, eventsOf: (s: number) => readonly FnEvents[], disabled: ReadonlySet<string> | undefined, changes?: RuleChanges): Finding[] {
    const out: Finding[] = [];
    // (every component's events, once for all rules, when every part is computed)
    let all: (readonly FnEvents[])[] | undefined;
    for (const p of this.parts) {
      if (disabled?.has(p.rule.name)) { p.clear(); continue; }
      const ctx = p.rule.prepare?.(facts);
      if (!changes) {
        p.clear(true);
        all ??= Array.from({ length: ncomps }, (_, s) => eventsOf(s));
        for (let s = 0; s < ncomps; s++) if (all[s].length) p.redo(s, all[s], facts, ctx);
      } else {
        const redo = new Set<number>();
        for (const s of changes.comps) if (!changes.movedOnly.has(s) || p.items(s)) redo.add(s);
        for (const fs of changes.faultFs) for (const s of p.faultUsers.get(fs) ?? []) redo.add(s);
        for (const f of changes.files) for (const s of p.fileUsers.get(f) ?? []) redo.add(s);
        for (const s of redo) p.redo(s, eventsOf(s), facts, ctx);
      }
      out.push(...p.conclude(facts));
    }
    return out;
  }
}
