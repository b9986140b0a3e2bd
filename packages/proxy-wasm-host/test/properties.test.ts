import { beforeAll, describe, expect, it } from 'vitest';
import { FilterChain, type StreamInfoInput, type WasmHost, type Plugin } from '../src/index.js';
import { hexLE, hexOf, probeHost, probeRequest, probeResult } from './helpers/probe.js';

const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/frontend';
const START = new Date('2025-01-02T03:04:05.678Z');

const mtls: StreamInfoInput = {
  connection: {
    id: 77,
    source: '10.1.0.12:34567',
    destination: '10.1.0.20:8080',
    requestedServerName: 'api.shop.svc.cluster.local',
    tls: { version: 'TLSv1.3', peerCertificate: { uriSans: [SPIFFE], subject: 'CN=frontend' } },
  },
  protocol: 'HTTP/2',
  route: { clusterName: 'inbound|8080||', routeName: 'default' },
  upstream: { address: '10.1.0.20:8080' },
  startTime: START,
};
const plaintext: StreamInfoInput = { connection: { source: '[2001:db8::7]:443', destination: '10.1.0.20:8080' } };
const tlsNoPeer: StreamInfoInput = { connection: { source: '10.1.0.12:1', tls: { version: 'TLSv1.2' } } };

let host: WasmHost;
let plugin: Plugin;
beforeAll(async () => {
  host = await probeHost({
    canary: false,
    vmId: 'mg-vm',
    node: { id: 'sidecar~10.1.0.20~api.shop', metadata: { 'meshguard.io/workload': 'shop/api', replicas: 3, canary: true } },
  });
  plugin = host.createPlugin({ name: 'shop.identity', rootId: 'identity' });
});

/** Runs one command in on_request_headers of a fresh stream and returns its result. */
function read(command: string, info: StreamInfoInput, extra: Record<string, string> = {}): string {
  plugin.newHttpStream({ info }).requestHeaders(probeRequest({ req_headers: command }, extra), true);
  return probeResult(host, 'req_headers', command);
}

const int64 = (n: number) => `0 ${hexLE(BigInt(n))}`;
const str = (s: string) => `0 ${hexOf(s)}`;

