// Quarantine in `meshguard serve`: counts ext_authz decisions per source identity, shares the
// verdicts through Redis (pub/sub for immediacy, a periodic re-read for safety), shows them on
// the admin port (GET /quarantine, POST /quarantine/release?identity=...), and guards the authorizer.
import { Counter, Gauge } from 'prom-client';
import type { QuarantineEntry, QuarantineGuard } from '../../authorizer/quarantine-guard.js';
import { sendJson } from '../admin/server.js';
import type { Component, ServeContext } from '../component.js';
import type { DecisionEvent } from '../decision-bus.js';
import type { StateComponent } from './state.js';
import { QuarantineService } from '../../state/quarantine.js';
import { duplicateRedis } from '../../state/redis.js';

export interface QuarantineComponent extends Component {
  readonly guard: QuarantineGuard;
  /** The service once started (for the xDS filter configs and tests). */
  service(): QuarantineService | null;
}

const FLUSH_MS = 200;
const REFRESH_MS = 1000;

function wire(ctx: ServeContext, service: QuarantineService): () => void {
  const onDecision = ({ result }: DecisionEvent) => {
    if (result.quarantined || result.direction !== 'inbound') return;
    const denied = result.decision === 'deny' && result.status !== 429;
    const threshold = ctx.policies.current.anomaly.threshold;
    service.observe(result.source, denied, result.anomaly !== null && result.anomaly.score >= threshold);
  };
  ctx.decisions.on('decision', onDecision);
  return () => ctx.decisions.off('decision', onDecision);
}

export function quarantineComponent(state: StateComponent): QuarantineComponent {
  let service: QuarantineService | null = null;
  return {
    name: 'quarantine',
    guard: { quarantined: (identity, now) => service?.quarantined(identity, now) ?? null },
    service: () => service,
    async start(ctx: ServeContext) {
      const registers = [ctx.metrics.registry];
      const active = new Gauge({ name: 'meshguard_quarantined_identities', help: 'Source identities quarantined now', registers });
      const total = new Counter({ name: 'meshguard_quarantines_total', help: 'Quarantines started (seen by this replica)', registers });
      const redis = state.redis();
      const keys = state.keys();
      const s = new QuarantineService(redis, () => ctx.policies.current.quarantine, {
        onQuarantined(entry: QuarantineEntry) {
          total.inc();
          active.set(s.list().length);
          ctx.overlay.setQuarantined(s.list().map((e) => e.identity));
          ctx.logger.warn({ event: 'quarantined', ...entry, since: new Date(entry.since).toISOString(), until: new Date(entry.until).toISOString() }, `quarantined ${entry.identity}`);
        },
        onReleased(identity, why) {
          active.set(s.list().length);
          ctx.overlay.setQuarantined(s.list().map((e) => e.identity));
          ctx.logger.info({ event: 'quarantine_released', identity, why }, `released ${identity}`);
        },
      }, Date.now, keys);
      service = s;
      const unwire = wire(ctx, s);
      const subscriber = redis ? duplicateRedis(redis) : null;
      if (subscriber) {
        subscriber.on('error', () => undefined);
        subscriber.on('message', (_channel: string, message: string) => {
          const m = JSON.parse(message) as { type: string; entry?: QuarantineEntry; identity?: string };
          if (m.type === 'quarantine' && m.entry) s.apply(m.entry);
          if (m.type === 'release' && m.identity) s.forget(m.identity, 'released');
        });
        await subscriber.connect().then(() => subscriber.subscribe(keys.quarantineChannel)).catch(() => undefined);
      }
      const flush = setInterval(() => void s.flush().catch(() => undefined), FLUSH_MS);
      const refresh = setInterval(() => void s.refresh().catch(() => undefined), REFRESH_MS);
      ctx.admin.get('/quarantine', (_req, res) => sendJson(res, 200, s.list().map((e) => ({ ...e, since: new Date(e.since).toISOString(), until: new Date(e.until).toISOString() }))));
      ctx.admin.post('/quarantine/release', async (_req, res, url) => {
        const identity = url.searchParams.get('identity') ?? '';
        if (identity === '') return sendJson(res, 400, { error: 'identity is required' });
        sendJson(res, 200, { identity, released: await s.release(identity) });
      });
      ctx.status.set('quarantine', () => ({ enabled: ctx.policies.current.quarantine !== null, identities: s.list().map((e) => e.identity) }));
      return {
        async close() {
          clearInterval(flush);
          clearInterval(refresh);
          unwire();
          subscriber?.disconnect();
        },
      };
    },
  };
}
