// Egress goes where the name says: allowed egress leaves through Envoy's dynamic forward proxy,
// which resolves the checked Host itself (here with a DNS server on loopback that the sidecar's
// c-ares resolver is pointed at) and connects to that address on the destination port, whatever
// address the client's connection was made to. Denied names are never even resolved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDns, type DnsServer } from '../../control-plane/envoy/dns.js';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import { freePort } from '../helpers/net.js';
import { converged, MeshFixture, plainGet, rejections, startEcho, type Echo, type Sidecar } from './xds-harness.js';

function policy(port: number): string {
  return `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: xds-egress }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: strict }
  meshDomains: [svc.cluster.local]
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api }, ports: [8080] }
  egress:
    - { name: api-to-allowed, from: { matchLabels: { app: api } }, hosts: ["allowed.example"], ports: [${port}] }
`;
}

describe.skipIf(!ENVOY_BIN)('egress through the dynamic forward proxy (real Envoy, DNS on loopback)', () => {
  const mesh = new MeshFixture();
  let dns: DnsServer;
  let allowed: Echo;
  let elsewhere: Echo;
  let sidecar: Sidecar;
  let port: number;

  beforeAll(async () => {
    // The client connects to 127.0.0.2:<port>, where the sidecar's outbound listener is (as an
    // intercepted connection to that address would be); allowed.example lives at 127.0.0.3.
    port = await freePort();
    allowed = await startEcho('127.0.0.3', port);
    elsewhere = await startEcho('127.0.0.4', port);
    dns = await startDns({ 'allowed.example': '127.0.0.3', 'denied.example': '127.0.0.4' });
    await mesh.start(policy(port));
    sidecar = await mesh.sidecar('shop/api', { listenAddress: '127.0.0.2', outboundPort: port, inboundPort: await freePort(), dnsResolver: `127.0.0.1:${dns.port}` });
    expect(rejections(await sidecar.envoy.waitForStats(converged, 30_000))).toEqual([]);
  }, 60_000);
  afterAll(async () => {
    await stopAllEnvoys();
    await mesh.close();
    await Promise.all([dns?.close(), allowed?.close(), elsewhere?.close()]);
  });

  it('an allowed Host reaches the address Envoy resolved for it, not the address the client dialled', async () => {
    const res = await plainGet('127.0.0.2', port, '/v1/pay', 'allowed.example');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ local: `127.0.0.3:${port}`, host: 'allowed.example', path: '/v1/pay' });
    expect(dns.questions).toContain('allowed.example');
    expect(elsewhere.seen).toEqual([]);
  });

  it('keeps the destination port: an authority naming that port reaches the same server', async () => {
    const before = allowed.seen.length;
    const res = await plainGet('127.0.0.2', port, '/with-port', `allowed.example:${port}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ local: `127.0.0.3:${port}`, path: '/with-port' });
    expect(allowed.seen.length).toBe(before + 1);
  });

  it('denies a name the policy does not allow, before any DNS lookup', async () => {
    const asked = dns.questions.length;
    const res = await plainGet('127.0.0.2', port, '/', 'denied.example');
    expect(res.status).toBe(403);
    expect(dns.questions.slice(asked)).not.toContain('denied.example');
    expect(elsewhere.seen).toEqual([]);
  });

  it('denies an allowed name with a port other than the one the connection was made to', async () => {
    const res = await plainGet('127.0.0.2', port, '/', `allowed.example:${port + 1}`);
    expect(res.status).toBe(403);
  });
});
