// Direct mode (node metadata meshguard.io/inbound-address, outbound-address, app-address): a
// sidecar without an iptables redirect listens on its own addresses, at the workload's ports.
import { describe, expect, it } from 'vitest';
import { CLUSTER, LISTENER } from '../../control-plane/xds/type-urls.js';
import { checkingBuilder, nodeOf, shop } from './helpers.js';

const DIRECT = {
  'meshguard.io/inbound-address': '127.9.9.2', 'meshguard.io/outbound-address': '127.9.9.3',
  'meshguard.io/app-address': '127.9.9.4', 'meshguard.io/outbound-port': '40001',
};

function built(workload: string, metadata: Record<string, string>, edit?: (y: string) => string) {
  const { builder, checked } = checkingBuilder();
  builder.build(shop(edit), nodeOf(workload, metadata));
  expect(checked.filter((c) => c.problems.length > 0)).toEqual([]);
  const get = (typeUrl: string, name: string) => checked.find((c) => c.typeUrl === typeUrl && c.name === name)!.object as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return get;
}

const address = (host: string, port: number) => ({ socket_address: { address: host, port_value: port } });

describe('sidecar listeners in direct mode', () => {
  it('listen at the workload\'s ports on the inbound address, and at the outbound port, 80 and 443 on the outbound one', () => {
    const get = built('shop/api', DIRECT, (y) => y.replace(/(serviceAccount: api\n.*\n\s*)ports: \[8080\]/, '$1ports: [8080, 8443]'));
    const inbound = get(LISTENER, 'meshguard.inbound');
    expect(inbound.address).toEqual(address('127.9.9.2', 8080));
    expect(inbound.additional_addresses).toEqual([{ address: address('127.9.9.2', 8443) }]);
    const outbound = get(LISTENER, 'meshguard.outbound');
    expect([outbound.address, ...outbound.additional_addresses.map((a: { address: unknown }) => a.address)])
      .toEqual([address('127.9.9.3', 40001), address('127.9.9.3', 80), address('127.9.9.3', 443)]);
  });

  it('send the application\'s traffic to the app address, passthrough included (there is no original destination)', () => {
    const get = built('shop/api', DIRECT);
    expect(get(CLUSTER, 'meshguard.inbound|8080').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual(address('127.9.9.4', 8080));
    const pass = get(CLUSTER, 'meshguard.passthrough');
    expect(pass.type).toBe('STATIC');
    expect(pass.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual(address('127.9.9.4', 40001));
  });

  it('leave the redirect defaults alone without the metadata', () => {
    const get = built('shop/api', {});
    expect(get(LISTENER, 'meshguard.inbound').address).toEqual(address('0.0.0.0', 15006));
    expect(get(LISTENER, 'meshguard.inbound').additional_addresses).toBeUndefined();
    expect(get(CLUSTER, 'meshguard.passthrough').type).toBe('ORIGINAL_DST');
    expect(get(CLUSTER, 'meshguard.inbound|8080').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual(address('127.0.0.1', 8080));
  });
});
