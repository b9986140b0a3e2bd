// Monitor mode made visible (issue 11 item 5): a request whose anomaly score reaches the threshold
// is allowed in monitor mode, and the decision log and the live view say so, with the score and
// the hits; a benign allow carries its (low) score, is not flagged, and stays out of the log when
// allowed decisions are not sampled. Then the same request under enforce mode is a logged 403.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, checkClient, type CheckClient, type ServeProcess, startServe } from '../helpers/serve.js';
import { nextEvent } from './helpers/sse.js';

const policy = (mode: 'monitor' | 'enforce') => `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: live-anomaly }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: permissive }
  workloads:
    - { name: search, namespace: shop, serviceAccount: search, labels: { app: search } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - name: web-to-search
      to: { matchLabels: { app: search } }
      from: [{ matchLabels: { app: web } }]
  anomaly: { mode: ${mode}, threshold: 10 }
`;

function request(path: string) {
  return {
    attributes: {
      source: { principal: 'spiffe://cluster.local/ns/shop/sa/web', address: { socketAddress: { address: '10.1.0.6', portValue: 40000 } } },
      destination: { principal: 'spiffe://cluster.local/ns/shop/sa/search', address: { socketAddress: { address: '10.1.0.5', portValue: 8080 } } },
      request: { http: { method: 'GET', path, host: 'search', headers: { ':method': 'GET', ':path': path, 'user-agent': 'live-anomaly-test' } } },
      contextExtensions: { 'meshguard.io/workload': 'shop/search' },
    },
  };
}

interface Live { decision: string; path: string; score: number | null; hits: string[]; flagged: boolean }

/** Opens /live/events, runs `act`, and collects decision events until `done` says enough. */
async function liveDecisions(port: number, act: () => Promise<unknown>, done: (seen: Live[]) => boolean, timeoutMs = 15_000): Promise<Live[]> {
  const seen: Live[] = [];
  return nextEvent(port, '/live/events', act, (event, data) => {
    if (event === 'decision') seen.push(JSON.parse(data) as Live);
    return done(seen) ? seen : null;
  }, timeoutMs);
}

const ATTACK = "/search?q=%27%20OR%20%271%27%3D%271%20--";
const BENIGN = '/search?q=union+station+pickup';

describe('anomaly score and hits in the decision log and the live view', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  let policyFile: string;

  beforeAll(async () => {
    policyFile = join(await mkdtemp(join(tmpdir(), 'mg-live-anomaly-')), 'policy.yaml');
    await writeFile(policyFile, policy('monitor'));
    serve = await startServe(['--policy', policyFile, '--redis', 'none', '--xds-port', '0', '--log-allow-sample', '0']);
    client = checkClient(serve.authzPort);
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('monitor mode: the flagged request is allowed, logged and shown with its score and hits', async () => {
    const seen = await liveDecisions(serve.adminPort, async () => {
      expect((await check(client, request(BENIGN))).status.code).toBe(0);
      expect((await check(client, request(ATTACK))).status.code).toBe(0);
    }, (s) => s.some((d) => d.path === ATTACK) && s.some((d) => d.path === BENIGN));
    const attack = seen.find((d) => d.path === ATTACK)!;
    expect(attack).toMatchObject({ decision: 'allow', flagged: true });
    expect(attack.score).toBeGreaterThanOrEqual(10);
    expect(attack.hits.some((h) => h.startsWith('sqli'))).toBe(true);
    const benign = seen.find((d) => d.path === BENIGN)!;
    expect(benign).toMatchObject({ decision: 'allow', flagged: false });
    expect(benign.score).toEqual(expect.any(Number));
    expect(benign.score!).toBeLessThan(10);

    const line = await serve.waitForLog((l) => l.event === 'decision' && l.path === ATTACK);
    expect(line).toMatchObject({ decision: 'allow', anomalyFlagged: true, anomalyScore: attack.score, anomalyHits: attack.hits, msg: 'anomalous, allowed (monitor)' });
    // Allowed decisions are not sampled (--log-allow-sample 0): the benign allow is not logged.
    expect(serve.logs.some((l) => l.event === 'decision' && l.path === BENIGN)).toBe(false);
  });

  it('enforce mode: the same request is denied, and the denial carries the score and hits', async () => {
    await writeFile(policyFile, policy('enforce'));
    // Until the reload lands, monitor answers 200; poll until the 403.
    let code = 0;
    for (let i = 0; i < 100 && code === 0; i++) {
      code = (await check(client, request(ATTACK))).status.code;
      if (code === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(code).toBe(7); // PERMISSION_DENIED
    const line = await serve.waitForLog((l) => l.event === 'decision' && l.path === ATTACK && l.decision === 'deny');
    expect(line.anomalyFlagged).toBe(true);
    expect(line.anomalyScore as number).toBeGreaterThanOrEqual(10);
    expect((line.anomalyHits as string[]).some((h) => h.startsWith('sqli'))).toBe(true);
  });
});
