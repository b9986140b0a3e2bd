// Every generated resource against Envoy's protos: no field unknown to the protos (fromObject
// would drop it silently), encode → decode → validate → encode → decode gives the same message,
// snapshots are consistent; plus the shape of what matters (filter order, ECDS, TLS, wasm hash).
import { describe, expect, it } from 'vitest';
import type { Snapshot, XdsResource } from '../../control-plane/xds/contracts.js';
import { encodeMessage, messageType } from '../../control-plane/xds/proto.js';
import { checkObject } from '../../control-plane/xds/proto-check.js';
import { RESOURCE_TYPES } from '../../control-plane/xds/resources/index.js';
import { CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, PUSH_ORDER, ROUTE } from '../../control-plane/xds/type-urls.js';
import { filterConfigFor, perFilterConfigs } from '../../control-plane/filter-config/filter-config.js';
import { SnapshotBuilder } from '../../control-plane/xds/snapshot-builder.js';
import { checkingBuilder, nodeOf, proxyless, shop, type Checked } from './helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function everything(s: Snapshot, extraListeners: string[] = []): XdsResource[] {
  const out: XdsResource[] = [];
  for (const t of PUSH_ORDER) out.push(...s.list(t));
  for (const name of extraListeners) out.push(s.get(LISTENER, name)!);
  return out;
}

function roundTrip(r: XdsResource): Obj {
  const type = RESOURCE_TYPES.get(r.typeUrl)!;
  const decoded = type.decode(r.value);
  const validation = type.validate(decoded);
  expect(validation.ok ? [] : validation.diags, `${r.typeUrl} ${r.name}`).toEqual([]);
  expect(type.nameOf(decoded)).toBe(r.name);
  const again = type.decode(encodeMessage(r.typeUrl, decoded));
  expect(type.equals(decoded, again), `${r.name} round trip`).toBe(true);
  return decoded;
}

function expectClean(checked: readonly Checked[]): void {
  expect(checked.length).toBeGreaterThan(0);
  for (const c of checked) expect(c.problems, `${c.typeUrl} ${c.name}`).toEqual([]);
}

const variants: [string, (y: string) => string][] = [
  ['strict', (y) => y],
  ['permissive, default allow', (y) => y.replace('mtls: strict', 'mtls: permissive').replace('inbound: deny', 'inbound: allow')],
];

