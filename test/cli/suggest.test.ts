import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runMeshguard } from '../helpers/cli.js';

const web = 'spiffe://cluster.local/ns/shop/sa/web';
const ops = 'spiffe://cluster.local/ns/ops/sa/prober';

function req(o: { from?: string; to: string; method?: string; path?: string; host?: string; outbound?: boolean; port?: number; scheme?: string }): string {
  return JSON.stringify({
    attributes: {
      source: { principal: o.from ?? '' },
      destination: o.port ? { address: { socketAddress: { address: '10.0.0.9', portValue: o.port } } } : {},
      request: { http: { method: o.method ?? 'GET', path: o.path ?? '/', host: o.host ?? '', scheme: o.scheme ?? '' } },
      contextExtensions: { 'meshguard.io/workload': o.to, ...(o.outbound ? { 'meshguard.io/direction': 'outbound' } : {}) },
    },
  });
}

describe('meshguard suggest', () => {
  const observed = [
    req({ from: web, to: 'shop/api', path: '/api/items?page=1', port: 8080 }),
    req({ from: web, to: 'shop/api', path: '/api/items/42', port: 8080 }),
    req({ from: web, to: 'shop/api', method: 'POST', path: '/api/orders', port: 8080 }),
    req({ from: ops, to: 'shop/api', path: '/healthz', port: 8080 }),
    req({ from: web, to: 'shop/api', path: '/api/%2e%2e%2fadmin', port: 8080 }),
    req({ to: 'shop/payments', outbound: true, host: 'api.stripe.com', scheme: 'https' }),
  ];

  it('prints a policy that validate accepts and that allows exactly what was observed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-suggest-'));
    const flows = join(dir, 'flows.jsonl');
    writeFileSync(flows, observed.join('\n') + '\n');
    const r = await runMeshguard(['suggest', '--flows', flows]);
    expect(r.code).toBe(0);
    const policy = join(dir, 'suggested.yaml');
    writeFileSync(policy, r.stdout);
    const validated = await runMeshguard(['validate', policy]);
    expect(validated.code, validated.stdout).toBe(0);

    const allowedBefore = observed.filter((_, i) => i !== 4);
    const checked = jsonLines((await runMeshguard(['check', '--policy', policy], allowedBefore.join('\n'))).stdout);
    expect(checked.map((c) => c.decision)).toEqual(Array(allowedBefore.length).fill('allow'));

    const unobserved = [
      req({ from: web, to: 'shop/api', method: 'DELETE', path: '/api/items/42', port: 8080 }),
      req({ from: web, to: 'shop/api', path: '/admin', port: 8080 }),
      req({ from: ops, to: 'shop/api', path: '/api/items', port: 8080 }),
      req({ from: web, to: 'shop/api', path: '/api/items', port: 9090 }),
      req({ to: 'shop/payments', outbound: true, host: 'evil.example', scheme: 'https' }),
      req({ to: 'shop/payments', outbound: true, host: 'api.stripe.com:8443' }),
    ];
    const denied = jsonLines((await runMeshguard(['check', '--policy', policy], unobserved.join('\n'))).stdout);
    expect(denied.map((c) => c.decision)).toEqual(Array(unobserved.length).fill('deny'));
  });

  it('uses the inventory of an existing policy for labels and service accounts', async () => {
    const r = await runMeshguard(['suggest', '--policy', new URL('../../examples/shop.yaml', import.meta.url).pathname],
      req({ from: 'spiffe://cluster.local/ns/shop/sa/frontend', to: 'shop/api', path: '/api/x' }) + '\n');
    expect(r.stdout).toMatch(/matchLabels:\n\s+app: api\n\s+tier: api/);
    expect(r.stdout).toMatch(/meshDomains:\n\s+- svc.cluster.local/);
  });
});
