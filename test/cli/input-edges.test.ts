// Small input issues of the outside review (issue 12, items 10 and 11), in `check` and `replay`:
// a UTF-8 byte order mark on line 1 is accepted, an invalid base64 rawBody is a per-line error
// naming the field, and attacker input echoed in a reason is cut to MAX_ECHO.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ECHO } from '../../control-plane/canon/echo.js';
import { EXAMPLE_POLICY, jsonLines, runMeshguard } from '../helpers/cli.js';
import { ensureDist } from '../parity/dist.js';
import { builtFilter } from '../wasm/build.js';

const frontend = 'spiffe://cluster.local/ns/shop/sa/frontend';

function request(http: Record<string, unknown>, principal = frontend): string {
  return JSON.stringify({
    attributes: {
      source: { principal, address: { socketAddress: { address: '10.1.0.12', portValue: 5000 } } },
      destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } } },
      request: { http: { method: 'GET', path: '/api/items', ...http } },
      contextExtensions: { 'meshguard.io/workload': 'shop/api' },
    },
  });
}

let wasmDir: string;
beforeAll(async () => {
  await ensureDist();
  wasmDir = path.dirname((await builtFilter('identity')).file);
  await Promise.all(['anomaly', 'egress'].map((f) => builtFilter(f)));
}, 180_000);

const COMMANDS = [
  ['check', () => ['check', '--policy', EXAMPLE_POLICY]],
  ['replay', () => ['replay', '--policy', EXAMPLE_POLICY, '--workload', 'shop/api', '--wasm-dir', wasmDir]],
] as const;

describe.each(COMMANDS)('meshguard %s', (_, args) => {
  it('accepts a UTF-8 byte order mark before the first request', async () => {
    const r = await runMeshguard(args(), '\uFEFF' + request({}) + '\n' + request({}) + '\n');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((o) => [o.decision, o.status])).toEqual([['allow', 200], ['allow', 200]]);
  });

  it('accepts it in a requests file too', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mg-bom-')), 'requests.jsonl');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(request({}) + '\n')]));
    const r = await runMeshguard([...args(), '--requests', file]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ decision: 'allow', status: 200 })]);
  });

  it('reports an invalid base64 rawBody as an error of that line, naming the field', async () => {
    const lines = [request({ rawBody: 'PHNjcmlwdD4=' }), request({ rawBody: '!!not base64!!' }), request({ rawBody: 'abcde' }), request({ raw_body: 'YWJj=' }), request({})];
    const r = await runMeshguard(args(), lines.join('\n') + '\n');
    expect(r.code).toBe(2);
    const out = jsonLines(r.stdout);
    expect(out[0]).toMatchObject({ decision: 'allow', status: 200 });
    expect(out.slice(1, 4)).toEqual([2, 3, 4].map((n) => ({ error: `line ${n}: attributes.request.http.rawBody: must be base64 bytes` })));
    expect(out[4]).toMatchObject({ decision: 'allow' });
  });

  it('cuts a megabyte path to MAX_ECHO units in the reason and keeps the line short', async () => {
    const long = '/admin/' + 'x'.repeat(1 << 20);
    const r = await runMeshguard(args(), request({ path: long, headers: { ':path': long } }) + '\n');
    expect(r.code).toBe(0);
    const [out] = jsonLines(r.stdout);
    expect(out).toMatchObject({ decision: 'deny', status: 403 });
    expect(r.stdout.length).toBeLessThan(4 * MAX_ECHO);
  });
});

describe('meshguard check', () => {
  it('says how much of the path it cut', async () => {
    const long = '/admin/' + 'y'.repeat(5000);
    const [out] = jsonLines((await runMeshguard(['check', '--policy', EXAMPLE_POLICY], request({ path: long }) + '\n')).stdout);
    expect(out!.reason).toContain(`/admin/${'y'.repeat(MAX_ECHO - 7)}…(${long.length - MAX_ECHO} more)`);
  });

  it('cuts a client header name echoed in an error', async () => {
    const name = 'x-'.padEnd(100_000, 'h');
    const line = JSON.stringify({ attributes: { request: { http: { path: '/', headers: { [name]: 1 } } } } });
    const [out] = jsonLines((await runMeshguard(['check', '--policy', EXAMPLE_POLICY], line + '\n')).stdout);
    expect(String(out!.error).length).toBeLessThan(2 * MAX_ECHO);
    expect(out!.error).toMatch(/^line 1: attributes\.request\.http\.headers\.x-h+…\(\d+ more\): must be a string$/);
  });
});