describe('generated resources', () => {
  for (const [label, edit] of variants) {
    it(`round-trip through Envoy's protos for every workload (${label})`, () => {
      const policy = shop(edit);
      const { builder, checked } = checkingBuilder();
      for (const key of policy.workloads.keys()) {
        const sidecar = builder.build(policy, nodeOf(key));
        expect(sidecar.consistent()).toEqual([]);
        for (const r of everything(sidecar)) roundTrip(r);
        const grpc = builder.build(policy, nodeOf(key, proxyless));
        for (const r of everything(grpc, ['meshguard/grpc/server?address=127.0.0.1:8080', 'meshguard/grpc/server?address=[::1]:9090'])) roundTrip(r);
      }
      expectClean(checked);
    });
  }

  it('round-trip with remote wasm code and mTLS to meshguard', () => {
    const policy = shop();
    const { builder, checked } = checkingBuilder({
      wasm: { baseUrl: 'https://artifacts.example/meshguard/', sha256: { identity: 'a'.repeat(64), egress: 'b'.repeat(64), anomaly: 'c'.repeat(64) } },
      tls: { authzIdentity: 'spiffe://cluster.local/ns/meshguard/sa/meshguard' },
    });
    const s = builder.build(policy, nodeOf('shop/payments', { 'meshguard.io/wasm-dir': '/opt/wasm', 'meshguard.io/authz-address': 'meshguard.meshguard.svc:9001' }));
    for (const r of everything(s)) roundTrip(r);
    expectClean(checked);
    const ecds = roundTrip(s.get(EXTENSION_CONFIG, 'meshguard.egress')!);
    expect(ecds.typed_config.config.vm_config.code.remote).toMatchObject({ sha256: 'b'.repeat(64), http_uri: { uri: 'https://artifacts.example/meshguard/egress.wasm', cluster: 'meshguard.wasm' } });
    const authz = roundTrip(s.get(CLUSTER, 'meshguard.authz')!);
    expect(authz.type).toBe('STRICT_DNS');
    expect(authz.transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/meshguard/sa/meshguard' } }]);
    expect(s.get(CLUSTER, 'meshguard.wasm')).toBeDefined();
  });

  it('encodes the outbound table by parts byte for byte as encoding the whole object does', () => {
    const policy = shop((y) => y.replace('inbound: deny', 'inbound: allow'));
    const slow = checkingBuilder().builder;
    const fast = new SnapshotBuilder({ ...slow.settings, inspect: undefined });
    for (const key of policy.workloads.keys()) {
      const a = slow.build(policy, nodeOf(key));
      const b = fast.build(policy, nodeOf(key));
      expect(b.get(ROUTE, 'meshguard.outbound')!.version).toBe(a.get(ROUTE, 'meshguard.outbound')!.version);
      expect(b.version).toBe(a.version);
    }
  });

  it('checks objects strictly: unknown fields, unknown Any types and bad enums are named', () => {
    const problems = checkObject(messageType(LISTENER), {
      name: 'x', bogus: 1, drain_type: 'SOMETIMES',
      filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/not.a.Type' } }] }],
    });
    expect(problems).toEqual([
      'envoy.config.listener.v3.Listener.bogus: no such field in envoy.config.listener.v3.Listener',
      'envoy.config.listener.v3.Listener.drain_type: "SOMETIMES" is not a value of envoy.config.listener.v3.Listener.DrainType',
      `envoy.config.listener.v3.Listener.filter_chains[0].filters[0].typed_config['@type']: unknown type "type.googleapis.com/not.a.Type"`,
    ]);
  });
});

describe('an Envoy sidecar snapshot (shop/api)', () => {
  const policy = shop();
  const { builder, checked } = checkingBuilder();
  const s = builder.build(policy, nodeOf('shop/api'));
  const object = (typeUrl: string, name: string) => checked.filter((c) => c.typeUrl === typeUrl && c.name === name).at(-1)!.object as Obj;

  it('chains identity and anomaly wasm (ECDS), ext_authz, RBAC, then the router on every inbound port', () => {
    const inbound = roundTrip(s.get(LISTENER, 'meshguard.inbound')!);
    expect(inbound.filter_chains).toHaveLength(1);
    const hcm = inbound.filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: Obj) => f.name)).toEqual(['meshguard.identity', 'meshguard.anomaly', 'envoy.filters.http.ext_authz', 'envoy.filters.http.rbac', 'envoy.filters.http.router']);
    expect(hcm.http_filters[0].config_discovery).toEqual({ config_source: { ads: {}, resource_api_version: 'V3' }, type_urls: ['type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm'] });
    expect(inbound.filter_chains[0].filter_chain_match).toEqual({ destination_port: { value: 8080 }, transport_protocol: 'tls' });
    expect(inbound.filter_chains[0].transport_socket.typed_config.require_client_certificate).toEqual({ value: true });
    expect(hcm.route_config.virtual_hosts[0].typed_per_filter_config['envoy.filters.http.ext_authz'].check_settings.context_extensions).toEqual({ 'meshguard.io/workload': 'shop/api' });
    const extAuthz = object(LISTENER, 'meshguard.inbound').filter_chains[0].filters[0].typed_config.http_filters[2].typed_config;
    expect(extAuthz).toMatchObject({ failure_mode_allow: false, grpc_service: { envoy_grpc: { cluster_name: 'meshguard.authz' } }, transport_api_version: 'V3' });
  });

  it('chains the egress wasm filter, ext_authz (outbound), the destination port, the forward proxy and the router on the outbound listener', () => {
    const outbound = roundTrip(s.get(LISTENER, 'meshguard.outbound')!);
    const hcm = outbound.filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: Obj) => f.name)).toEqual([
      'meshguard.egress', 'envoy.filters.http.ext_authz', 'envoy.filters.http.set_filter_state', 'envoy.filters.http.dynamic_forward_proxy', 'envoy.filters.http.router',
    ]);
    expect(hcm.strip_any_host_port).toBeFalsy();
    expect(hcm.rds.route_config_name).toBe('meshguard.outbound');
    const route = roundTrip(s.get(ROUTE, 'meshguard.outbound')!);
    expect(route.typed_per_filter_config['envoy.filters.http.ext_authz'].check_settings.context_extensions).toEqual({ 'meshguard.io/workload': 'shop/api', 'meshguard.io/direction': 'outbound' });
    expect(route.virtual_hosts.map((v: Obj) => v.name)).toEqual(['shop/payments', 'shop/db', 'egress']);
    expect(route.virtual_hosts[2].routes[0].route.cluster).toBe('meshguard.dfp');
    expect(route.ignore_port_in_host_matching).toBe(true);
    expect(route.virtual_hosts[0].domains).toEqual(['payments.shop', 'payments.shop.svc', 'payments.shop.svc.cluster.local']);
  });

  it('serves each wasm filter over ECDS: the module file, its sha256, root_id, FAIL_CLOSED and the filter-config JSON', () => {
    const ecds = roundTrip(s.get(EXTENSION_CONFIG, 'meshguard.identity')!);
    const config = ecds.typed_config.config;
    expect(ecds.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm');
    expect(config).toMatchObject({ name: 'meshguard.identity', root_id: 'meshguard.identity', failure_policy: 'FAIL_CLOSED' });
    expect(config.vm_config).toMatchObject({ runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: '/etc/meshguard/wasm/identity.wasm' } } });
    expect(config.vm_config.environment_variables.key_values).toEqual({ MESHGUARD_WASM_SHA256: 'a'.repeat(64) });
    expect(config.configuration['@type']).toBe('type.googleapis.com/google.protobuf.StringValue');
    const whole = filterConfigFor(policy, policy.workloads.get('shop/api')!);
    expect(JSON.parse(config.configuration.value)).toEqual(perFilterConfigs(whole).identity);
    const anomaly = roundTrip(s.get(EXTENSION_CONFIG, 'meshguard.anomaly')!);
    // Each filter gets only its own sections: the anomaly model and the egress rules go nowhere else.
    expect(JSON.parse(anomaly.typed_config.config.configuration.value)).toEqual({ version: whole.version, workload: 'shop/api', anomaly: whole.anomaly });
    const egress = roundTrip(s.get(EXTENSION_CONFIG, 'meshguard.egress')!);
    expect(JSON.parse(egress.typed_config.config.configuration.value)).toEqual({ version: whole.version, workload: 'shop/api', identity: whole.identity, quarantined: [], egress: whole.egress });
    expect(JSON.parse(config.configuration.value)).not.toHaveProperty('egress');
    expect(anomaly.typed_config.config.vm_config.environment_variables).toBeUndefined();
  });

  it('resolves egress names with the node\'s DNS resolver when it names one (same cache in filter and cluster)', () => {
    const withDns = checkingBuilder().builder.build(policy, nodeOf('shop/api', { 'meshguard.io/dns-resolver': '127.0.0.1:5353' }));
    const dfp = roundTrip(withDns.get(CLUSTER, 'meshguard.dfp')!);
    const cache = dfp.cluster_type.typed_config.dns_cache_config;
    expect(cache.typed_dns_resolver_config.typed_config.resolvers[0].socket_address).toEqual({ address: '127.0.0.1', port_value: 5353 });
    const hcm = roundTrip(withDns.get(LISTENER, 'meshguard.outbound')!).filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters[3].typed_config.dns_cache_config).toEqual(cache);
  });

  it('has clusters for meshguard, the local app, passthrough, the forward proxy and only the workloads it may call, with mTLS checking their identity', () => {
    expect([...s.list(CLUSTER)].map((r) => r.name)).toEqual(['meshguard.authz', 'meshguard.passthrough', 'meshguard.dfp', 'meshguard.inbound|8080', 'shop/payments', 'shop/db']);
    const payments = roundTrip(s.get(CLUSTER, 'shop/payments')!);
    expect(payments).toMatchObject({ type: 'EDS', eds_cluster_config: { service_name: 'shop/payments', eds_config: { ads: {} } } });
    expect(payments.transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher.exact).toBe('spiffe://cluster.local/ns/shop/sa/payments');
    const cla = roundTrip(s.get(ENDPOINT, 'shop/payments')!);
    expect(cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '10.1.0.30', port_value: 8443 });
  });
});

