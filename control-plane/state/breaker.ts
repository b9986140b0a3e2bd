// A circuit breaker in front of Redis for decisions that must not wait on it (rate limits): after
// the first failure (a command timeout, a closed connection) every call falls back at once, and
// so do the calls already waiting on Redis; a probe in the background (a PING every cool-down)
// closes the breaker on its first success, as does any command that succeeds. A stalled Redis
// (SIGSTOP: the socket stays open, nothing answers) thus costs one command timeout, not one per
// decision, and readiness comes back with Redis, not with a reconnect.

export interface BreakerEvents {
  /** The breaker opened (Redis is failing) or closed (it answered again). */
  onChange(open: boolean, reason: string): void;
}

export interface BreakerOptions {
  /** How long the breaker stays open before the next probe (ms). */
  readonly coolDownMs: number;
  /** Asks Redis whether it answers (e.g. PING); rejects when it does not. */
  readonly probe: () => Promise<unknown>;
}

export const DEFAULT_COOL_DOWN_MS = 500;

/** The breaker's own record of its open periods (monotonic clock). */
export interface BreakerStats {
  /** Times it opened. */
  readonly opens: number;
  /** Time spent open in all, the current period included (ms). */
  readonly openMs: number;
  /** The longest open period, the current one included (ms). */
  readonly longestOpenMs: number;
}

export class CircuitBreaker {
  private open = false;
  /** Calls waiting on Redis: each falls back at once when the breaker opens. */
  private readonly waiting = new Set<() => void>();
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private opens = 0;
  private openedAt = 0;
  private openMs = 0;
  private longestOpenMs = 0;

  constructor(private readonly options: BreakerOptions, private readonly events: BreakerEvents) {}

  get isOpen(): boolean {
    return this.open;
  }

  stats(): BreakerStats {
    const current = this.open ? performance.now() - this.openedAt : 0;
    return { opens: this.opens, openMs: this.openMs + current, longestOpenMs: Math.max(this.longestOpenMs, current) };
  }

  /**
   * `command()` while the breaker is closed, `fallback()` while it is open; a call waiting on
   * Redis when the breaker opens takes the fallback at once.
   */
  run<T>(command: () => Promise<T>, fallback: () => T | Promise<T>): T | Promise<T> {
    if (this.open) return fallback();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const release = () => {
        if (settled) return;
        settled = true;
        this.waiting.delete(release);
        Promise.resolve().then(fallback).then(resolve, reject);
      };
      this.waiting.add(release);
      command().then(
        (value) => {
          this.succeeded();
          if (settled) return;
          settled = true;
          this.waiting.delete(release);
          resolve(value);
        },
        (err: Error) => {
          this.failed(err.message);
          release();
        },
      );
    });
  }

  /** Redis answered (a command, a probe, a reconnect): close the breaker. */
  succeeded(reason = 'redis answered'): void {
    if (!this.open) return;
    this.open = false;
    const period = performance.now() - this.openedAt;
    this.openMs += period;
    this.longestOpenMs = Math.max(this.longestOpenMs, period);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.events.onChange(false, reason);
  }

  /** Redis failed: open the breaker, release every waiting call to its fallback, start probing. */
  failed(reason: string): void {
    if (!this.open) {
      this.open = true;
      this.opens++;
      this.openedAt = performance.now();
      this.events.onChange(true, reason);
      this.scheduleProbe();
    }
    for (const release of [...this.waiting]) release();
  }

  /** Stops probing; the breaker keeps its state. */
  stop(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private scheduleProbe(): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      if (!this.open || this.closed) return;
      this.options.probe().then(
        () => this.succeeded('redis answered a probe'),
        () => this.scheduleProbe(),
      );
    }, this.options.coolDownMs);
    this.probeTimer.unref();
  }
}
