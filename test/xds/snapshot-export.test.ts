// `meshguard render xds-snapshot`: the snapshots it exports are those `serve` sends (same versions,
// same bytes), and go-control-plane (bench/peers/go-control-plane, built by scripts/build-peers.sh)
// serves them unchanged: the benchmark's side-by-side rests on both.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPeers } from '../../bench/peers/binaries.js';
import { GoControlPlane } from '../../bench/peers/go-control-plane.js';
import { AdsClient, nodeMessage, type SotwResponse } from '../../control-plane/xds/client.js';
import type { SnapshotExport } from '../../control-plane/xds/export.js';
import { messageType, TO_OBJECT } from '../../control-plane/xds/proto.js';
import { CLUSTER, LISTENER } from '../../control-plane/xds/type-urls.js';
import { runMeshguard } from '../helpers/cli.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';

const POLICY = join(process.cwd(), 'examples', 'shop.yaml');
const NODES = [
  { id: 'fe-1', user_agent_name: 'envoy', metadata: { 'meshguard.io/workload': 'shop/frontend' } },
  { id: 'fe-2', user_agent_name: 'envoy', metadata: { 'meshguard.io/workload': 'shop/frontend' } },
  { id: 'api-1', user_agent_name: 'envoy', metadata: { 'meshguard.io/workload': 'shop/api' } },
];

/** CDS and LDS (wildcards, as Envoy asks) from an ADS server, as node `id` of `workload`. */
async function fetchCdsLds(address: string, id: string, workload: string): Promise<SotwResponse[]> {
  const client = AdsClient.sotw(address);
  try {
    client.send({ node: nodeMessage(id, { 'meshguard.io/workload': workload }, 'envoy'), type_url: CLUSTER, resource_names: [] });
    const cds = await client.next(15_000);
    client.send({ type_url: LISTENER, resource_names: [] });
    const lds = await client.next(15_000);
    return [cds, lds];
  } finally {
    client.close();
  }
}

describe('render xds-snapshot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-xds-export-'));
  const nodesFile = join(dir, 'nodes.json');
  const out = join(dir, 'snapshots.json');
  let serve: ServeProcess;
  let exported: SnapshotExport;

  beforeAll(async () => {
    writeFileSync(nodesFile, JSON.stringify(NODES));
    serve = await startServe(['--policy', POLICY, '--redis', 'none']);
    const r = await runMeshguard(['render', 'xds-snapshot', '--policy', POLICY, '--nodes', nodesFile, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    exported = JSON.parse(readFileSync(out, 'utf8')) as SnapshotExport;
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('groups nodes by snapshot and writes each resource once', () => {
    expect(exported.format).toBe('meshguard.xds-snapshots/v1');
    expect(exported.snapshots.map((s) => s.nodes)).toEqual([['fe-1', 'fe-2'], ['api-1']]);
    const keys = exported.resources.map((r) => `${r.typeUrl} ${r.name} ${r.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of exported.snapshots) expect(s.resources[LISTENER]!.map((i) => exported.resources[i]!.name).sort()).toEqual(['meshguard.inbound', 'meshguard.outbound']);
  });

  it('holds what serve sends the same nodes: versions and bytes', async () => {
    for (const [id, workload, snapshot] of [['fe-1', 'shop/frontend', 0], ['api-1', 'shop/api', 1]] as const) {
      const s = exported.snapshots[snapshot]!;
      for (const response of await fetchCdsLds(`127.0.0.1:${serve.xdsPort}`, id, workload)) {
        expect(response.version_info).toBe(s.typeVersions[response.type_url]);
        const bytes = s.resources[response.type_url]!.map((i) => exported.resources[i]!.value).sort();
        expect(response.resources.map((r) => Buffer.from(r.value).toString('base64')).sort()).toEqual(bytes);
      }
    }
  }, 30_000);

  it('is served unchanged by go-control-plane', async () => {
    await buildPeers(['go-control-plane']);
    const go = await GoControlPlane.start('127.0.0.1:0');
    try {
      expect(await go.ask({ cmd: 'load', file: out })).toMatchObject({ event: 'loaded', nodes: 3, resources: exported.resources.length });
      expect(await go.ask({ cmd: 'apply' })).toMatchObject({ event: 'applied' });
      const s = exported.snapshots[0]!;
      for (const response of await fetchCdsLds(`127.0.0.1:${go.port}`, 'fe-2', 'shop/frontend')) {
        expect(response.version_info).toBe(s.version);
        // Go re-encodes (field-number order, proto3 defaults left out): the same messages, not the same bytes.
        const type = messageType(response.type_url);
        const decoded = (values: Uint8Array[]) => values.map((v) => JSON.stringify(type.toObject(type.decode(v), { ...TO_OBJECT, defaults: true }))).sort();
        const ours = s.resources[response.type_url]!.map((i) => Buffer.from(exported.resources[i]!.value, 'base64'));
        expect(decoded(response.resources.map((r) => r.value))).toEqual(decoded(ours));
      }
    } finally {
      await go.stop();
    }
  }, 300_000);
});
