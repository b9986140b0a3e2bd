import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { PodWatcher } from '../../control-plane/inventory/kubernetes.js';
import { workloadsFromPods, workloadNameOf } from '../../control-plane/inventory/pods.js';
import type { Workload } from '../../control-plane/policy/types.js';
import { check, checkClient, httpGet, startServe, type ServeProcess } from '../helpers/serve.js';
import { FakeApiServer, kubeconfigYaml, type Pod } from './helpers/fake-apiserver.js';

const PODS = (JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/pods.json', import.meta.url)), 'utf8')) as { items: Pod[] }).items;

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server));
  return kc;
}

async function until<T>(get: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pod = (name: string) => structuredClone(PODS.find((p) => p.metadata.name === name)!);

describe('pods → workloads (the grouping rule)', () => {
  it('groups the recorded pods by controller, drops finished and terminating pods, keeps shared labels', () => {
    const w = workloadsFromPods(PODS as never);
    expect(w.map((x) => `${x.namespace}/${x.name} sa=${x.serviceAccount}`)).toEqual([
      'batch/report sa=report',
      'monitoring/node-exporter sa=node-exporter',
      'ops/toolbox sa=default',
      'shop/api sa=api',
      'shop/db sa=db',
      'shop/web sa=web',
      'shop/worker--worker sa=worker',
      'shop/worker--worker-v2 sa=worker-v2',
    ]);
    const by = new Map(w.map((x) => [`${x.namespace}/${x.name}`, x]));
    expect(by.get('shop/web')).toEqual({
      name: 'web', namespace: 'shop', serviceAccount: 'web', labels: { app: 'web', tier: 'frontend' }, ports: [8080],
      endpoints: ['10.244.1.10:8080', '10.244.1.12:8080', '10.244.2.11:8080'],
    });
    expect(by.get('shop/api')!.endpoints).toEqual(['10.244.1.20:8080', '10.244.1.20:9090']);
    expect(by.get('shop/db')).toMatchObject({ labels: { app: 'db' }, ports: [5432], endpoints: [] });
    expect(by.get('monitoring/node-exporter')).toMatchObject({ labels: { 'app.kubernetes.io/name': 'node-exporter' }, ports: [9100], endpoints: ['172.18.0.2:9100'] });
    expect(by.get('batch/report')).toMatchObject({ labels: { app: 'report' } });
    expect(by.get('ops/toolbox')).toMatchObject({ endpoints: ['[fd00::5]:2222'] });
  });

  const names: [string, Pod, string][] = [
    ['ReplicaSet → Deployment', pod('web-7d9c8b6f5d-x2k4p'), 'web'],
    ['StatefulSet', pod('db-0'), 'db'],
    ['DaemonSet', pod('node-exporter-zx9vq'), 'node-exporter'],
    ['Job of a CronJob → the CronJob', pod('report-29412345-k7p2x'), 'report'],
    ['no controller → app label', pod('debug-shell'), 'toolbox'],
  ];
  for (const [what, p, expected] of names) it(`names a pod by its owner: ${what}`, () => expect(workloadNameOf(p as never)).toBe(expected));

  it('a ReplicaSet without the pod-template-hash suffix keeps its own name; a plain Job keeps its name', () => {
    const p = pod('web-7d9c8b6f5d-x2k4p');
    (p.metadata.ownerReferences as { name: string }[])[0]!.name = 'custom-rs';
    expect(workloadNameOf(p as never)).toBe('custom-rs');
    const j = pod('report-29412345-k7p2x');
    (j.metadata.ownerReferences as { name: string }[])[0]!.name = 'migrate-db';
    expect(workloadNameOf(j as never)).toBe('migrate-db');
  });
});

describe('PodWatcher against a list/watch API server', () => {
  let api: FakeApiServer | null = null;
  let watcher: PodWatcher | null = null;
  afterEach(async () => {
    await watcher?.stop();
    await api?.stop();
    watcher = null;
    api = null;
  });

  async function start(initial: Pod[], options = { debounceMs: 100, maxWaitMs: 1000, restartMs: 200 }) {
    api = new FakeApiServer(initial);
    const url = await api.start();
    const inventories: Workload[][] = [];
    const errors: string[] = [];
    watcher = new PodWatcher(kubeConfig(url), { onInventory: (w) => inventories.push(w), onError: (e) => errors.push(e.message) }, options);
    void watcher.start();
    return { inventories, errors };
  }

  const keys = (w: Workload[] | undefined) => (w ?? []).map((x) => `${x.namespace}/${x.name}`);

  it('lists, then follows ADDED / MODIFIED / DELETED, one inventory per burst', async () => {
    const { inventories } = await start([pod('web-7d9c8b6f5d-x2k4p'), pod('api-6c7d8e9f0a-abcde')]);
    await until(() => inventories.length === 1);
    expect(keys(inventories[0])).toEqual(['shop/api', 'shop/web']);
    expect(watcher!.status()).toMatchObject({ synced: true, pods: 2, workloads: 2 });
    await until(() => api!.openWatches === 1);

    // A burst of three changes becomes one new inventory.
    api!.add(pod('db-0'));
    api!.add(pod('web-7d9c8b6f5d-q8m2z'));
    const relabelled = pod('api-6c7d8e9f0a-abcde');
    (relabelled.metadata.labels as Record<string, string>).tier = 'core';
    api!.modify(relabelled);
    await until(() => inventories.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(inventories).toHaveLength(2);
    expect(keys(inventories[1])).toEqual(['shop/api', 'shop/db', 'shop/web']);
    expect(inventories[1]!.find((w) => w.name === 'api')!.labels).toEqual({ app: 'api', tier: 'core' });

    api!.remove('shop', 'db-0');
    await until(() => inventories.length === 3);
    expect(keys(inventories[2])).toEqual(['shop/api', 'shop/web']);

    // A change that does not change the inventory (an annotation) is not handed on.
    const annotated = pod('web-7d9c8b6f5d-x2k4p');
    annotated.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-20T12:00:00Z' };
    api!.modify(annotated);
    await new Promise((r) => setTimeout(r, 400));
    expect(inventories).toHaveLength(3);
  });

  it('re-watches from its resourceVersion when the server ends the stream, and re-lists after 410 Gone', async () => {
    const { inventories } = await start([pod('web-7d9c8b6f5d-x2k4p')]);
    await until(() => inventories.length === 1 && api!.openWatches === 1);
    api!.closeWatches();
    await until(() => api!.openWatches === 1);
    api!.add(pod('db-0'));
    await until(() => inventories.length === 2);
    expect(keys(inventories[1])).toEqual(['shop/db', 'shop/web']);
    const lists = api!.requests.filter((r) => !r.includes('watch')).length;
    // Compaction: the next re-watch is too old (410 Gone), the client must list again.
    api!.expireNextWatch();
    api!.closeWatches();
    api!.add(pod('api-6c7d8e9f0a-abcde'));
    await until(() => api!.requests.filter((r) => !r.includes('watch')).length > lists && api!.openWatches === 1);
    await until(() => inventories.length === 3);
    expect(keys(inventories[2])).toEqual(['shop/api', 'shop/db', 'shop/web']);
  });

  it('retries after the API server fails, and is not synced until a list succeeds', async () => {
    api = new FakeApiServer([pod('web-7d9c8b6f5d-x2k4p')]);
    api.failLists = 2;
    const url = await api.start();
    const inventories: Workload[][] = [];
    const errors: string[] = [];
    watcher = new PodWatcher(kubeConfig(url), { onInventory: (w) => inventories.push(w), onError: (e) => errors.push(e.message) }, { debounceMs: 50, maxWaitMs: 500, restartMs: 100 });
    void watcher.start();
    await until(() => errors.length >= 1);
    expect(watcher.status().synced).toBe(false);
    await until(() => inventories.length === 1, 10_000);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(watcher.status()).toMatchObject({ synced: true, workloads: 1 });
  });
});

describe('serve --kubernetes', () => {
  let api: FakeApiServer;
  let serve: ServeProcess | null = null;
  afterEach(async () => {
    await serve?.stop();
    await api?.stop();
  });

  it('replaces the file\'s workloads with the cluster\'s and recompiles on change: a call is denied, then allowed', async () => {
    api = new FakeApiServer([pod('web-7d9c8b6f5d-x2k4p')]);
    const url = await api.start();
    const dir = await mkdtemp(join(tmpdir(), 'mg-k8s-'));
    await writeFile(join(dir, 'kubeconfig'), kubeconfigYaml(url));
    await writeFile(join(dir, 'policy.yaml'), `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: from-cluster }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  workloads:
    - { name: stale, namespace: shop, serviceAccount: stale, labels: { app: stale } }
  segments:
    - name: web-to-api
      to: { namespace: shop, matchLabels: { app: api } }
      from: [{ namespace: shop, matchLabels: { app: web } }]
`);
    serve = await startServe(['--policy', join(dir, 'policy.yaml'), '--kubernetes', '--redis', 'none', '--xds-port', '0'], { KUBECONFIG: join(dir, 'kubeconfig'), MESHGUARD_LOG_LEVEL: 'info' });
    await serve.waitForLog((l) => l.event === 'inventory_changed');
    const status = async () => JSON.parse((await httpGet(serve!.adminPort, '/status')).body) as { kubernetes: { synced: boolean; workloads: number; server: string } };
    expect((await status()).kubernetes).toMatchObject({ synced: true, workloads: 1, server: url });
    expect((await httpGet(serve.adminPort, '/readyz')).status).toBe(200);
    const client = checkClient(serve.authzPort);
    const request = {
      attributes: {
        source: { principal: 'spiffe://cluster.local/ns/shop/sa/web', address: { socketAddress: { address: '10.244.1.10', portValue: 40000 } } },
        destination: { principal: 'spiffe://cluster.local/ns/shop/sa/api', address: { socketAddress: { address: '10.244.1.20', portValue: 8080 } } },
        request: { http: { method: 'GET', path: '/orders', host: 'api', headers: { ':method': 'GET', ':path': '/orders' } } },
      },
    };
    try {
      expect((await check(client, request)).status.code).toBe(7);
      api.add(pod('api-6c7d8e9f0a-abcde'));
      await serve.waitForLog((l) => l.event === 'inventory_changed' && l.workloads === 2);
      expect((await check(client, request)).status.code).toBe(0);
      const audit = JSON.parse((await httpGet(serve.adminPort, '/live/workloads')).body) as { workloads: string[] };
      expect(audit.workloads).toEqual(['shop/api', 'shop/web']);
    } finally {
      client.close();
    }
  });
});
