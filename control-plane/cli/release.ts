// `meshguard release IDENTITY`: ends a quarantine on every replica (through Redis, or through one
// replica's admin port with --admin when there is no Redis).
import { QUARANTINE_CHANNEL, deleteCounters, entryKey } from '../state/quarantine.js';
import { connectRedis, DEFAULT_REDIS_URL, describeRedisUrl } from '../state/redis.js';
import { parse, UsageError } from './args.js';

async function viaAdmin(admin: string, identity: string): Promise<boolean> {
  const res = await fetch(new URL(`/quarantine/release?identity=${encodeURIComponent(identity)}`, admin), { method: 'POST' });
  if (!res.ok) throw new UsageError(`${admin} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { released: boolean }).released;
}

async function viaRedis(url: string, identity: string): Promise<boolean> {
  const redis = connectRedis(url, 'meshguard-release');
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    throw new UsageError(`Redis ${describeRedisUrl(url)} unreachable: ${(err as Error).message}`);
  }
  try {
    const removed = await redis.del(entryKey(identity));
    await deleteCounters(redis, identity);
    await redis.publish(QUARANTINE_CHANNEL, JSON.stringify({ type: 'release', identity }));
    return removed > 0;
  } finally {
    redis.disconnect();
  }
}

export async function releaseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { redis: { type: 'string' }, admin: { type: 'string' } }, true);
  if (positionals.length !== 1 || !positionals[0]!.startsWith('spiffe://')) throw new UsageError('usage: meshguard release spiffe://... [--redis URL | --admin URL]');
  const identity = positionals[0]!;
  const released = typeof values.admin === 'string'
    ? await viaAdmin(values.admin, identity)
    : await viaRedis(typeof values.redis === 'string' ? values.redis : process.env.REDIS_URL ?? DEFAULT_REDIS_URL, identity);
  process.stdout.write(released ? `released ${identity}\n` : `${identity} was not quarantined\n`);
  return 0;
}
