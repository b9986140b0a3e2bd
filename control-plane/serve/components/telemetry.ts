// Telemetry and learning in `meshguard serve`: ext_authz decisions and the filters' observations
// (POST /telemetry on the admin port) become records; with Redis they go through the stream to
// the consumer group, and the shared statistics become a model that one replica at a time builds
// and every replica loads (GET /anomaly/model shows it). Without Redis it all happens in process.
import type { IncomingMessage } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { sendJson, type AdminHandler } from '../admin/server.js';
import { isAnomalyModel } from '../../anomaly/model.js';
import type { Component, ServeContext } from '../component.js';
import type { RuntimeOverlay } from '../overlay.js';
import type { StateComponent } from './state.js';
import { OnlineLearner } from '../../telemetry/learner.js';
import type { DecisionEvent } from '../decision-bus.js';
import { recordOfDecision, recordOfObservation, type TelemetryRecord } from '../../telemetry/records.js';
import { MemoryStatsStore, RedisStatsStore } from '../../telemetry/stats-store.js';
import { appendRecords, StreamConsumer } from '../../telemetry/stream.js';
import type { RedisKeys } from '../../state/keys.js';
import { duplicateRedis, type RedisClient } from '../../state/redis.js';

/** Redis keys of one mesh (policy name) under the deployment's prefix, so that several meshes can share a Redis. */
export function telemetryKeys(keys: RedisKeys, policyName: string) {
  const prefix = keys.telemetry(policyName);
  return { prefix, stream: `${prefix}stream`, model: `${prefix}model`, channel: `${prefix}model:updated`, lock: `${prefix}learn:lock` };
}
const FLUSH_MS = 500;
const BUILD_MS = 2000;
/** Records this process turns into telemetry per second at most: plenty to learn from, bounded cost. */
const MAX_RECORDS_PER_SECOND = 500;
const FORCED_BUILD_EVERY = 5;
const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body over 4 MiB'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function loadModel(redis: RedisClient, key: string, overlay: RuntimeOverlay): Promise<void> {
  const raw = await redis.get(key);
  if (!raw) return;
  const model = JSON.parse(raw) as unknown;
  if (isAnomalyModel(model)) overlay.setModel(model);
}

/** POST /telemetry: the filters' observations, one JSON object per line; bad lines are reported. */
function telemetryEndpoint(submit: (records: TelemetryRecord[], source: string) => void): AdminHandler {
  return async (req, res) => {
    const now = Date.now();
    const records: TelemetryRecord[] = [];
    const rejected: string[] = [];
    (await readBody(req)).split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try { parsed = JSON.parse(line); } catch { rejected.push(`line ${i + 1}: invalid JSON`); return; }
      const r = recordOfObservation(parsed, now);
      if (typeof r === 'string') rejected.push(`line ${i + 1}: ${r}`);
      else records.push(r);
    });
    submit(records, 'filter');
    sendJson(res, rejected.length > 0 && records.length === 0 ? 400 : 200, { accepted: records.length, rejected });
  };
}

/** One build round: with Redis only the replica holding the lock builds, stores and announces the model. */
async function buildRound(learner: OnlineLearner, overlay: RuntimeOverlay, redis: RedisClient | null, keys: ReturnType<typeof telemetryKeys>, owner: string, force: boolean): Promise<void> {
  if (!redis || redis.status !== 'ready') {
    const model = await learner.build();
    if (model) overlay.setModel(model);
    return;
  }
  if ((await redis.set(keys.lock, owner, 'PX', BUILD_MS * 2, 'NX')) !== 'OK') return;
  try {
    const model = await learner.build(force);
    if (model && model.version !== overlay.current.model?.version) {
      await redis.set(keys.model, JSON.stringify(model));
      await redis.publish(keys.channel, model.version);
      overlay.setModel(model);
    }
  } finally {
    await redis.del(keys.lock);
  }
}

/** Records of ext_authz decisions, at most MAX_RECORDS_PER_SECOND, none while anomaly scoring is off. */
function decisionRecorder(ctx: ServeContext, submit: (records: TelemetryRecord[], source: string) => void): (e: DecisionEvent) => void {
  let second = 0;
  let inSecond = 0;
  return ({ input, result, at }) => {
    if (ctx.policies.current.anomaly.mode === 'off') return;
    const now = Math.floor(at / 1000);
    if (now !== second) { second = now; inSecond = 0; }
    if (++inSecond > MAX_RECORDS_PER_SECOND) return;
    const r = recordOfDecision(input, result, at);
    if (r) submit([r], 'authz');
  };
}

