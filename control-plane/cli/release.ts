// `meshguard release IDENTITY`: ends a quarantine on every replica (through Redis, or through one
// replica's admin port with --admin when there is no Redis).
import { RedisKeys } from '../state/keys.js';
import { releaseInRedis } from '../state/quarantine.js';
import { connectRedis, DEFAULT_REDIS_URL, describeRedisUrl, isCluster } from '../state/redis.js';
import { InputError, UsageError } from './args.js';
import { REDIS_PREFIX_FLAG, REDIS_URL_HELP, redisPrefixFlag, redisUrlFlag } from './redis-url.js';
import type { CommandSpec } from './spec.js';

export const ADMIN_TOKEN_ENV = 'MESHGUARD_ADMIN_TOKEN';

async function viaAdmin(admin: string, identity: string, token: string | undefined): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(`/quarantine/release?identity=${encodeURIComponent(identity)}`, admin);
  } catch {
    throw new UsageError(`--admin ${admin}: not a URL (expected http://HOST:PORT)`);
  }
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new InputError(`--admin ${admin}: unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
  const body = (await res.text()).trim();
  if (res.status === 401 || res.status === 403) throw new InputError(`--admin ${admin} answered ${res.status}: ${body} (pass the token serve was started with in ${ADMIN_TOKEN_ENV})`);
  if (!res.ok) throw new InputError(`--admin ${admin} answered ${res.status}: ${body}`);
  return (JSON.parse(body) as { released: boolean }).released;
}

async function viaRedis(url: string, prefix: string, identity: string): Promise<boolean> {
  const redis = connectRedis(url, 'meshguard-release');
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new InputError(`Redis ${describeRedisUrl(url)} unreachable: ${(err as Error).message}`);
  }
  try {
    return await releaseInRedis(redis, new RedisKeys(prefix, isCluster(redis)), identity);
  } finally {
    redis.disconnect();
  }
}

export const command: CommandSpec = {
  name: 'release',
  summary: 'end the quarantine of an identity on every replica',
  description: 'Ends the quarantine of an identity on every replica: through Redis (every replica hears it), or through one replica\'s admin port with --admin when serve runs without Redis.',
  positionals: [{ name: 'IDENTITY', help: 'the quarantined SPIFFE ID, spiffe://TRUST-DOMAIN/ns/NS/sa/SA' }],
  flags: [
    { name: 'redis', value: 'URL', help: `the Redis serve uses: ${REDIS_URL_HELP} (default: REDIS_URL, else ${DEFAULT_REDIS_URL})` },
    { ...REDIS_PREFIX_FLAG, help: 'the --redis-prefix serve uses' },
    { name: 'admin', value: 'URL', help: `a replica's admin address (http://127.0.0.1:9901); serve must have been started with an admin token, which this command reads from ${ADMIN_TOKEN_ENV}` },
  ],
  async run(args) {
    const identity = args.positionals[0]!;
    if (!identity.startsWith('spiffe://')) throw new UsageError(`IDENTITY must be a SPIFFE ID (spiffe://...), not "${identity}"`);
    const admin = args.string('admin');
    if (admin !== undefined && args.string('redis') !== undefined) throw new UsageError('--redis and --admin exclude each other');
    const prefix = redisPrefixFlag(args);
    const released = admin !== undefined
      ? await viaAdmin(admin, identity, process.env[ADMIN_TOKEN_ENV] || undefined)
      : await viaRedis(args.string('redis') !== undefined ? redisUrlFlag(args.need('redis'), '--redis') : redisUrlFlag(process.env.REDIS_URL || DEFAULT_REDIS_URL, 'REDIS_URL'), prefix, identity);
    process.stdout.write(released ? `released ${identity}\n` : `${identity} was not quarantined\n`);
    return 0;
  },
};
