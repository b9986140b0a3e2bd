// Real Envoys, bootstrapped by `meshguard render envoy`, against `meshguard serve` over mTLS: state
// of the world and delta ADS, every xDS type ACKed (CDS, EDS, LDS, RDS, ECDS), asserted from
// Envoy's side (admin /stats and /config_dump) and matched with meshguard's /xds/nodes; a node whose
// certificate names another identity is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import { converged, ECDS, envoyVersions, idOf, MeshFixture, rejections, type Sidecar } from './xds-harness.js';

export const POLICY = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: xds-envoy }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  meshDomains: [svc.cluster.local]
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api }, ports: [8080], endpoints: ["127.0.0.1:8080"] }
    - { name: frontend, namespace: shop, serviceAccount: frontend, labels: { app: frontend }, endpoints: ["127.0.0.1:8081"] }
    - { name: db, namespace: shop, serviceAccount: db, labels: { app: db }, ports: [5432], endpoints: ["127.0.0.1:5432"] }
  segments:
    - name: frontend-to-api
      to: { matchLabels: { app: api } }
      from: [{ matchLabels: { app: frontend } }]
      rules: [{ methods: [GET], paths: ["/api/*"] }]
    - name: api-to-db
      to: { matchLabels: { app: db } }
      from: [{ matchLabels: { app: api } }]
`;

const TYPES = ['CDS', 'EDS', 'LDS', 'RDS', 'ECDS'];

async function expectFullyAcked(mesh: MeshFixture, sidecar: Sidecar, delta: boolean, callable: string): Promise<void> {
  const stats = await sidecar.envoy.waitForStats(converged, 30_000);
  expect(rejections(stats)).toEqual([]);
  // EDS: the mesh cluster this sidecar may call got its endpoints (from the inventory).
  expect(stats.get(`cluster.${callable}.membership_total`)).toBe(1);
  const dump = await sidecar.envoy.configDump();
  const listeners = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump')) as unknown as { dynamic_listeners: { name: string; active_state?: unknown }[] };
  expect(listeners.dynamic_listeners.filter((l) => l.active_state).map((l) => l.name).sort()).toEqual(['meshguard.inbound', 'meshguard.outbound']);
  const ecds = dump.configs.find((c) => c['@type'].endsWith('EcdsConfigDump')) as unknown as { ecds_filters: { ecds_filter: { name: string } }[] };
  expect(ecds.ecds_filters.map((f) => f.ecds_filter.name).sort()).toEqual([...ECDS].sort());

  // meshguard's view agrees: every type ACKed, at the versions Envoy reports, on one stream of the right kind.
  const node = (await mesh.nodes()).find((n) => n.workload === sidecar.workload)!;
  expect(node.authenticatedAs).toBe(idOf(sidecar.workload));
  expect(node.streams.map((s) => s.delta)).toEqual([delta]);
  expect(node.lastNack).toBeNull();
  for (const t of TYPES) expect(node.types[t]?.acked, t).toBeTruthy();
  const versions = await envoyVersions(sidecar.envoy);
  if (!delta) {
    // SotW: Envoy's version_info per type is the version meshguard sent and recorded as ACKed.
    expect(versions.CDS).toBe(node.types.CDS!.acked);
    expect(versions.LDS).toBe(node.types.LDS!.acked);
    expect(versions.RDS).toBe(node.types.RDS!.acked);
  }
}

describe.skipIf(!ENVOY_BIN)('Envoy against meshguard serve (mTLS ADS)', () => {
  const mesh = new MeshFixture();

  beforeAll(async () => {
    await mesh.start(POLICY);
  }, 60_000);
  afterAll(async () => {
    await stopAllEnvoys();
    await mesh.close();
  });

  it('state of the world: connects with its workload certificate and ACKs CDS, EDS, LDS, RDS and ECDS', async () => {
    const sidecar = await mesh.sidecar('shop/api');
    await expectFullyAcked(mesh, sidecar, false, 'shop/db');
    const stats = await sidecar.envoy.stats();
    for (const n of ECDS) expect(stats.get(`extension_config_discovery.http_filter.${n}.config_fail`), n).toBe(0);
    expect(stats.get('wasm.envoy.wasm.runtime.v8.active')).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('delta (incremental) ADS: the same, over DeltaAggregatedResources', async () => {
    const sidecar = await mesh.sidecar('shop/frontend', { delta: true });
    expect(sidecar.bootstrap).toContain('api_type: DELTA_GRPC');
    await expectFullyAcked(mesh, sidecar, true, 'shop/api');
  }, 60_000);

  it('refuses the stream of a node whose certificate names another identity', async () => {
    const before = (await mesh.nodes()).length;
    const impostor = await mesh.sidecar('shop/db', { certIdentity: idOf('shop/frontend') });
    const refusal = await mesh.serve.waitForLog((l) => l.event === 'xds_refused' && l.workload === 'shop/db', 20_000);
    expect(String(refusal.reason)).toContain(idOf('shop/frontend'));
    // Envoy got nothing: no listener, no cluster from meshguard, however often it retries.
    await mesh.serve.waitForLog((l) => l.event === 'xds_refused' && l.workload === 'shop/db' && l !== refusal, 20_000);
    const stats = await impostor.envoy.stats();
    expect(stats.get('listener_manager.lds.update_success') ?? 0).toBe(0);
    expect(stats.get('cluster_manager.cds.update_success') ?? 0).toBe(0);
    expect((await mesh.nodes()).length).toBe(before);
  }, 60_000);
});
