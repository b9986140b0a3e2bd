import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Authorizer, type AuthzResult } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { compileYaml, id, input } from '../helpers/policy.js';

const engineYaml = readFileSync(new URL('../fixtures/policies/engine.yaml', import.meta.url), 'utf8');
const web = id('shop', 'web');

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function sync(r: AuthzResult | Promise<AuthzResult>): AuthzResult {
  if (r instanceof Promise) throw new Error('the local store must decide synchronously');
  return r;
}

describe('rate limits per (segment, source identity)', () => {
  const ok = input({ from: web, to: 'shop/api', path: '/api/items' });

  it('allows the burst, then answers 429 with a retry-after', () => {
    const c = clock();
    const a = new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore(), c.now);
    expect(sync(a.check(ok)).status).toBe(200);
    expect(sync(a.check(ok)).status).toBe(200);
    const third = sync(a.check(ok));
    expect([third.decision, third.status, third.rule]).toEqual(['deny', 429, 'web-to-api']);
    expect(third.retryAfterSeconds).toBe(1);
  });

  it('refills at requestsPerSecond', () => {
    const c = clock();
    const a = new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore(), c.now);
    for (let i = 0; i < 2; i++) sync(a.check(ok));
    expect(sync(a.check(ok)).status).toBe(429);
    c.advance(1000);
    expect(sync(a.check(ok)).status).toBe(200);
    expect(sync(a.check(ok)).status).toBe(429);
  });

  it('keeps one bucket per source identity', () => {
    const c = clock();
    const a = new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore(), c.now);
    for (let i = 0; i < 3; i++) sync(a.check(ok));
    const other = input({ from: id('ops', 'prober'), to: 'shop/api', path: '/healthz' });
    expect(sync(a.check(other)).status).toBe(200);
  });

  it('does not spend tokens on denied requests', () => {
    const c = clock();
    const a = new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore(), c.now);
    for (let i = 0; i < 5; i++) expect(sync(a.check(input({ from: web, to: 'shop/api', path: '/admin' }))).status).toBe(403);
    expect(sync(a.check(ok)).status).toBe(200);
  });

  it('a segment without a rate limit is never 429', () => {
    const a = new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore(), clock().now);
    for (let i = 0; i < 50; i++) expect(sync(a.check(input({ from: web, to: 'shop/legacy', path: '/' }))).status).toBe(200);
  });

  it('keeps memory bounded when buckets go idle', () => {
    const store = new LocalRateLimitStore(100);
    const spec = { requestsPerSecond: 10, burst: 10 };
    for (let i = 0; i < 1000; i++) store.take(`k${i}`, spec, 1000 + i * 1000);
    expect(store.size).toBeLessThanOrEqual(100);
  });
});

describe('anomaly scoring (step 9)', () => {
  const enforcing = engineYaml.replace('  blocklist:', '  anomaly: { mode: enforce, threshold: 10 }\n  blocklist:');
  const monitoring = engineYaml.replace('  blocklist:', '  anomaly: { mode: monitor, threshold: 10 }\n  blocklist:');
  const attack = input({ from: web, to: 'shop/legacy', path: "/search?q=1' UNION SELECT password FROM users--" });
  const benign = input({ from: web, to: 'shop/legacy', path: '/search?q=red+shoes&page=2', headers: { 'user-agent': 'Mozilla/5.0' } });

  it('enforce denies an allowed request whose score reaches the threshold', () => {
    const r = sync(new Authorizer(compileYaml(enforcing), new LocalRateLimitStore()).check(attack));
    expect([r.decision, r.status]).toEqual(['deny', 403]);
    expect(r.anomaly?.hits).toContain('sqli:union@q:q');
  });

  it('monitor scores but does not deny', () => {
    const r = sync(new Authorizer(compileYaml(monitoring), new LocalRateLimitStore()).check(attack));
    expect([r.decision, r.status]).toEqual(['allow', 200]);
    expect(r.anomaly!.score).toBeGreaterThanOrEqual(10);
  });

  it('benign traffic scores below the threshold', () => {
    const r = sync(new Authorizer(compileYaml(enforcing), new LocalRateLimitStore()).check(benign));
    expect(r.decision).toBe('allow');
    expect(r.anomaly!.score).toBeLessThan(10);
  });

  it('off does not score at all', () => {
    expect(sync(new Authorizer(compileYaml(engineYaml), new LocalRateLimitStore()).check(attack)).anomaly).toBeNull();
  });

  it('a rate-limited request is 429 before it is scored', () => {
    const a = new Authorizer(compileYaml(enforcing), new LocalRateLimitStore(), clock().now);
    const hot = input({ from: web, to: 'shop/api', path: '/api/x?q=<script>alert(1)</script>' });
    expect(sync(a.check(hot)).status).toBe(403);
    const limited = input({ from: web, to: 'shop/api', path: '/api/x' });
    sync(a.check(limited));
    sync(a.check(limited));
    expect(sync(a.check(hot)).status).toBe(429);
  });
});