describe('a proxyless gRPC snapshot', () => {
  const policy = shop();
  const { builder } = checkingBuilder();
  const s = builder.build(policy, nodeOf('shop/frontend', proxyless));

  it('answers xds:///api.shop with an api_listener → route → cluster shop/api with mTLS to its identity → endpoints', () => {
    const listener = roundTrip(s.get(LISTENER, 'api.shop')!);
    expect(listener.api_listener.api_listener.rds).toEqual({ route_config_name: 'api.shop', config_source: { ads: {}, resource_api_version: 'V3' } });
    const route = roundTrip(s.get(ROUTE, 'api.shop')!);
    expect(route.virtual_hosts[0].routes[0].route.cluster).toBe('shop/api');
    const cluster = roundTrip(s.get(CLUSTER, 'shop/api')!);
    const ctx = cluster.transport_socket.typed_config.common_tls_context;
    expect(ctx.tls_certificate_provider_instance.instance_name).toBe('meshguard');
    expect(ctx.validation_context).toEqual({ ca_certificate_provider_instance: { instance_name: 'meshguard' }, match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/shop/sa/api' }] });
    const cla = roundTrip(s.get(ENDPOINT, 'shop/api')!);
    expect(cla.endpoints[0]).toMatchObject({ locality: {}, load_balancing_weight: { value: 1 } });
    expect(cla.endpoints[0].lb_endpoints).toHaveLength(2);
  });

  it('answers a server listener name with its address, RBAC then the router, non_forwarding_action and required client certificates', () => {
    const server = builder.build(policy, nodeOf('shop/api', proxyless));
    const name = 'meshguard/grpc/server?address=[::1]:8080';
    const listener = roundTrip(server.get(LISTENER, name)!);
    expect(listener.address.socket_address).toEqual({ address: '::1', port_value: 8080 });
    const chain = listener.default_filter_chain;
    const hcm = chain.filters[0].typed_config;
    expect(hcm.http_filters.map((f: Obj) => f.typed_config['@type'])).toEqual([
      'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
    ]);
    expect(hcm.route_config.virtual_hosts[0].routes[0]).toEqual({ match: { prefix: '' }, non_forwarding_action: {} });
    expect(chain.transport_socket.typed_config.require_client_certificate).toEqual({ value: true });
    expect(server.get(LISTENER, 'meshguard/grpc/server?address=nonsense')).toBeUndefined();
    expect(s.get(LISTENER, 'not-a-workload.shop')).toBeUndefined();
  });
});

describe('resource validation', () => {
  const listener = RESOURCE_TYPES.get(LISTENER)!;
  const hcm = (filters: Obj[]) => ({
    name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } },
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', rds: { route_config_name: 'r', config_source: { ads: {} } }, http_filters: filters } }] }],
  });
  const router = { name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

  it('names the field of each problem', () => {
    const bad = listener.validate(hcm([router, { name: 'router', config_discovery: { config_source: { path: '/x' } } }]));
    expect(bad.ok ? [] : bad.diags.map((d) => `${d.path}: ${d.message}`)).toEqual([
      'filter_chains[0].filters[0].typed_config.http_filters[0]: router before the end',
      'filter_chains[0].filters[0].typed_config.http_filters[1]: duplicate filter name "router"',
      'filter_chains[0].filters[0].typed_config.http_filters[1].config_discovery.config_source: not ADS',
      'filter_chains[0].filters[0].typed_config.http_filters[1].config_discovery.type_urls: empty',
      'filter_chains[0].filters[0].typed_config.http_filters[1]: the last filter is not the router',
    ]);
    expect(listener.validate(hcm([router])).ok).toBe(true);
    const cla = RESOURCE_TYPES.get(ENDPOINT)!.validate({ cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'db', port_value: 1 } } } }] }] });
    expect(cla.ok ? [] : cla.diags.map((d) => d.path)).toEqual(['endpoints[0].locality', 'endpoints[0].load_balancing_weight', 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address']);
    const wasm = RESOURCE_TYPES.get(EXTENSION_CONFIG)!.validate({ name: 'w', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', config: { vm_config: { runtime: 'v8', code: { remote: { http_uri: { uri: 'https://x/w.wasm' } } } } } } });
    expect(wasm.ok ? [] : wasm.diags.map((d) => d.path)).toEqual(['typed_config.config.vm_config.code.remote.sha256']);
  });
});
