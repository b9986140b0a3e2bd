// The ADS protocol as a raw client sees it, against `meshguard serve` (child process): versions
// and nonces, stale nonces, NACKs (recorded, not re-sent, last ACK kept), make-before-break push
// order, deletions (SotW full state, delta removed_resources), named subscriptions for gRPC nodes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsClient, decodeResources, nodeMessage, type DeltaResponse, type SotwResponse } from '../../control-plane/xds/client.js';
import { CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, ROUTE, shortName } from '../../control-plane/xds/type-urls.js';
import type { DeltaDiscoveryRequest } from '../../control-plane/xds/delta.js';
import type { DiscoveryRequest } from '../../control-plane/xds/sotw.js';
import { httpGet, startServe, type ServeProcess } from '../helpers/serve.js';
import { SHOP_YAML } from './helpers.js';

const ECDS_NAMES = ['meshguard.identity', 'meshguard.anomaly', 'meshguard.egress'];
const api = { 'meshguard.io/workload': 'shop/api' };

/** Adds a workload the api may call, moves payments, and widens web-to-api: every type of shop/api changes. */
function withLedger(yaml: string): string {
  return yaml
    .replace('  segments:\n', `    - name: ledger
      namespace: shop
      serviceAccount: ledger
      labels: { app: ledger }
      ports: [7070]
      endpoints: ["10.1.0.40:7070"]
  segments:
    - name: api-to-ledger
      to: { matchLabels: { app: ledger } }
      from: [{ matchLabels: { app: api } }]
`)
    .replace('endpoints: ["10.1.0.30:8443"]', 'endpoints: ["10.1.0.31:8443"]')
    .replace('paths: ["/api/*", "/healthz"]', 'paths: ["/api/*", "/healthz", "/v2/*"]');
}

interface NodeDoc {
  id: string;
  workload: string;
  authenticatedAs: string | null;
  lastNack: { type: string; version: string; error: string } | null;
  types: Record<string, { sent: string | null; acked: string | null; nacks: number }>;
}

async function nodes(serve: ServeProcess): Promise<NodeDoc[]> {
  return (JSON.parse((await httpGet(serve.adminPort, '/xds/nodes')).body) as { nodes: NodeDoc[] }).nodes;
}

/** A SotW session that remembers the names it asked for, to ACK and NACK with them. */
class Sotw {
  readonly names = new Map<string, string[]>();
  constructor(readonly client: AdsClient<SotwResponse, DiscoveryRequest>) {}

  request(typeUrl: string, names: string[], node?: Record<string, unknown>): Promise<SotwResponse> {
    this.names.set(typeUrl, names);
    this.client.send({ node: node ?? null, type_url: typeUrl, resource_names: names });
    return this.client.next();
  }

  ack(r: SotwResponse, names = this.names.get(r.type_url) ?? []): void {
    this.names.set(r.type_url, names);
    this.client.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
  }

  nack(r: SotwResponse, keptVersion: string, message: string): void {
    this.client.send({ type_url: r.type_url, version_info: keptVersion, response_nonce: r.nonce, resource_names: this.names.get(r.type_url) ?? [], error_detail: { code: 3, message } });
  }

  /** Responses until none arrives for `quietMs`. */
  async drain(quietMs = 600): Promise<SotwResponse[]> {
    const out: SotwResponse[] = [];
    for (;;) {
      try {
        out.push(await this.client.next(quietMs));
      } catch {
        return out;
      }
    }
  }
}

const names = (r: SotwResponse) => decodeResources(r).map((x) => String(x.name ?? x.cluster_name));

