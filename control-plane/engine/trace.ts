// An explanation of one decision, written by the decision functions themselves as they run
// (`meshguard explain`). Absent on the hot path: every call site is `trace?.…`.

/** pass: the step let the request through to the next; allow/deny: the step decided; info: a fact. */
export type Outcome = 'pass' | 'allow' | 'deny' | 'match' | 'no-match' | 'info';

export interface TraceEntry {
  /** DESIGN.md's step number (1-9; 0 for quarantine, which comes first), null for sub-entries. */
  readonly step: number | null;
  readonly name: string;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly items: TraceEntry[];
}

export class Trace {
  readonly entries: TraceEntry[] = [];

  step(step: number, name: string, outcome: Outcome, detail: string): void {
    this.entries.push({ step, name, outcome, detail, items: [] });
  }

  /** A detail of the current step (a segment tried, a rule compared). */
  item(name: string, outcome: Outcome, detail: string): TraceEntry {
    const entry: TraceEntry = { step: null, name, outcome, detail, items: [] };
    const last = this.entries[this.entries.length - 1];
    if (last) last.items.push(entry);
    else this.entries.push(entry);
    return entry;
  }

  /** A detail of a detail (a rule of a segment). */
  subItem(parent: TraceEntry, name: string, outcome: Outcome, detail: string): void {
    parent.items.push({ step: null, name, outcome, detail, items: [] });
  }
}