export function telemetryComponent(state: StateComponent): Component {
  return {
    name: 'telemetry',
    async start(ctx: ServeContext) {
      const registers = [ctx.metrics.registry];
      const recorded = new Counter({ name: 'meshguard_telemetry_records_total', help: 'Telemetry records by source', labelNames: ['source'] as const, registers });
      const modelRoutes = new Gauge({ name: 'meshguard_anomaly_model_routes', help: 'Routes in the anomaly model in force, by mode', labelNames: ['mode'] as const, registers });
      const redis = state.redis();
      const keys = telemetryKeys(state.keys(), ctx.policies.current.name);
      const settings = () => ({ learning: ctx.policies.current.anomaly.learning, threshold: ctx.policies.current.anomaly.threshold });
      const learner = new OnlineLearner(redis ? new RedisStatsStore(redis, keys.prefix) : new MemoryStatsStore(), settings, () => ctx.overlay.current.model);
      let shown: string | null = null;
      const unsubscribe = ctx.overlay.subscribe(({ model }) => {
        if (!model || model.version === shown) return;
        shown = model.version;
        modelRoutes.reset();
        for (const r of Object.values(model.routes)) modelRoutes.labels(r.mode).inc();
        ctx.logger.info({ event: 'anomaly_model', version: model.version, routes: Object.keys(model.routes).length }, 'anomaly model loaded');
      });

      let queue: TelemetryRecord[] = [];
      const submit = (records: TelemetryRecord[], source: string) => {
        recorded.labels(source).inc(records.length);
        if (redis?.status === 'ready') queue.push(...records);
        else for (const r of records) learner.observe(r);
      };
      const onDecision = decisionRecorder(ctx, submit);
      ctx.decisions.on('decision', onDecision);
      ctx.admin.ingest('/telemetry', telemetryEndpoint(submit));
      ctx.admin.get('/anomaly/model', (_req, res) => {
        const m = ctx.overlay.current.model;
        sendJson(res, 200, m ? { version: m.version, routes: Object.fromEntries(Object.entries(m.routes).map(([k, r]) => [k, { count: r.count, mode: r.mode }])) } : { version: null, routes: {} });
      });

      // XREADGROUP blocks for a second: the reader needs a longer command timeout than the shared connection.
      const reader = redis ? duplicateRedis(redis, { commandTimeout: 5000 }) : null;
      const subscriber = redis ? duplicateRedis(redis) : null;
      const consumer = reader ? new StreamConsumer(reader, keys.stream, (records) => records.forEach((r) => learner.observe(r)), (err) => ctx.logger.warn({ event: 'telemetry_stream', error: err.message }, 'telemetry stream read failed')) : null;
      if (reader && subscriber && redis) {
        reader.on('error', () => undefined);
        subscriber.on('error', () => undefined);
        subscriber.on('message', () => void loadModel(redis, keys.model, ctx.overlay).catch(() => undefined));
        await Promise.all([reader.connect(), subscriber.connect()]).catch(() => undefined);
        await subscriber.subscribe(keys.channel).catch(() => undefined);
        await consumer!.start().catch((err: Error) => ctx.logger.warn({ event: 'telemetry_stream', error: err.message }, 'telemetry stream unavailable'));
        await loadModel(redis, keys.model, ctx.overlay).catch(() => undefined);
      }

      const flush = setInterval(() => {
        const batch = queue;
        queue = [];
        if (batch.length > 0 && redis) void appendRecords(redis, keys.stream, batch).catch(() => batch.forEach((r) => learner.observe(r)));
        void learner.flush().catch(() => undefined);
      }, FLUSH_MS);
      let ticks = 0;
      // Other replicas' statistics and time-based promotions count too: now and then rebuild regardless.
      const build = setInterval(() => void buildRound(learner, ctx.overlay, redis, keys, consumer?.name ?? 'local', ++ticks % FORCED_BUILD_EVERY === 0)
        .catch((err: Error) => ctx.logger.warn({ event: 'anomaly_build', error: err.message }, 'anomaly model build failed')), BUILD_MS);
      ctx.status.set('telemetry', () => ({ learned: learner.observed, model: ctx.overlay.current.model?.version ?? null, stream: redis ? 'redis' : 'in-process' }));
      return {
        async close() {
          clearInterval(flush);
          clearInterval(build);
          ctx.decisions.off('decision', onDecision);
          unsubscribe();
          consumer?.stop();
          reader?.disconnect();
          subscriber?.disconnect();
        },
      };
    },
  };
}
