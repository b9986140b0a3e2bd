// A resource that a real Envoy rejects: meshguard records the NACK with Envoy's error, does not send
// the rejected version again (no loop), Envoy keeps serving its last good configuration, and a
// corrected edit recovers. The rejection is made by the test-only `rewriteSnapshotForTests` hook
// of ServeOptions (no flag or environment variable reaches it), with `serve` in this process: while
// `broken` is set, the inbound Listener carries its first filter chain twice, which Envoy refuses.
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot, XdsResource } from '../../control-plane/xds/contracts.js';
import { rawResource, versionOf } from '../../control-plane/xds/snapshot.js';
import { LISTENER } from '../../control-plane/xds/type-urls.js';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import { freePort } from '../helpers/net.js';
import { httpGet } from '../helpers/serve.js';
import type { CertFiles } from '../xds/certs.js';
import { converged, ECDS, idOf, MeshFixture, mtlsGet, rejections, startEcho, until, type Echo, type InProcessServe, type NodeDoc, type Sidecar } from './xds-harness.js';

function policy(port: number, caller: string, egressHosts: string[]): string {
  return `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: xds-nack }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  meshDomains: [svc.cluster.local]
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api }, ports: [${port}], endpoints: ["127.0.0.1:${port}"] }
    - { name: frontend, namespace: shop, serviceAccount: frontend, labels: { app: frontend } }
    - { name: batch, namespace: shop, serviceAccount: batch, labels: { app: batch } }
  segments:
    - name: caller-to-api
      to: { matchLabels: { app: api } }
      from: [{ matchLabels: { app: ${caller} } }]
      rules: [{ methods: [GET], paths: ["/api/*"] }]
  egress:
    - { name: api-out, from: { matchLabels: { app: api } }, hosts: ${JSON.stringify(egressHosts)} }
`;
}

/** The top-level fields of an encoded message, as [field number, bytes of the whole field]. */
function fields(bytes: Uint8Array): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const start = i;
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const length = varint();
      i += length;
    }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`wire type ${wire}`);
    out.push([Math.floor(tag / 8), bytes.subarray(start, i)]);
  }
  return out;
}

/** The listener with its first filter chain (field 3) twice: Envoy rejects duplicate chains. */
function withDuplicateChain(listener: XdsResource): XdsResource {
  const chain = fields(listener.value).find(([n]) => n === 3);
  if (!chain) throw new Error(`${listener.name} has no filter chain`);
  return rawResource(LISTENER, listener.name, Buffer.concat([listener.value, chain[1]]));
}

/** A snapshot whose inbound listener is replaced by a broken one; everything else as built. */
function breakInbound(inner: Snapshot): Snapshot {
  const swap = (r: XdsResource) => (r.name === 'meshguard.inbound' ? withDuplicateChain(r) : r);
  const listeners = [...inner.list(LISTENER)].map(swap);
  const listenerVersion = versionOf(listeners);
  return {
    get version() { return `${inner.version}.${listenerVersion}`; },
    policyVersion: inner.policyVersion,
    editAt: inner.editAt,
    typeVersion: (t) => (t === LISTENER ? listenerVersion : inner.typeVersion(t)),
    get: (t, name) => (t === LISTENER ? listeners.find((l) => l.name === name) : inner.get(t, name)),
    list: (t) => (t === LISTENER ? listeners : inner.list(t)),
    listed: (t, name) => inner.listed(t, name),
    consistent: () => inner.consistent(),
  };
}

interface ListenerDump {
  name: string;
  active_state?: { version_info?: string };
  error_state?: { details?: string; failed_configuration?: unknown; last_update_attempt?: string };
}

async function inboundDump(sidecar: Sidecar): Promise<{ version: string; listener: ListenerDump }> {
  const dump = await sidecar.envoy.configDump();
  const listeners = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))!;
  const dynamic = (listeners.dynamic_listeners as ListenerDump[] | undefined) ?? [];
  return { version: String(listeners.version_info ?? ''), listener: dynamic.find((l) => l.name === 'meshguard.inbound')! };
}

