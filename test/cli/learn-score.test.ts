import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anomalyCorpus, benign, type LabelledRequest } from '../../bench/anomaly/corpus.js';
import { jsonLines, runMeshguard } from '../helpers/cli.js';

function jsonl(set: LabelledRequest[]): string {
  return set.map((r) => JSON.stringify({ attributes: { request: { http: r.http }, contextExtensions: { 'meshguard.io/workload': r.workload } } })).join('\n') + '\n';
}

describe('meshguard learn / score', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-learn-'));
  const training = join(dir, 'benign.jsonl');
  const model = join(dir, 'model.json');
  writeFileSync(training, jsonl(benign(1500, 11, 'train')));

  it('learns a versioned model from benign CheckRequests', async () => {
    const r = await runMeshguard(['learn', '--requests', training, '--out', model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/learned 1500 requests over \d+ routes/);
    const m = JSON.parse(readFileSync(model, 'utf8')) as { kind: string; version: string; routes: Record<string, unknown> };
    expect(m.kind).toBe('meshguard.io/anomaly-model');
    expect(m.version).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(m.routes)).toContain('shop/orders POST /api/orders');
  });

  it('scores one line per request, attacks above benign, and keeps going past a bad line', async () => {
    const attacks = anomalyCorpus().dev.filter((r) => r.attack !== null).filter((_, i) => i % 100 === 0);
    const mixed = [...benign(3, 12, 'dev'), ...attacks];
    const input = jsonl(mixed).replace(/\n$/, '\n{not json}\n');
    const r = await runMeshguard(['score', '--model', model], input);
    expect(r.code).toBe(2);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(mixed.length + 1);
    const scores = out.slice(0, mixed.length).map((o) => o.score as number);
    const benignMax = Math.max(...scores.slice(0, 3));
    expect(Math.min(...scores.slice(3))).toBeGreaterThan(benignMax);
    expect(out[mixed.length]!.error).toMatch(/invalid JSON/);
  });

  it('scores with the detectors alone when no model is given', async () => {
    const r = await runMeshguard(['score'], JSON.stringify({ attributes: { request: { http: { method: 'GET', path: '/?q=<script>alert(1)</script>' } } } }) + '\n');
    expect(jsonLines(r.stdout)[0]).toEqual({ score: 10, hits: ['xss@q:q'] });
  });

  it('rejects a file that is not a model', async () => {
    const notModel = join(dir, 'not-a-model.json');
    writeFileSync(notModel, '{"kind": "something else"}');
    const r = await runMeshguard(['score', '--model', notModel], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a meshguard anomaly model/);
  });
});