describe('property encodings (Envoy serializeValue)', () => {
  const cases: { path: string; info: StreamInfoInput; result: string; fact: string }[] = [
    { path: 'source>address', info: mtls, result: str('10.1.0.12:34567'), fact: 'source.address is the raw string "ip:port"' },
    { path: 'source>address', info: plaintext, result: str('[2001:db8::7]:443'), fact: 'an IPv6 source.address is "[ip]:port"' },
    { path: 'source>port', info: mtls, result: int64(34567), fact: 'source.port is an int64: 8 bytes little-endian' },
    { path: 'destination>port', info: mtls, result: int64(8080), fact: 'destination is the downstream local address' },
    { path: 'connection>mtls', info: mtls, result: '0 01', fact: 'connection.mtls is one byte, 1 with a presented peer certificate' },
    { path: 'connection>mtls', info: plaintext, result: '0 00', fact: 'connection.mtls is false (not NotFound) on plaintext' },
    { path: 'connection>mtls', info: tlsNoPeer, result: '0 00', fact: 'connection.mtls is false on TLS without a client certificate' },
    { path: 'connection>uri_san_peer_certificate', info: mtls, result: str(SPIFFE), fact: 'the first URI SAN of the peer' },
    { path: 'connection>uri_san_peer_certificate', info: plaintext, result: '1', fact: 'no URI SAN without TLS: NotFound' },
    { path: 'connection>uri_san_peer_certificate', info: tlsNoPeer, result: '1', fact: 'no URI SAN without a peer certificate: NotFound' },
    { path: 'connection>subject_peer_certificate', info: mtls, result: str('CN=frontend'), fact: 'the peer subject' },
    { path: 'connection>requested_server_name', info: mtls, result: str('api.shop.svc.cluster.local'), fact: 'the SNI' },
    { path: 'connection>requested_server_name', info: plaintext, result: '0 ', fact: 'no SNI is an empty string, not NotFound' },
    { path: 'connection>tls_version', info: mtls, result: str('TLSv1.3'), fact: 'the TLS version' },
    { path: 'connection>id', info: mtls, result: `0 ${hexLE(77n)}`, fact: 'connection.id is a uint64' },
    { path: 'connection_id', info: mtls, result: `0 ${hexLE(77n)}`, fact: 'connection_id (Wasm token) is the same uint64' },
    { path: 'connection', info: mtls, result: '3', fact: 'a wrapper that cannot list its keys fails to serialize' },
    { path: 'upstream>address', info: mtls, result: '1', fact: 'upstream.* is absent while request headers are processed' },
    { path: 'request>path', info: mtls, result: str('/probe?q=1'), fact: 'request.path includes the query' },
    { path: 'request>url_path', info: mtls, result: str('/probe'), fact: 'request.url_path drops the query' },
    { path: 'request>query', info: mtls, result: str('q=1'), fact: 'request.query is the text after "?"' },
    { path: 'request>host', info: mtls, result: str('svc.local'), fact: 'request.host is :authority' },
    { path: 'request>headers>x-multi', info: mtls, result: str('a,b'), fact: 'repeated request headers are joined with ","' },
    { path: 'request>headers>X-Multi', info: mtls, result: '1', fact: 'an invalid (upper-case) header name is NotFound' },
    { path: 'request>protocol', info: mtls, result: str('HTTP/2'), fact: 'request.protocol' },
    { path: 'request>time', info: mtls, result: `0 ${hexLE(BigInt(START.getTime()) * 1_000_000n)}`, fact: 'request.time is Unix nanoseconds, 8 bytes' },
    { path: 'request.path', info: mtls, result: '1', fact: 'a dotted path is one (unknown) top-level name: NotFound' },
    { path: 'plugin_name', info: mtls, result: str('shop.identity'), fact: 'plugin_name' },
    { path: 'plugin_root_id', info: mtls, result: str('identity'), fact: 'plugin_root_id' },
    { path: 'plugin_vm_id', info: mtls, result: str('mg-vm'), fact: 'plugin_vm_id' },
    { path: 'xds>node>metadata>meshguard.io/workload', info: mtls, result: str('shop/api'), fact: 'node metadata strings' },
    { path: 'xds>node>metadata>canary', info: mtls, result: '0 01', fact: 'node metadata booleans are one byte' },
    { path: 'xds>node>id', info: mtls, result: str('sidecar~10.1.0.20~api.shop'), fact: 'xds.node.id' },
    { path: 'xds>cluster_name', info: mtls, result: str('inbound|8080||'), fact: 'xds.cluster_name is known at request time' },
    { path: 'xds>route_name', info: mtls, result: str('default'), fact: 'xds.route_name' },
    { path: 'node>id', info: mtls, result: '1', fact: 'the pre-1.33 top-level "node" token no longer exists' },
  ];

  it.each(cases)('$fact', ({ path, info, result }) => {
    const extra = { 'x-multi': 'a' };
    const headers = probeRequest({ req_headers: `prop|${path}` }, extra);
    headers.push(['x-multi', 'b']);
    headers.find((h) => h[0] === ':path')![1] = '/probe?q=1';
    plugin.newHttpStream({ info }).requestHeaders(headers, true);
    expect(probeResult(host, 'req_headers', `prop|${path}`)).toBe(result);
  });

  it('a Struct number (node metadata) is a double: 8 bytes IEEE-754', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(3);
    expect(read('prop|xds>node>metadata>replicas', mtls)).toBe(`0 ${bytes.toString('hex')}`);
  });

  it('request.headers as a whole is a map in the pairs format', () => {
    const raw = read('prop|request>headers', plaintext).split(' ')[1]!;
    const buf = Buffer.from(raw, 'hex');
    expect(buf.readUInt32LE(0)).toBe(4);
    expect(buf.toString('latin1')).toContain(':authority\0svc.local\0');
  });

  it('stopping at xds.node returns the Node protobuf (field 1 = id)', () => {
    const raw = Buffer.from(read('prop|xds>node', plaintext).split(' ')[1]!, 'hex');
    const id = 'sidecar~10.1.0.20~api.shop';
    expect(raw.subarray(0, 2 + id.length)).toEqual(Buffer.from([0x0a, id.length, ...Buffer.from(id)]));
  });
});

