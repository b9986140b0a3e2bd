// The telemetry stream in Redis: producers append records (capped length); a consumer group
// spreads them over the replicas, each learning its share into the shared statistics.
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';

/** One Redis (direct or through Sentinel) or a Cluster: every command here touches one key. */
type RedisClient = Redis | Cluster;
import type { TelemetryRecord } from './records.js';

export const GROUP = 'meshguard-learners';
const MAX_LENGTH = 100_000;

export function appendRecords(redis: RedisClient, stream: string, records: readonly TelemetryRecord[]): Promise<unknown> {
  return Promise.all(records.map((r) => redis.xadd(stream, 'MAXLEN', '~', MAX_LENGTH, '*', 'r', JSON.stringify(r))));
}

type Entries = [id: string, fields: string[]][];

/** Reads the group's records until stopped; `onRecords` runs before the batch is acknowledged. */
export class StreamConsumer {
  private running = false;
  readonly name = `${hostname()}-${process.pid}`;

  constructor(private readonly redis: RedisClient, private readonly stream: string, private readonly onRecords: (records: TelemetryRecord[]) => void, private readonly onError: (err: Error) => void) {}

  async start(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.stream, GROUP, '$', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
  }

  private async loop(): Promise<void> {
    let claimFrom = '0-0';
    let lastClaim = 0;
    while (this.running) {
      try {
        if (Date.now() - lastClaim > 30_000) {
          // Records a dead replica read but never acknowledged.
          const claimed = (await this.redis.xautoclaim(this.stream, GROUP, this.name, 60_000, claimFrom, 'COUNT', 500)) as [string, Entries];
          claimFrom = claimed[0];
          lastClaim = Date.now();
          await this.handle(claimed[1]);
        }
        const read = (await this.redis.xreadgroup('GROUP', GROUP, this.name, 'COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.stream, '>')) as [string, Entries][] | null;
        if (read) await this.handle(read[0]![1]);
      } catch (err) {
        if (!this.running) return;
        this.onError(err as Error);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async handle(entries: Entries): Promise<void> {
    if (entries.length === 0) return;
    const records: TelemetryRecord[] = [];
    for (const [, fields] of entries) {
      const at = fields.indexOf('r');
      if (at === -1) continue;
      try {
        records.push(JSON.parse(fields[at + 1]!) as TelemetryRecord);
      } catch {
        // A malformed record teaches nothing; it is acknowledged and dropped.
      }
    }
    this.onRecords(records);
    await this.redis.xack(this.stream, GROUP, ...entries.map(([id]) => id));
  }
}
