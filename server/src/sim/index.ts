/**
 * Runtime simulator: public API.
 *
 *   const r = explore(scenario, { loopBound: 2 });
 *   if (r.verdict === 'deadlock') console.log(renderTimeline(r, scenario));
 */
export * from './program';
export { explore, exploreBruteForce, replaySchedule } from './explore';
export type { CpuWait, CycleEdge, ExploreOptions, ExploreResult, ResultBound, WitnessStep } from './result';
export { renderTimeline, deadlockLine, describeEdge } from './timeline';
export type { TimelineOptions } from './timeline';
export { ProgramBuilder, prog, lock, scenario } from './builder';
export type { At, ScenarioSpec } from './builder';
export { compatible } from './semantics';
export { ScenarioError } from './compile';
export { seedExamples } from './examples';
export type { Example } from './examples';