describe('properties that depend on the phase', () => {
  it('upstream.address becomes visible once the upstream is established (response phase)', () => {
    const info = { ...mtls };
    const s = plugin.newHttpStream({ info });
    s.requestHeaders(probeRequest({ resp_headers: 'prop|upstream>address;prop|response>code;prop|request>path' }), true);
    s.info.upstreamEstablished = true;
    s.responseHeaders([[':status', '202']], true);
    expect(probeResult(host, 'resp_headers', 'prop|upstream>address')).toBe(str('10.1.0.20:8080'));
    expect(probeResult(host, 'resp_headers', 'prop|response>code')).toBe(int64(202));
    // Envoy drops its request-header pointer once decodeHeaders continued: request.path is gone.
    expect(probeResult(host, 'resp_headers', 'prop|request>path')).toBe('1');
  });

  it('request.* is readable again in on_log through the access-log headers', () => {
    const s = plugin.newHttpStream({ info: plaintext });
    s.requestHeaders(probeRequest({ log: 'prop|request>method' }), true);
    s.complete();
    expect(probeResult(host, 'log', 'prop|request>method')).toBe(str('GET'));
  });

  it('set_property writes filter state "wasm.<name>", readable by name and under filter_state', () => {
    const s = plugin.newHttpStream({ info: plaintext });
    s.requestHeaders(probeRequest({ req_headers: 'setprop|mg_verdict|deny;props|mg_verdict;props|filter_state>wasm.mg_verdict' }), true);
    expect(probeResult(host, 'req_headers', 'setprop|mg_verdict|deny')).toBe('0');
    expect(probeResult(host, 'req_headers', 'props|mg_verdict')).toBe('0 deny');
    expect(probeResult(host, 'req_headers', 'props|filter_state>wasm.mg_verdict')).toBe('0 deny');
    expect(Buffer.from(s.info.filterState.get('wasm.mg_verdict') as Uint8Array).toString()).toBe('deny');
  });

  it('set_property without a stream (root context) is NotFound; plugin_* still resolve there', async () => {
    const root = await probeHost({ canary: false, vmId: 'v' });
    root.createPlugin({ name: 'n', rootId: 'r', configuration: 'configure=setprop|x|1;props|plugin_name;prop|source>address' });
    expect(probeResult(root, 'configure', 'setprop|x|1')).toBe('1');
    expect(probeResult(root, 'configure', 'props|plugin_name')).toBe('0 n');
    expect(probeResult(root, 'configure', 'prop|source>address')).toBe('1');
  });
});

describe('request sizes follow the bytes received so far', () => {
  it('request.size is content-length when present, else the body bytes received so far', async () => {
    const chain = new FilterChain([plugin]);
    await chain.run({ headers: probeRequest({ req_headers: 'prop|request>size', req_body: 'prop|request>size' }), body: ['abc', 'defg'] });
    const sizes = host.logs().map((r) => r.message).filter((m) => m.includes('prop|request>size ->')).slice(-3);
    expect(sizes.map((m) => m.split(' -> ')[1])).toEqual([int64(0), int64(3), int64(7)]);
    await chain.run({ headers: probeRequest({ req_headers: 'prop|request>size' }, { 'content-length': '10' }), body: 'x' });
    expect(probeResult(host, 'req_headers', 'prop|request>size')).toBe(int64(10));
  });
});
