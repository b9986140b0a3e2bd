// Node identity: with TLS material the xDS port requires mTLS, and a node's certificate SPIFFE ID
// must be the identity of the workload its metadata names, else PERMISSION_DENIED (and a log line).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsClient, nodeMessage } from '../../control-plane/xds/client.js';
import { CLUSTER } from '../../control-plane/xds/type-urls.js';
import { httpGet, startServe, type ServeProcess } from '../helpers/serve.js';
import { TestCa, type CertFiles } from './certs.js';
import { SHOP_YAML } from './helpers.js';

const PERMISSION_DENIED = 7;
const UNAVAILABLE = 14;
const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';

function mtls(c: CertFiles): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(readFileSync(c.ca), readFileSync(c.key), readFileSync(c.cert));
}

describe('xDS node identity over mTLS', () => {
  let dir: string;
  let file: string;
  let serve: ServeProcess;
  let frontend: CertFiles;
  let anonymous: CertFiles;
  let ca: TestCa;
  const address = () => `127.0.0.1:${serve.xdsPort}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mg-xds-id-'));
    ca = new TestCa(join(dir, 'pki'));
    const server = ca.issue('meshguard', 'spiffe://cluster.local/ns/meshguard/sa/meshguard');
    frontend = ca.issue('frontend', FRONTEND);
    anonymous = ca.issue('anonymous', null);
    file = join(dir, 'policy.yaml');
    writeFileSync(file, SHOP_YAML);
    serve = await startServe(['--xds-port', '0', '--redis', 'none', '--policy', file, '--tls-cert', server.cert, '--tls-key', server.key, '--tls-ca', server.ca]);
  });
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves a node whose certificate is its workload identity', async () => {
    const c = AdsClient.sotw(address(), mtls(frontend));
    c.send({ node: nodeMessage('frontend-1', { 'meshguard.io/workload': 'shop/frontend' }), type_url: CLUSTER, resource_names: [] });
    const r = await c.next();
    expect(r.resources.length).toBeGreaterThan(0);
    const { nodes } = JSON.parse((await httpGet(serve.adminPort, '/xds/nodes')).body) as { nodes: { id: string; authenticatedAs: string }[] };
    expect(nodes.find((n) => n.id === 'frontend-1')?.authenticatedAs).toBe(FRONTEND);
    c.close();
  });

  it('refuses a node claiming another workload with PERMISSION_DENIED, and logs it', async () => {
    const c = AdsClient.sotw(address(), mtls(frontend));
    c.send({ node: nodeMessage('impostor', { 'meshguard.io/workload': 'shop/payments' }), type_url: CLUSTER, resource_names: [] });
    const status = await c.status;
    expect(status.code).toBe(PERMISSION_DENIED);
    expect(status.details).toContain('spiffe://cluster.local/ns/shop/sa/payments');
    expect(c.responses).toEqual([]);
    await serve.waitForLog((l) => l.event === 'xds_refused' && l.workload === 'shop/payments' && l.peer === FRONTEND);
    expect((await httpGet(serve.adminPort, '/metrics')).body).toMatch(/meshguard_xds_refused_streams_total [1-9]/);
    c.close();
  });

  it('refuses a certificate without a SPIFFE ID', async () => {
    const c = AdsClient.sotw(address(), mtls(anonymous));
    c.send({ node: nodeMessage('anon', { 'meshguard.io/workload': 'shop/frontend' }), type_url: CLUSTER, resource_names: [] });
    expect((await c.status).code).toBe(PERMISSION_DENIED);
    c.close();
  });

  it('refuses plaintext and TLS without a client certificate at the handshake', async () => {
    for (const creds of [grpc.credentials.createInsecure(), grpc.credentials.createSsl(readFileSync(frontend.ca))]) {
      const c = AdsClient.sotw(address(), creds);
      c.send({ node: nodeMessage('x', { 'meshguard.io/workload': 'shop/frontend' }), type_url: CLUSTER, resource_names: [] });
      expect((await c.status).code).toBe(UNAVAILABLE);
      c.close();
    }
  });

  it('closes an open stream when a policy edit changes the workload identity', async () => {
    const c = AdsClient.sotw(address(), mtls(frontend));
    c.send({ node: nodeMessage('frontend-2', { 'meshguard.io/workload': 'shop/frontend' }), type_url: CLUSTER, resource_names: [] });
    await c.next();
    writeFileSync(file, SHOP_YAML.replace('serviceAccount: frontend', 'serviceAccount: web'));
    const status = await c.status;
    expect(status.code).toBe(PERMISSION_DENIED);
    c.close();
  });
});
