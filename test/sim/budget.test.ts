// The simulator cross-check is bounded: scenarios with many locks compile in
// linear time (the footprint fixpoint used to loop forever once a contended
// lock had index 31 mod 32: `a | b` is a signed int32, a Uint32Array element
// is not, so "changed" stayed true), and one run deadline reaches every stage
// (program building and minimisation, scenario building, exploring). When it
// has passed, every static finding is still returned and the unsimulated ones
// say why. No timing is asserted: budgets here are 0 (already used up) or the
// defaults on inputs that take milliseconds.
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import type { Finding } from '../../server/src/analysis/diagnostic';
import { compileScenario, edgesOf, isVisible } from '../../server/src/sim/compile';
import { CROSS_CHECKED_RULES, crossCheck, crossCheckNote, OUT_OF_TIME, OVER_LIMIT } from '../../server/src/sim/crosscheck';
import { programFromFunction, SIM_TIME_UP } from '../../server/src/sim/fromEngine';
import { minimizeProgramWithin } from '../../server/src/sim/minimize';
import type { Scenario, SimNode, ThreadProgram } from '../../server/src/sim/program';
import { buildScenarios, simulate } from '../../server/src/sim/scenarios';

/** xorshift32: deterministic pseudo-random numbers for generated scenarios */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number): number => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

/** Random programs over `nLocks` locks: arbitrary control flow (loops included), calls between programs, faults. */
function randomScenario(seed: number, nLocks: number): Scenario {
  const r = rng(seed);
  const locks: Scenario['locks'] = {};
  const ids: string[] = [];
  for (let i = 0; i < nLocks; i++) {
    const id = `L${String(i).padStart(3, '0')}`;
    ids.push(id);
    locks[id] = { id, kind: r(4) === 0 ? 'rwsem' : 'mutex', label: id };
  }
  const names = ['P0', 'P1', 'P2', 'H'];
  const programs: Record<string, ThreadProgram> = {};
  for (const name of names) {
    const n = 5 + r(40);
    const nodes: SimNode[] = [];
    for (let i = 0; i < n; i++) {
      const node: SimNode = { id: i, succ: [] };
      const k = r(10);
      if (nLocks > 0 && k < 4) node.op = { kind: 'acquire', lock: ids[r(nLocks)], mode: r(3) === 0 ? 'R' : 'W' };
      else if (nLocks > 0 && k < 6) node.op = { kind: 'release', lock: ids[r(nLocks)] };
      else if (k === 6) node.op = { kind: 'call', program: names[r(names.length)] };
      else if (k === 7) node.op = { kind: 'fault', file: 'file' };
      if (i + 1 < n) node.succ.push(i + 1);
      if (r(4) === 0) node.succ.push(r(n)); // forward or back edge
      nodes.push(node);
    }
    programs[name] = { name, nodes, entry: 0 };
  }
  return { threads: [{ name: 'T0', program: 'P0' }, { name: 'T1', program: 'P1' }], programs, faultHandlers: { file: 'H' }, locks };
}

