// What the authorizer asks before deciding: is this source identity quarantined right now?
// The state layer (Redis-backed, shared by replicas) answers.

export interface QuarantineEntry {
  readonly identity: string;
  readonly since: number;
  readonly until: number;
  readonly total: number;
  readonly denied: number;
  readonly anomalous: number;
}

export interface QuarantineGuard {
  /** The entry when `identity` is quarantined now, else null. */
  quarantined(identity: string, nowMs: number): QuarantineEntry | null;
}
