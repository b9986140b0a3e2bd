import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { QuarantineService } from '../../control-plane/state/quarantine.js';
import { compileYaml, id, input } from '../helpers/policy.js';

const policy = compileYaml(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: q }
spec:
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-api, to: { matchLabels: { app: api } }, from: [{ matchLabels: { app: web } }], rules: [{ paths: ["/ok"] }] }
  egress:
    - { name: web-out, from: { matchLabels: { app: web } }, hosts: ["example.com"] }
  response:
    quarantine: { denyRatio: 0.5, minRequests: 10, window: 10s, for: 1m }
`);

function setup() {
  let t = 1_000_000;
  const events: string[] = [];
  const q = new QuarantineService(null, () => policy.quarantine, { onQuarantined: (e) => events.push(`q:${e.identity}`), onReleased: (i, why) => events.push(`r:${i}:${why}`) }, () => t);
  const a = new Authorizer(policy, new LocalRateLimitStore(), () => t, q);
  return { q, a, events, advance: (ms: number) => { t += ms; } };
}

const web = id('shop', 'web');

describe('quarantine (in process)', () => {
  it('quarantines a source whose deny ratio crosses the line, then denies even what it may do', async () => {
    const { q, a, events } = setup();
    expect((a.check(input({ from: web, to: 'shop/api', path: '/ok' })) as { decision: string }).decision).toBe('allow');
    for (let i = 0; i < 12; i++) q.observe(web, i % 3 !== 0, false);
    await q.flush();
    expect(events).toEqual([`q:${web}`]);
    const inbound = a.check(input({ from: web, to: 'shop/api', path: '/ok' })) as { decision: string; status: number; reason: string; quarantined: boolean };
    expect([inbound.decision, inbound.status, inbound.quarantined]).toEqual(['deny', 403, true]);
    expect(inbound.reason).toMatch(/quarantined until .* \(8 of 12 requests denied/);
    const outbound = a.check(input({ to: 'shop/web', outbound: true, host: 'example.com' })) as { decision: string };
    expect(outbound.decision).toBe('deny');
  });

  it('needs minRequests before it judges', async () => {
    const { q, events } = setup();
    for (let i = 0; i < 9; i++) q.observe(web, true, false);
    await q.flush();
    expect(events).toEqual([]);
  });

  it('stays below the ratio without a quarantine', async () => {
    const { q, events } = setup();
    for (let i = 0; i < 40; i++) q.observe(web, i % 4 === 0, false);
    await q.flush();
    expect(events).toEqual([]);
  });

  it('expires after `for`, and can be released earlier', async () => {
    const { q, events, advance } = setup();
    for (let i = 0; i < 10; i++) q.observe(web, true, false);
    await q.flush();
    advance(61_000);
    await q.refresh();
    expect(events).toEqual([`q:${web}`, `r:${web}:expired`]);
    for (let i = 0; i < 10; i++) q.observe(web, true, false);
    await q.flush();
    expect(q.list().map((e) => e.identity)).toEqual([web]);
    await q.release(web);
    expect(q.list()).toEqual([]);
  });

  it('ignores sources without an identity', async () => {
    const { q, events } = setup();
    for (let i = 0; i < 50; i++) q.observe('', true, false);
    await q.flush();
    expect(events).toEqual([]);
  });
});