/** The footprint by definition: contended locks of every node reachable from (p, i) through edges, calls and fault paths. */
function naiveFootprint(cs: ReturnType<typeof compileScenario>, p: number, i: number): number[] {
  const seen = new Set<string>();
  const out = new Set<number>();
  const work: Array<[number, number]> = [[p, i]];
  while (work.length > 0) {
    const [q, j] = work.pop()!;
    const key = `${q}:${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = cs.programs[q].nodes[j];
    if (n.op && isVisible(n.op) && cs.contended[n.op.lock]) out.add(n.op.lock);
    for (const s of edgesOf(n)) work.push([q, s]);
    if (n.op && n.op.k === 'call' && n.op.prog >= 0) work.push([n.op.prog, cs.programs[n.op.prog].entry]);
    if (n.op && (n.op.k === 'fault' || n.op.k === 'fault_in')) for (const row of cs.faultProg.values()) work.push([row[n.op.file], 0]);
  }
  return [...out].sort((a, b) => a - b);
}

function bitsOf(words: Uint32Array): number[] {
  const out: number[] = [];
  for (let w = 0; w < words.length; w++) for (let b = 0; b < 32; b++) if ((words[w] >>> b) & 1) out.push(w * 32 + b);
  return out;
}

/** C source: one function takes `n` mutexes in order, another in reverse (an n-lock ABBA), and `naps` spinlock holders that sleep. */
function manyLocksSource(n: number, naps: number): string {
  let s = '#include <linux/mutex.h>\n#include <linux/spinlock.h>\n#include <linux/delay.h>\n\nstruct toy {\n';
  for (let i = 0; i < n; i++) s += `\tstruct mutex m${i};\n`;
  s += '\tspinlock_t lock;\n};\n\nvoid toy_all_fwd(struct toy *t)\n{\n';
  for (let i = 0; i < n; i++) s += `\tmutex_lock(&t->m${i});\n`;
  for (let i = n - 1; i >= 0; i--) s += `\tmutex_unlock(&t->m${i});\n`;
  s += '}\n\nvoid toy_all_rev(struct toy *t)\n{\n';
  for (let i = n - 1; i >= 0; i--) s += `\tmutex_lock(&t->m${i});\n`;
  for (let i = 0; i < n; i++) s += `\tmutex_unlock(&t->m${i});\n`;
  s += '}\n';
  for (let i = 0; i < naps; i++) s += `\nvoid toy_nap${i}(struct toy *t)\n{\n\tspin_lock(&t->lock);\n\tmsleep(${i + 1});\n\tspin_unlock(&t->lock);\n}\n`;
  return s;
}

const FILE = '/virtual/toyfs/toy_many.c';

function analysed(n = 40, naps = 10): { ws: Workspace; findings: Finding[] } {
  const ws = new Workspace();
  ws.setFile(FILE, manyLocksSource(n, naps));
  return { ws, findings: ws.analyze().findings };
}

const staticView = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.pos.line}:${f.pos.col} ${f.severity} ${f.rule} ${f.function} ${f.message}`);

describe('sim: scenarios with 32 or more locks', () => {
  it('lock footprints equal reachability by definition, for 0 to 96 locks (every word boundary)', () => {
    let checked = 0;
    for (let nLocks = 0; nLocks <= 96; nLocks += nLocks < 28 ? 7 : 1) {
      for (let seed = 1; seed <= 3; seed++) {
        const cs = compileScenario(randomScenario(nLocks * 7919 + seed, nLocks));
        cs.programs.forEach((p, pi) => p.nodes.forEach((_, i) => {
          assert.deepStrictEqual(bitsOf(cs.footprint[pi][i]), naiveFootprint(cs, pi, i), `${nLocks} locks, seed ${seed}, ${p.name}#${i}`);
          checked++;
        }));
      }
    }
    assert.ok(checked > 1000, `${checked} nodes checked`);
  });

  it('a 40-lock ABBA between two functions is confirmed by the cross-check (its compilation used to loop forever)', () => {
    const { ws, findings } = analysed(40, 0);
    const cycles = findings.filter((f) => f.rule === 'order-cycle');
    assert.ok(cycles.length >= 39, `${cycles.length} order-cycle findings`);
    const out = simulate(ws, { file: FILE, fn: 'toy_all_fwd', scenario: 'partner', partners: [{ fn: 'toy_all_rev', file: FILE }] });
    assert.strictEqual(out.verdict, 'deadlock', out.reason ?? out.tried.map((t) => t.summary).join('; '));
    assert.ok(Object.keys(out.scenario!.locks).length >= 40);
    const r = crossCheck(ws, findings);
    assert.ok(cycles.every((f) => f.simulation === 'confirmed'), cycles.map((f) => f.simulationDetail).join('\n'));
    assert.strictEqual(r.budgetExhausted, false);
    assert.strictEqual(crossCheckNote(findings), undefined);
  });
});

describe('sim: the cross-check is bounded by its run deadline', () => {
  it('with the budget already used up: returns at once, every static finding kept, each candidate "not-run" and saying why', () => {
    const plain = analysed().findings;
    const { ws, findings } = analysed();
    const r = crossCheck(ws, findings, { totalBudgetMs: 0 });
    assert.deepStrictEqual(staticView(findings), staticView(plain), 'the static findings are unchanged');
    const cands = findings.filter((f) => CROSS_CHECKED_RULES.has(f.rule) && f.function);
    assert.ok(cands.length >= 49, `${cands.length} candidates`);
    assert.deepStrictEqual({ ...r }, { candidates: cands.length, simulated: 0, confirmed: 0, outOfTime: cands.length, overLimit: 0, budgetExhausted: true });
    for (const f of cands) {
      assert.strictEqual(f.simulation, 'not-run');
      assert.ok(f.simulationDetail?.startsWith(OUT_OF_TIME), f.simulationDetail);
    }
    const note = crossCheckNote(findings)!;
    assert.match(note, new RegExp(`of ${cands.length} findings it applies to, 0 confirmed, 0 not reproduced, ${cands.length} not simulated because the cross-check's time budget \\(0 s\\) was used up`));
  });

  it('over the per-run limit of simulations: the rest say so, and the note counts them', () => {
    const { ws, findings } = analysed();
    const r = crossCheck(ws, findings, { maxFindings: 3 });
    assert.strictEqual(r.simulated, 3);
    const cands = findings.filter((f) => CROSS_CHECKED_RULES.has(f.rule) && f.function);
    const over = cands.filter((f) => f.simulationDetail?.startsWith(OVER_LIMIT));
    assert.strictEqual(over.length, r.overLimit);
    assert.ok(over.length > 0 && over.every((f) => f.simulation === 'not-run'));
    assert.strictEqual(cands.filter((f) => f.simulation === 'confirmed').length, r.confirmed);
    assert.strictEqual(r.confirmed + over.length, cands.length);
    assert.match(crossCheckNote(findings)!, new RegExp(`${over.length} over the per-run limit of simulations`));
  });

  it('a deadline in the past stops program building, minimisation, scenario building and simulate()', () => {
    const { ws } = analysed(8, 1);
    const past = Date.now() - 1;
    const found = ws.findFunction('toy_all_fwd', FILE)!;
    assert.ok(!programFromFunction(ws, found.file, found.fn).error, 'builds without a deadline');
    assert.strictEqual(programFromFunction(ws, found.file, found.fn, found.fn.name, past).error, SIM_TIME_UP);
    const p = programFromFunction(ws, found.file, found.fn).program;
    assert.strictEqual(minimizeProgramWithin(p, past), undefined);
    assert.ok(minimizeProgramWithin(p));
    const req = { file: FILE, fn: 'toy_all_fwd', scenario: 'partner' as const, partners: [{ fn: 'toy_all_rev', file: FILE }] };
    const b = buildScenarios(ws, { ...req, deadline: past });
    assert.ok(b.built.every((s) => !s.scenario && s.error === SIM_TIME_UP), JSON.stringify(b.built));
    const out = simulate(ws, { ...req, deadline: past });
    assert.strictEqual(out.verdict, 'not-run');
    assert.match(out.reason ?? '', new RegExp(SIM_TIME_UP));
    assert.strictEqual(simulate(ws, req).verdict, 'deadlock', 'and without one it is confirmed');
  });
});
