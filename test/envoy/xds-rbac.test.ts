// The RBAC principals meshguard renders (control-plane/xds/build/rbac.ts: exact identities,
// namespace and well-formed-ID regexes) in a real Envoy 1.40:
// - each regex's RE2 program size, as Envoy measures it (validate mode with the error threshold at
//   1, so that Envoy reports the size), stays under Envoy's default limit of 100 whatever the length
//   of the trust domain and namespace;
// - a sidecar ACKs the inbound listener that carries them (pushed by `meshguard serve`);
// - the RBAC filter alone (as for a proxyless server, where it is the whole of enforcement) admits
//   well-formed client certificates and denies malformed URI SANs that the old prefixes let through.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesNamespaceRegex, wellFormedSpiffeIdRegex } from '../../control-plane/canon/spiffe-re2.js';
import { rbacFilter, routerFilter } from '../../control-plane/xds/build/http-filters.js';
import { rbacRules } from '../../control-plane/xds/build/rbac.js';
import { sidecarServerTls } from '../../control-plane/xds/build/tls.js';
import { HCM_TYPE } from '../../control-plane/xds/resources/listener.js';
import { ENVOY_BIN, envoy, stopAllEnvoys } from '../helpers/envoy.js';
import { freePort } from '../helpers/net.js';
import { compileYaml } from '../helpers/policy.js';
import type { CertFiles } from '../xds/certs.js';
import { converged, MeshFixture, mtlsGet, rejections, startEcho, until, type Echo } from './xds-harness.js';

function policy(port: number): string {
  return `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: xds-rbac }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  meshDomains: [svc.cluster.local]
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api }, ports: [${port}], endpoints: ["127.0.0.1:${port}"] }
  segments:
    - name: ops-to-api
      to: { matchLabels: { app: api } }
      from: [{ namespace: ops }]
    - name: batch-to-api
      to: { matchLabels: { app: api } }
      from: [{ principals: ["spiffe://cluster.local/ns/batch/*", "spiffe://cluster.local/ns/shop/sa/web"] }]
`;
}

const ADMITTED = ['spiffe://cluster.local/ns/ops/sa/prober', 'spiffe://cluster.local/ns/batch/sa/job', 'spiffe://cluster.local/ns/shop/sa/web'];
// Each starts with a prefix the old rendering used (spiffe://cluster.local/ns/ops/sa/ or spiffe://cluster.local/ns/batch/).
const MALFORMED = [
  'spiffe://cluster.local/ns/ops/sa/prober/extra', 'spiffe://cluster.local/ns/ops/sa/..', 'spiffe://cluster.local/ns/batch/sa/job//x',
  'spiffe://cluster.local/ns/batch/sa/j%41b', 'spiffe://cluster.local/ns/batch/./sa/job',
];

/** The RE2 program size Envoy reports for `regex` (validate mode, error threshold 1, so every regex reports). */
function programSize(dir: string, regex: string): number {
  const file = join(dir, `validate-${Math.random().toString(36).slice(2)}.json`);
  const rbac = rbacFilter({ action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { safe_regex: { regex } } } }] } } });
  writeFileSync(file, JSON.stringify({
    layered_runtime: { layers: [{ name: 'static', static_layer: { 're2.max_program_size.error_level': 1 } }] },
    static_resources: { listeners: [staticListener('measure', 1, null, [rbac, routerFilter()])] },
  }));
  let out: string;
  try {
    out = execFileSync(ENVOY_BIN!, ['--mode', 'validate', '-c', file, '-l', 'error'], { encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  const m = /RE2 program size of (\d+)/.exec(out);
  if (!m) throw new Error(`no program size in Envoy's output for ${regex}:\n${out.slice(-2000)}`);
  return Number(m[1]);
}

/** A listener whose connection manager runs `filters` and answers 200 itself (nothing upstream). */
function staticListener(name: string, port: number, tls: object | null, filters: object[]): object {
  return {
    name, address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{
      ...(tls ? { transport_socket: tls } : {}),
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM_TYPE, stat_prefix: name, codec_type: 'AUTO',
          route_config: { name, virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200 } }] }] },
          http_filters: filters,
        },
      }],
    }],
  };
}

