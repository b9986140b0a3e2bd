// What a part of `meshguard serve` (ext_authz, xDS, a watcher, the live view...) gets to work
// with, and what it gives back. Components are started in order and closed in reverse.
import type { Logger } from 'pino';
import type { Metrics } from './admin/metrics.js';
import type { AdminRoutes, ReadinessCheck } from './admin/server.js';
import type { DecisionBus } from './decision-bus.js';
import type { RuntimeOverlay } from './overlay.js';
import type { PolicyHub } from './policy-hub.js';
import type { ServeOptions } from './options.js';

export interface ServeContext {
  readonly options: ServeOptions;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly policies: PolicyHub;
  /** The learned model and the quarantined identities, for what the filters are sent. */
  readonly overlay: RuntimeOverlay;
  readonly decisions: DecisionBus;
  readonly admin: AdminRoutes;
  readonly readiness: ReadinessCheck[];
  /** Component status documents shown under /status. */
  readonly status: Map<string, () => unknown>;
}

export interface RunningComponent {
  /** Ports this component listens on, by name (e.g. { authz: 9001 }), for the `listening` log line. */
  readonly ports?: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export interface Component {
  readonly name: string;
  start(ctx: ServeContext): Promise<RunningComponent>;
}

/** A component whose modules are imported only when it starts (so a deployment without it pays no memory for them). */
export function lazyComponent(name: string, load: () => Promise<Component>): Component {
  return { name, start: async (ctx) => (await load()).start(ctx) };
}