const pushes = (n: NodeDoc) => Object.fromEntries(Object.entries(n.types).map(([t, s]) => [t, s.pushes]));
const nacksMetric = async (adminPort: number) => {
  const text = (await httpGet(adminPort, '/metrics')).body;
  return [...text.matchAll(/^meshguard_xds_nacks_total\{type="(\w+)"\} (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
};

describe.skipIf(!ENVOY_BIN)('a resource Envoy rejects (NACK), as Envoy and meshguard see it', () => {
  const mesh = new MeshFixture();
  let broken = false;
  let port: number;
  let app: Echo;
  let serve: InProcessServe;
  let api: Sidecar;
  let frontend: CertFiles;
  let batch: CertFiles;
  let good: { lds: string; pushes: Record<string, number> };
  const call = (who: CertFiles) => mtlsGet('127.0.0.2', port, '/api/items', who);
  const node = async () => (await mesh.nodes(serve)).find((n) => n.workload === 'shop/api')!;

  beforeAll(async () => {
    port = await freePort();
    app = await startEcho('127.0.0.1', port);
    serve = await mesh.startInProcess(policy(port, 'frontend', ['a.example']), { rewriteSnapshotForTests: (s) => (broken ? breakInbound(s) : s) });
    frontend = mesh.ca.issue('client-frontend', idOf('shop/frontend'));
    batch = mesh.ca.issue('client-batch', idOf('shop/batch'));
    api = await mesh.sidecar('shop/api', { serve, listenAddress: '127.0.0.2', inboundPort: port, outboundPort: await freePort() });
    expect(rejections(await api.envoy.waitForStats(converged, 30_000))).toEqual([]);
    expect((await call(frontend)).status).toBe(200);
    expect((await call(batch)).status).toBe(403);
  }, 90_000);
  afterAll(async () => {
    await stopAllEnvoys();
    await mesh.close();
    await app?.close();
  });

  it('records the NACK with Envoy\'s error, sends the rejected version once, and Envoy keeps its last good listener', async () => {
    const before = await api.envoy.stats();
    const lastGood = await inboundDump(api);
    const n0 = await node();
    expect(n0.types.LDS!.acked).toBe(lastGood.version);
    broken = true;
    writeFileSync(mesh.policyFile, policy(port, 'batch', ['a.example']));

    // Envoy's side: the LDS update is rejected, the other types of the same push are applied.
    const reloaded = (s: Map<string, number>) => ECDS.every((n) => s.get(`extension_config_discovery.http_filter.${n}.config_reload`)! > before.get(`extension_config_discovery.http_filter.${n}.config_reload`)!);
    const rejected = await api.envoy.waitForStats((s) => s.get('listener_manager.lds.update_rejected')! >= 1 && reloaded(s), 15_000);
    expect(rejected.get('listener_manager.lds.update_rejected')).toBe(1);
    expect(rejected.get('listener_manager.lds.update_success')).toBe(before.get('listener_manager.lds.update_success'));
    expect(rejected.get('control_plane.connected_state')).toBe(1);

    // meshguard's side: the NACK, with Envoy's error detail, for the version it sent.
    const nacked = (await until(node, (n) => n.lastNack !== null, 15_000, 'meshguard records the NACK')).value;
    expect(nacked.lastNack!.type).toBe('LDS');
    expect(nacked.lastNack!.error).toMatch(/meshguard\.inbound/);
    expect(nacked.lastNack!.error).toMatch(/filter chain/i);
    expect(nacked.lastNack!.version).toBe(nacked.types.LDS!.sent);
    expect(nacked.lastNack!.version).not.toBe(lastGood.version);
    expect(nacked.types.LDS).toMatchObject({ acked: lastGood.version, nacks: 1, pushes: n0.types.LDS!.pushes + 1 });
    expect(nacked.types.ECDS!.acked).toBe(nacked.types.ECDS!.sent);
    expect(nacked.types.ECDS!.acked).not.toBe(n0.types.ECDS!.acked);
    expect(await nacksMetric(serve.adminPort)).toEqual(['LDS=1']);
    expect(serve.logs.filter((l) => l.event === 'xds_nack').map((l) => [l.type, l.keeps])).toEqual([['LDS', lastGood.version]]);

    // Envoy's side again: config_dump still holds the last good listener, and the failed one as an error.
    const dump = await inboundDump(api);
    expect(dump.version).toBe(lastGood.version);
    expect(dump.listener.active_state?.version_info).toBe(lastGood.version);
    expect(JSON.stringify(dump.listener.active_state)).toContain('/sa/frontend');
    expect(JSON.stringify(dump.listener.active_state)).not.toContain('/sa/batch');
    expect(dump.listener.error_state?.details).toMatch(/filter chain/i);

    // No loop: nothing more is sent or rejected while nothing changes (absence needs a wait).
    const settled = pushes(nacked);
    await sleep(3000);
    const later = await node();
    expect(pushes(later)).toEqual(settled);
    expect(later.types.LDS!.nacks).toBe(1);
    expect((await api.envoy.stats()).get('listener_manager.lds.update_rejected')).toBe(1);
    expect(await nacksMetric(serve.adminPort)).toEqual(['LDS=1']);
    good = { lds: lastGood.version, pushes: settled };

    // Still serving the last good listener: its RBAC (frontend only) still turns batch away.
    const rbacDenied = (s: Map<string, number>) => s.get(`http.inbound_${port}.rbac.denied`) ?? 0;
    const deniedBefore = rbacDenied(await api.envoy.stats());
    expect((await call(batch)).status).toBe(403);
    expect(rbacDenied(await api.envoy.stats())).toBe(deniedBefore + 1);
  }, 60_000);

  it('recovers with a corrected edit: the new listener is sent, ACKed and enforced', async () => {
    expect(good).toBeDefined();
    const before = await api.envoy.stats();
    broken = false;
    writeFileSync(mesh.policyFile, policy(port, 'batch', ['a.example', 'b.example']));
    const after = await api.envoy.waitForStats((s) => s.get('listener_manager.lds.update_success')! > before.get('listener_manager.lds.update_success')!, 15_000);
    expect(after.get('listener_manager.lds.update_rejected')).toBe(1);
    const n = (await until(node, (x) => x.types.LDS!.acked === x.types.LDS!.sent && x.types.LDS!.acked !== good.lds, 15_000, 'corrected LDS ACKed')).value;
    expect(n.types.LDS!.pushes).toBe(good.pushes.LDS! + 1);
    expect(n.types.LDS!.nacks).toBe(1);
    const dump = await inboundDump(api);
    expect(dump.version).toBe(n.types.LDS!.acked);
    // (updated in place: Envoy keeps the listener's first version_info in active_state)
    expect(JSON.stringify(dump.listener.active_state)).toContain('/sa/batch');
    expect(JSON.stringify(dump.listener.active_state)).not.toContain('/sa/frontend');
    expect(dump.listener.error_state).toBeUndefined();
    await until(() => call(batch), (r) => r.status === 200, 15_000, 'batch allowed by the corrected configuration');
    expect((await call(frontend)).status).toBe(403);
    expect(await nacksMetric(serve.adminPort)).toEqual(['LDS=1']);
  }, 60_000);
});