describe.skipIf(!ENVOY_BIN)('rendered RBAC principals in Envoy 1.40', () => {
  const mesh = new MeshFixture();
  const dir = mkdtempSync(join(tmpdir(), 'mg-xds-rbac-'));
  let port: number;
  let app: Echo;
  const clients = new Map<string, CertFiles>();

  beforeAll(async () => {
    port = await freePort();
    app = await startEcho('127.0.0.1', port);
    for (const p of [...ADMITTED, ...MALFORMED]) clients.set(p, mesh.ca.issue(`client-${clients.size}`, p));
  }, 60_000);
  afterAll(async () => {
    await stopAllEnvoys();
    await mesh.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each regex compiles to an RE2 program under Envoy\'s default limit of 100, whatever the literals', () => {
    const sizes = {
      wellFormed: programSize(dir, wellFormedSpiffeIdRegex()),
      namespace: programSize(dir, kubernetesNamespaceRegex('cluster.local', 'ops')),
      longNamespace: programSize(dir, kubernetesNamespaceRegex(`${'a.'.repeat(127)}a`, 'n'.repeat(63))),
    };
    expect(sizes.wellFormed).toBeLessThan(100);
    expect(sizes.namespace).toBeLessThan(100);
    // The literal prefix is not part of the program: a 255-character trust domain costs nothing.
    expect(sizes.longNamespace).toBe(sizes.namespace);
  }, 120_000);

  it('a sidecar ACKs the inbound listener with the regex principals', async () => {
    await mesh.start(policy(port));
    const api = await mesh.sidecar('shop/api', { listenAddress: '127.0.0.2', inboundPort: port, outboundPort: await freePort() });
    expect(rejections(await api.envoy.waitForStats(converged, 60_000))).toEqual([]);
    const nodes = (await until(() => mesh.nodes(), (ns) => ns.some((n) => n.workload === 'shop/api' && n.types.LDS?.acked != null && n.types.LDS.acked === n.types.LDS.sent), 30_000, 'LDS ACKed')).value;
    expect(nodes.find((n) => n.workload === 'shop/api')!.lastNack).toBeNull();
    const listeners = JSON.stringify((await api.envoy.configDump()).configs.find((c) => c['@type'].endsWith('ListenersConfigDump')));
    expect(listeners).toContain('safe_regex');
    // Enforced end to end (the wasm filter and ext_authz decide first here; RBAC alone below).
    expect((await mtlsGet('127.0.0.2', port, '/', clients.get(ADMITTED[0]!)!)).status).toBe(200);
    expect((await mtlsGet('127.0.0.2', port, '/', clients.get(MALFORMED[0]!)!)).status).toBe(403);
  }, 120_000);

  it('the RBAC filter alone admits the well-formed client certificates and denies the malformed SANs', async () => {
    const compiled = compileYaml(policy(port), 'xds-rbac.yaml');
    const rules = rbacRules(compiled, compiled.workloads.get('shop/api')!);
    const certs = mesh.ca.issue('server', 'spiffe://cluster.local/ns/shop/sa/api');
    const listenPort = await freePort();
    const proxy = await envoy({
      bootstrap: {
        admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
        static_resources: { listeners: [staticListener('rbac_only', listenPort, sidecarServerTls(certs.dir, true), [rbacFilter(rules), routerFilter()])] },
      },
    });
    const verdicts: Record<string, number> = {};
    for (const [p, files] of clients) verdicts[p] = (await mtlsGet('127.0.0.1', listenPort, '/', files)).status;
    expect(verdicts).toEqual(Object.fromEntries([...ADMITTED.map((p) => [p, 200]), ...MALFORMED.map((p) => [p, 403])]));
    const stats = await proxy.stats();
    expect(stats.get('http.rbac_only.rbac.allowed')).toBe(ADMITTED.length);
    expect(stats.get('http.rbac_only.rbac.denied')).toBe(MALFORMED.length);
  }, 120_000);
});
