// When the simulator must stop: its time checks (the exploration loop, the
// program builder, minimisation, scenario assembly, a cross-check's run
// deadline) all ask here. A host may install an abort probe (the language
// server's simulation worker does: the request it is running was cancelled,
// or a user's lockorder.simulate came in behind a background cross-check);
// while the probe says so, every deadline has passed and every time budget is
// spent, so the simulation stops at its next check as if out of time. The
// host knows it aborted and does not report such a result as a verdict.

let probe: (() => boolean) | undefined;

/** Install (or remove) the abort probe; it is read at every time check, so it must be cheap. */
export function setAbortProbe(p: (() => boolean) | undefined): void {
  probe = p;
}

/** The simulation in progress was aborted by its host. */
export function aborted(): boolean {
  return probe !== undefined && probe();
}

/** Past `deadline` (Date.now() ms; none: never), or aborted. */
export function pastDeadline(deadline: number | undefined): boolean {
  return aborted() || (deadline !== undefined && Date.now() > deadline);
}
