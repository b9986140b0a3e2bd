// Redis URLs (one server, Sentinel, Cluster) and the key names under --redis-prefix: what each URL
// connects to, what is wrong with a malformed one, and that the default prefix keeps the key
// names meshguard has always used.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_PREFIX, RedisKeys, redisPrefixProblem } from '../../control-plane/state/keys.js';
import { parseRedisUrl, redactRedisUrl } from '../../control-plane/state/redis-url.js';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', { kind: 'single', url: 'redis://127.0.0.1:6379' }],
    ['rediss://u:p@redis.example:6380/2', { kind: 'single', url: 'rediss://u:p@redis.example:6380/2' }],
    ['redis+sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-3/mymaster', { kind: 'sentinel', master: 'mymaster', db: 0, sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }, { host: 'sentinel-3', port: 26379 }] }],
    ['redis+sentinel://:s3cr%40t@[::1]:26379/prod.cache_1?db=3', { kind: 'sentinel', master: 'prod.cache_1', db: 3, password: 's3cr@t', sentinels: [{ host: '::1', port: 26379 }] }],
    ['redis+cluster://meshguard:pw@node-a:7000,node-b:7001,node-c', { kind: 'cluster', username: 'meshguard', password: 'pw', nodes: [{ host: 'node-a', port: 7000 }, { host: 'node-b', port: 7001 }, { host: 'node-c', port: 6379 }] }],
    ['redis+cluster://127.0.0.1:7000/', { kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 7000 }] }],
  ])('%s', (url, target) => {
    expect(parseRedisUrl(url)).toEqual({ ok: true, target });
  });

  it.each([
    ['foo', /^not a URL; expected one of redis:\/\/HOST:PORT/],
    ['http://127.0.0.1:6379', /^unsupported scheme http:\/\//],
    ['redis://127.0.0.1:6379/cache', /^the path \/cache is not a database number/],
    ['redis+sentinel://a:26379,b:26379', /^no master name \(expected redis\+sentinel:\/\/HOST:PORT/],
    ['redis+sentinel://a:26379/my master', /^the master name "my master" may hold only/],
    ['redis+sentinel://a:26379,b:x/mymaster', /^host 2 "b:x": the port must be 1-65535$/],
    ['redis+sentinel://a:26379,,b/mymaster', /^host 2 "": no host name$/],
    ['redis+sentinel://a:26379/mymaster?db=two', /^\?db=two is not a database number$/],
    ['redis+sentinel://a:26379/mymaster?password=x', /^unknown parameter \?password= \(only \?db=N\)$/],
    ['redis+cluster://', /^no host \(expected HOST:PORT/],
    ['redis+cluster://a:7000,b:70000', /^host 2 "b:70000": the port must be 1-65535$/],
    ['redis+cluster://a:7000/1', /^a Redis Cluster has only database 0, not the path \/1$/],
    ['redis+cluster://a:7000?db=0', /^unknown parameter \?db= \(a Cluster URL takes none\)$/],
    ['redis+cluster://[::1:7000', /^host 1 "\[::1:7000": expected HOST\[:PORT\]/],
    ['redis+cluster://bad_host!:7000', /^host 1 "bad_host!:7000": "bad_host!" is not a host name or address$/],
    ['rediss+cluster://a:7000', /^rediss\+cluster:\/\/ \(TLS to Sentinel or Cluster\) is not supported yet/],
  ])('%s is refused', (url, problem) => {
    const parsed = parseRedisUrl(url);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it('redacts the password of every form', () => {
    expect(redactRedisUrl('redis://u:secret@h:6379/0')).toBe('redis://u:***@h:6379/0');
    expect(redactRedisUrl('redis+sentinel://:secret@a:1,b:2/m')).toBe('redis+sentinel://:***@a:1,b:2/m');
    expect(redactRedisUrl('redis+cluster://a:7000,b:7001')).toBe('redis+cluster://a:7000,b:7001');
  });
});

describe('RedisKeys', () => {
  it('keeps the historical names under the default prefix', () => {
    const keys = new RedisKeys();
    expect(DEFAULT_REDIS_PREFIX).toBe('mg:');
    expect(keys.rateLimits('shop')).toBe('mg:rl:shop:');
    expect(keys.telemetry('shop')).toBe('mg:t:shop:');
    expect(keys.quarantineChannel).toBe('mg:q:events');
    expect(keys.quarantineEntry('spiffe://td/ns/a/sa/b')).toBe('mg:q:e:spiffe://td/ns/a/sa/b');
    expect(keys.quarantineCounter(7, 'spiffe://td/ns/a/sa/b')).toBe('mg:q:c:7:spiffe://td/ns/a/sa/b');
    expect(keys.quarantineEntries).toBe('mg:q:e:*');
  });

  it('puts everything under another prefix, and one identity\'s quarantine keys in one Cluster slot', () => {
    const keys = new RedisKeys('team-b:', true);
    expect(keys.rateLimits('shop')).toBe('team-b:rl:shop:');
    expect(keys.telemetry('shop')).toBe('team-b:t:shop:');
    expect(keys.quarantineChannel).toBe('team-b:q:events');
    expect(keys.quarantineEntry('spiffe://td/ns/a/sa/b')).toBe('team-b:q:e:{spiffe://td/ns/a/sa/b}');
    expect(keys.quarantineCounter(7, 'spiffe://td/ns/a/sa/b')).toBe('team-b:q:c:7:{spiffe://td/ns/a/sa/b}');
    // SCAN patterns match the prefix and the identity literally.
    expect(new RedisKeys('a*b:').quarantineCounters('x[1]')).toBe('a\\*b:q:c:*:x\\[1\\]');
  });

  it.each([
    ['', 'the prefix is empty'],
    ['has space:', 'the prefix may hold only printable ASCII without spaces'],
    ['{tag}:', 'the prefix may not hold { or }'],
    ['x'.repeat(65), 'the prefix is longer than 64 characters'],
  ])('refuses the prefix %j', (prefix, problem) => {
    expect(redisPrefixProblem(prefix)).toBe(problem);
  });
});
