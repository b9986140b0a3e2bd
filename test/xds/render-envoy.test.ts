// `meshguard render envoy`: a bootstrap checked against the Bootstrap proto, and the examples in
// envoy/ are exactly what the command prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';

const ENVOY = fileURLToPath(new URL('../../envoy/', import.meta.url));
const EXAMPLES = ['bootstrap-shop-api.yaml', 'bootstrap-shop-payments.yaml'];

function commandOf(file: string): string[] {
  const first = readFileSync(`${ENVOY}${file}`, 'utf8').split('\n')[0]!;
  const m = /`meshguard (render envoy [^`]*)`/.exec(first);
  if (!m) throw new Error(`${file}: no command in its first line`);
  return m[1]!.split(' ');
}

describe('meshguard render envoy', () => {
  for (const file of EXAMPLES) {
    it(`reproduces envoy/${file}`, async () => {
      const r = await runMeshguard(commandOf(file));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(readFileSync(`${ENVOY}${file}`, 'utf8'));
    });
  }

  it('writes a bootstrap with the workload in the node metadata and ADS for CDS and LDS', async () => {
    const r = await runMeshguard(['render', 'envoy', '--policy', 'examples/shop.yaml', '--workload', 'shop/frontend', '--xds-address', '10.0.0.5:18000', '--delta']);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(doc.node.metadata['meshguard.io/workload']).toBe('shop/frontend');
    expect(doc.dynamic_resources).toMatchObject({ ads_config: { api_type: 'DELTA_GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] }, cds_config: { ads: {} }, lds_config: { ads: {} } });
    expect(doc.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '10.0.0.5', port_value: 18000 });
    expect(doc.admin.address.socket_address.port_value).toBe(15000);
  });

  it('refuses an unknown workload', async () => {
    const r = await runMeshguard(['render', 'envoy', '--policy', 'examples/shop.yaml', '--workload', 'shop/nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--workload shop/nope: no such workload in the policy');
  });
});