describe('ADS over a raw grpc-js client', () => {
  let dir: string;
  let file: string;
  let serve: ServeProcess;
  const address = () => `127.0.0.1:${serve.xdsPort}`;
  const edit = (yaml: string) => writeFileSync(file, yaml);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mg-ads-'));
    file = join(dir, 'policy.yaml');
    edit(SHOP_YAML);
    serve = await startServe(['--xds-port', '0', '--redis', 'none', '--policy', file], { MESHGUARD_LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('state of the world, as an Envoy sidecar', () => {
    let s: Sotw;
    const acked = new Map<string, SotwResponse>();
    beforeAll(() => {
      s = new Sotw(AdsClient.sotw(address()));
    });
    afterAll(() => s.client.close());

    it('answers CDS and LDS as wildcards and EDS, RDS, ECDS by name, each with a version and a fresh nonce', async () => {
      const cds = await s.request(CLUSTER, [], nodeMessage('sidecar-api', api));
      expect(cds.type_url).toBe(CLUSTER);
      expect(cds.version_info).toMatch(/^[0-9a-f]{16}$/);
      expect(names(cds)).toEqual(['meshguard.authz', 'meshguard.passthrough', 'meshguard.dfp', 'meshguard.inbound|8080', 'shop/payments', 'shop/db']);
      s.ack(cds);
      expect(await s.client.quiet(300)).toBe(true);
      const eds = await s.request(ENDPOINT, ['shop/payments', 'shop/db']);
      expect(names(eds)).toEqual(['shop/payments', 'shop/db']);
      const lds = await s.request(LISTENER, []);
      expect(names(lds)).toEqual(['meshguard.inbound', 'meshguard.outbound']);
      const rds = await s.request(ROUTE, ['meshguard.outbound']);
      const ecds = await s.request(EXTENSION_CONFIG, ECDS_NAMES);
      expect(names(ecds)).toEqual(ECDS_NAMES);
      const all = [cds, eds, lds, rds, ecds];
      expect(new Set(all.map((r) => r.nonce)).size).toBe(5);
      for (const r of [eds, lds, rds, ecds]) s.ack(r);
      for (const r of all) acked.set(r.type_url, r);
      expect(await s.client.quiet(300)).toBe(true);
      const me = (await nodes(serve)).find((n) => n.id === 'sidecar-api')!;
      for (const r of all) expect(me.types[shortName(r.type_url)]!.acked).toBe(r.version_info);
    });

    it('ignores a request whose nonce is stale', async () => {
      s.client.send({ type_url: CLUSTER, version_info: acked.get(CLUSTER)!.version_info, response_nonce: 'stale', resource_names: ['shop/nothing'] });
      expect(await s.client.quiet(400)).toBe(true);
      expect(serve.logs.some((l) => l.event === 'xds_stale_nonce')).toBe(true);
    });

    it('pushes an edit in make-before-break order: CDS, EDS, LDS, RDS, then ECDS', async () => {
      const started = Date.now();
      edit(withLedger(SHOP_YAML));
      const first = await s.client.next(3000);
      const pushed = [first, ...(await s.drain())];
      expect(Date.now() - started).toBeLessThan(3000);
      expect(pushed.map((r) => shortName(r.type_url))).toEqual(['CDS', 'EDS', 'LDS', 'RDS', 'ECDS']);
      expect(names(pushed[0]!)).toContain('shop/ledger');
      for (const r of pushed) {
        expect(r.version_info).not.toBe(acked.get(r.type_url)!.version_info);
        s.ack(r, r.type_url === ENDPOINT ? ['shop/payments', 'shop/db', 'shop/ledger'] : undefined);
        acked.set(r.type_url, r);
      }
      const eds = await s.client.next();
      expect(names(eds).sort()).toEqual(['shop/db', 'shop/ledger', 'shop/payments']);
      s.ack(eds);
      acked.set(ENDPOINT, eds);
    });

    it('records a NACK, keeps the last ACKed version and does not send the rejected one again', async () => {
      const before = acked.get(LISTENER)!.version_info;
      edit(withLedger(SHOP_YAML).replace('"/v2/*"', '"/v3/*"'));
      const pushed = [await s.client.next(3000), ...(await s.drain())];
      expect(pushed.map((r) => shortName(r.type_url))).toEqual(['LDS', 'ECDS']);
      const [lds, ecds] = pushed as [SotwResponse, SotwResponse];
      s.nack(lds, before, 'rejected by the test');
      s.ack(ecds);
      expect(await s.client.quiet(800)).toBe(true);
      const me = (await nodes(serve)).find((n) => n.id === 'sidecar-api')!;
      expect(me.types.LDS).toMatchObject({ acked: before, sent: lds.version_info, nacks: 1 });
      expect(me.lastNack).toMatchObject({ type: 'LDS', version: lds.version_info, error: 'rejected by the test' });
      expect(serve.logs.some((l) => l.event === 'xds_nack' && l.type === 'LDS')).toBe(true);
      // Another edit that leaves the listeners as they were rejected: only ECDS goes out.
      edit(withLedger(SHOP_YAML).replace('"/v2/*"', '"/v3/*"').replace('threshold: 10', 'threshold: 11'));
      const next = [await s.client.next(3000), ...(await s.drain())];
      expect(next.map((r) => shortName(r.type_url))).toEqual(['ECDS']);
      s.ack(next[0]!);
      const metrics = (await httpGet(serve.adminPort, '/metrics')).body;
      expect(metrics).toMatch(/meshguard_xds_nacks_total\{type="LDS"\} 1/);
    });

    it('sends the full state on CDS: a removed workload is simply absent', async () => {
      edit(SHOP_YAML);
      const pushed = [await s.client.next(3000), ...(await s.drain())];
      const cds = pushed.find((r) => r.type_url === CLUSTER)!;
      expect(names(cds)).toEqual(['meshguard.authz', 'meshguard.passthrough', 'meshguard.dfp', 'meshguard.inbound|8080', 'shop/payments', 'shop/db']);
      expect(pushed.find((r) => r.type_url === LISTENER)).toBeDefined();
      for (const r of pushed) s.ack(r, r.type_url === ENDPOINT ? ['shop/payments', 'shop/db'] : undefined);
    });
  });

  describe('incremental (delta)', () => {
    let c: AdsClient<DeltaResponse, DeltaDiscoveryRequest>;
    beforeAll(() => {
      c = AdsClient.delta(address());
    });
    afterAll(() => c.close());

    const ack = (r: DeltaResponse) => c.send({ type_url: r.type_url, response_nonce: r.nonce });

    it('sends names and versions, then only what changed, then removals', async () => {
      c.send({ node: nodeMessage('delta-api', api), type_url: CLUSTER, resource_names_subscribe: ['*'] });
      const cds = await c.next();
      expect(cds.resources.map((r) => r.name)).toEqual(['meshguard.authz', 'meshguard.passthrough', 'meshguard.dfp', 'meshguard.inbound|8080', 'shop/payments', 'shop/db']);
      for (const r of cds.resources) expect(r.version).toMatch(/^[0-9a-f]{16}$/);
      ack(cds);
      c.send({ type_url: LISTENER, resource_names_subscribe: ['*'] });
      ack(await c.next());
      c.send({ type_url: EXTENSION_CONFIG, resource_names_subscribe: ECDS_NAMES });
      const ecds = await c.next();
      expect(ecds.resources.map((r) => r.name)).toEqual(ECDS_NAMES);
      ack(ecds);
      expect(await c.quiet(300)).toBe(true);

      edit(withLedger(SHOP_YAML));
      const added = await c.next(3000);
      expect(added.type_url).toBe(CLUSTER);
      expect(added.resources.map((r) => r.name)).toEqual(['shop/ledger']);
      expect(added.removed_resources).toEqual([]);
      ack(added);
      const rest = [];
      for (let r = await c.next(); ; r = await c.next(600).catch(() => null as unknown as DeltaResponse)) {
        if (!r) break;
        rest.push(r);
        ack(r);
      }
      expect(rest.map((r) => shortName(r.type_url))).toEqual(['LDS', 'ECDS']);
      expect(rest[0]!.resources.map((r) => r.name)).toEqual(['meshguard.inbound']);

      edit(SHOP_YAML);
      const removed = await c.next(3000);
      expect(removed.type_url).toBe(CLUSTER);
      expect(removed.resources).toEqual([]);
      expect(removed.removed_resources).toEqual(['shop/ledger']);
      ack(removed);
    });

    it('records a NACK and does not send the rejected versions again', async () => {
      for (let r = await c.next(600).catch(() => null); r; r = await c.next(600).catch(() => null)) ack(r);
      edit(SHOP_YAML.replace('threshold: 10', 'threshold: 12'));
      const ecds = await c.next(3000);
      expect(ecds.type_url).toBe(EXTENSION_CONFIG);
      c.send({ type_url: EXTENSION_CONFIG, response_nonce: ecds.nonce, error_detail: { code: 3, message: 'bad wasm config' } });
      expect(await c.quiet(800)).toBe(true);
      const me = (await nodes(serve)).find((n) => n.id === 'delta-api')!;
      expect(me.lastNack).toMatchObject({ type: 'ECDS', error: 'bad wasm config' });
      // An explicit subscription is answered once more (it is not a re-send loop).
      c.send({ type_url: EXTENSION_CONFIG, resource_names_subscribe: ['meshguard.identity'] });
      const again = await c.next();
      expect(again.resources.map((r) => r.name)).toEqual(['meshguard.identity']);
      ack(again);
    });

    it('trusts initial_resource_versions on a new stream', async () => {
      const first = AdsClient.delta(address());
      first.send({ node: nodeMessage('delta-api-2', api), type_url: CLUSTER, resource_names_subscribe: ['*'] });
      const all = await first.next();
      first.close();
      const second = AdsClient.delta(address());
      const held = Object.fromEntries(all.resources.map((r) => [r.name, r.version]));
      second.send({ node: nodeMessage('delta-api-2', api), type_url: CLUSTER, resource_names_subscribe: ['*'], initial_resource_versions: held });
      const r = await second.next();
      expect(r.resources).toEqual([]);
      expect(r.removed_resources).toEqual([]);
      second.close();
    });
  });

  describe('proxyless gRPC node', () => {
    it('gets only what it names: no legacy wildcard', async () => {
      const s = new Sotw(AdsClient.sotw(address()));
      const grpcNode = nodeMessage('grpc-frontend', { 'meshguard.io/workload': 'shop/frontend', 'meshguard.io/proxyless': 'true' }, 'gRPC Node Pure JS');
      const empty = await s.request(LISTENER, [], grpcNode);
      expect(empty.resources).toEqual([]);
      s.ack(empty);
      s.client.send({ type_url: LISTENER, version_info: empty.version_info, response_nonce: empty.nonce, resource_names: ['api.shop', 'meshguard/grpc/server?address=10.1.0.12:8080'] });
      const named = await s.client.next();
      expect(names(named)).toEqual(['api.shop', 'meshguard/grpc/server?address=10.1.0.12:8080']);
      s.client.close();
    });

    it('is told from an Envoy by the names it asks for, without marker or known user agent', async () => {
      const s = new Sotw(AdsClient.sotw(address()));
      const bare = nodeMessage('grpc-bare', { 'meshguard.io/workload': 'shop/api' }, 'some-xds-library');
      const server = await s.request(LISTENER, ['meshguard/grpc/server?address=127.0.0.1:9'], bare);
      expect(names(server)).toEqual(['meshguard/grpc/server?address=127.0.0.1:9']);
      const doc = (await nodes(serve)).find((n) => n.id === 'grpc-bare') as unknown as { kind: string; kindBy: string };
      expect(doc).toMatchObject({ kind: 'grpc', kindBy: 'resource names' });
      s.client.close();
    });
  });

  it('serves the wasm filter configs on ExtensionConfigDiscoveryService too (SotW and delta)', async () => {
    const sotw = AdsClient.sotw(address(), undefined, true);
    sotw.send({ node: nodeMessage('ecds-only', api), resource_names: ['meshguard.identity'] });
    const r = await sotw.next();
    expect(r.type_url).toBe(EXTENSION_CONFIG);
    expect(names(r)).toEqual(['meshguard.identity']);
    sotw.close();
    const delta = AdsClient.delta(address(), undefined, true);
    delta.send({ node: nodeMessage('ecds-only-delta', api), resource_names_subscribe: ECDS_NAMES });
    expect((await delta.next()).resources.map((x) => x.name)).toEqual(ECDS_NAMES);
    delta.close();
    const wrong = AdsClient.sotw(address(), undefined, true);
    wrong.send({ node: nodeMessage('ecds-wrong', api), type_url: CLUSTER, resource_names: [] });
    expect((await wrong.status).code).toBe(3);
    wrong.close();
  });

  it('accepts the workload as Istio passes it (ISTIO_META_MESHGUARD_WORKLOAD → MESHGUARD_WORKLOAD)', async () => {
    const c = AdsClient.sotw(address(), undefined, true);
    c.send({ node: nodeMessage('istio-sidecar', { MESHGUARD_WORKLOAD: 'shop/api' }), resource_names: ['meshguard.identity'] });
    const r = await c.next();
    expect(names(r)).toEqual(['meshguard.identity']);
    c.close();
  });

  it('refuses a node without a workload with INVALID_ARGUMENT', async () => {
    const c = AdsClient.sotw(address());
    c.send({ node: nodeMessage('anonymous', {}), type_url: CLUSTER, resource_names: [] });
    expect((await c.status).code).toBe(3);
    c.close();
  });

  it('forgets nodes when their streams close', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const status = JSON.parse((await httpGet(serve.adminPort, '/status')).body) as { xds: { connectedNodes: number; snapshots: number } };
    expect(status.xds).toMatchObject({ connectedNodes: 0, snapshots: 0 });
    expect(await nodes(serve)).toEqual([]);
  });
});
