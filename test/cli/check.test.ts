import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_POLICY, jsonLines, runMeshguard } from '../helpers/cli.js';

const frontend = 'spiffe://cluster.local/ns/shop/sa/frontend';

function request(opts: { principal?: string; path: string; method?: string; workload?: string; snake?: boolean }): string {
  const attributes = opts.snake
    ? {
        source: { principal: opts.principal ?? '', address: { socket_address: { address: '10.1.0.12', port_value: 5000 } } },
        destination: { address: { socket_address: { address: '10.1.0.20', port_value: '8080' } } },
        request: { http: { method: opts.method ?? 'GET', path: opts.path, headers: {} } },
        context_extensions: { 'meshguard.io/workload': opts.workload ?? 'shop/api' },
      }
    : {
        source: { principal: opts.principal ?? '', address: { socketAddress: { address: '10.1.0.12', portValue: 5000 } } },
        destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
        request: { http: { method: opts.method ?? 'GET', path: opts.path, headers: {} } },
        contextExtensions: { 'meshguard.io/workload': opts.workload ?? 'shop/api' },
      };
  return JSON.stringify({ attributes });
}

describe('meshguard check', () => {
  it('prints one verdict per request, in input order, with exactly the contract fields', async () => {
    const input = [
      request({ principal: frontend, path: '/api/items' }),
      request({ principal: frontend, path: '/admin' }),
      request({ principal: frontend, path: '/api/%2fetc' }),
      request({ path: '/api/items' }),
    ].join('\n');
    const r = await runMeshguard(['check', '--policy', EXAMPLE_POLICY], input);
    expect(r.code).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => Object.keys(o))).toEqual(Array(4).fill(['decision', 'status', 'rule', 'reason']));
    expect(out.map((o) => [o.decision, o.status, o.rule])).toEqual([
      ['allow', 200, 'web-to-api'], ['deny', 403, null], ['deny', 400, null], ['deny', 403, null],
    ]);
  });

  it('accepts original proto field names as well as lowerCamelCase', async () => {
    const r = await runMeshguard(['check', '--policy', EXAMPLE_POLICY], request({ principal: frontend, path: '/api/x', snake: true }) + '\n');
    expect(jsonLines(r.stdout)[0]).toMatchObject({ decision: 'allow', status: 200, rule: 'web-to-api' });
  });

  it('reports a bad line, decides the rest, and exits 2', async () => {
    const input = [
      request({ principal: frontend, path: '/api/a' }),
      '{"attributes": ',
      JSON.stringify({ attributes: { request: { http: { headers: { ':path': 7 } } } } }),
      '[1,2]',
      JSON.stringify({ attributes: { destination: { address: { socketAddress: { portValue: 'eighty' } } } } }),
      request({ principal: frontend, path: '/api/b' }),
    ].join('\n');
    const r = await runMeshguard(['check', '--policy', EXAMPLE_POLICY, '--requests', '-'], input);
    expect(r.code).toBe(2);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(6);
    expect(out[0]).toMatchObject({ decision: 'allow' });
    expect(out[1]!.error).toMatch(/^line 2: invalid JSON/);
    expect(out[2]!.error).toMatch(/^line 3: attributes\.request\.http\.headers\.:path: must be a string/);
    expect(out[3]!.error).toMatch(/^line 4: .*must be a JSON object/);
    expect(out[4]!.error).toMatch(/^line 5: .*portValue/);
    expect(out[5]).toMatchObject({ decision: 'allow' });
  });

  it('reads requests from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-check-'));
    const file = join(dir, 'r.jsonl');
    writeFileSync(file, request({ principal: frontend, path: '/healthz' }) + '\n\n');
    const r = await runMeshguard(['check', '--policy', EXAMPLE_POLICY, '--requests', file]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ decision: 'allow', status: 200, rule: 'web-to-api', reason: 'allowed by segment web-to-api' }]);
  });

  it('rate-limits within one run (in-process buckets)', async () => {
    const input = Array.from({ length: 105 }, () => request({ principal: frontend, path: '/api/x' })).join('\n');
    const out = jsonLines((await runMeshguard(['check', '--policy', EXAMPLE_POLICY], input)).stdout);
    const limited = out.filter((o) => o.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(out.slice(0, 100).every((o) => o.status === 200)).toBe(true);
  });

  it('refuses an invalid policy with exit 1 and positioned errors on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-check-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'apiVersion: meshguard.io/v1alpha1\nkind: MeshPolicy\nmetadata: { name: x }\nspec:\n  defaults: { inbound: perhaps }\n');
    const r = await runMeshguard(['check', '--policy', file], request({ path: '/' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:5:24:`);
  });

  it('is a usage error (exit 2) without --policy', async () => {
    const r = await runMeshguard(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--policy is required/);
  });
});

describe('meshguard validate', () => {
  it('accepts the example policy', async () => {
    const r = await runMeshguard(['validate', EXAMPLE_POLICY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(4 workloads, 4 segments, 1 egress rules, 0 warnings\)/);
  });

  it('prints FILE:LINE:COL for every error and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-validate-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, [
      'apiVersion: meshguard.io/v1alpha1', 'kind: MeshPolicy', 'metadata: { name: x }', 'spec:',
      '  blocklist: { cidrs: ["1.2.3.0/40"] }',
      '  segments:',
      '    - { name: s, to: {}, from: [{ principals: [bogus] }], rateLimit: { requestsPerSecond: -1 } }',
    ].join('\n'));
    const r = await runMeshguard(['validate', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${file}:5:24: .*prefix length`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${file}:7:48: .*bogus`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${file}:7:91: .*greater than 0`)));
  });

  it('reports a missing file as an I/O error (exit 2), not a crash', async () => {
    const r = await runMeshguard(['validate', '/nonexistent/policy.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\/nonexistent\/policy\.yaml:1:1: cannot read policy: no such file/);
  });
});
