// identity.wasm in the proxy-wasm host: the inbound decision of DESIGN.md, header stripping,
// local replies, counters, and configuration errors.
import { describe, expect, it } from 'vitest';
import { PluginConfigError } from '@meshguard/proxy-wasm-host';
import { exampleConfig, FRONTEND, loadFilter, peer, rejectedConfig, replyHeader, TD, type Config } from './filter-env.js';

const GET = (path: string, extra: Record<string, string> = {}) => ({ ':method': 'GET', ':path': path, ':authority': 'api.shop', ':scheme': 'http', ...extra });

async function identity(edit: (c: Config) => void = () => {}) {
  const config = exampleConfig();
  edit(config);
  return loadFilter('identity', config);
}

describe('identity allows', () => {
  it('a listed principal with a matching method, path and port, and tells the upstream who and which segment', async () => {
    const f = await identity();
    const r = await f.run(GET('/api/items'), peer(FRONTEND));
    expect(r.localReply).toBeNull();
    expect(r.forwarded!.headers.get('x-meshguard-source')).toBe(FRONTEND);
    expect(r.forwarded!.headers.get('x-meshguard-rule')).toBe('web-to-api');
    expect(f.metric('meshguard_identity_allowed')).toBe(1n);
    expect(f.metric('meshguard_identity_denied')).toBe(0n);
  });

  it('a principal under a principalPrefixes entry', async () => {
    const f = await identity();
    const r = await f.run(GET('/healthz'), peer(`spiffe://${TD}/ns/ops/sa/prober`));
    expect(r.forwarded!.headers.get('x-meshguard-rule')).toBe('web-to-api');
  });

  it('any well-formed identity of a listed namespace in the trust domain', async () => {
    const f = await identity();
    expect((await f.run(GET('/a/b.json'), peer(`spiffe://${TD}/ns/batch/sa/anything`))).forwarded).not.toBeNull();
    const other = await f.run(GET('/a/b.json'), peer('spiffe://other.domain/ns/batch/sa/anything'));
    expect(other.localReply?.status).toBe(403);
  });

  it('any request through a segment whose rules are empty', async () => {
    const f = await identity();
    const r = await f.run({ ':method': 'DELETE', ':path': '/anything', ':authority': 'a' }, peer(`spiffe://${TD}/ns/mon/sa/scraper`, { destination: '10.1.0.20:9999' }));
    expect(r.forwarded!.headers.get('x-meshguard-rule')).toBe('monitoring');
  });

  it('by default when no segment selects the workload, without a rule header', async () => {
    const f = await identity((c) => Object.assign(c.inbound, { selected: false, default: 'allow' }));
    const r = await f.run(GET('/admin'), peer(FRONTEND));
    expect(r.forwarded!.headers.get('x-meshguard-source')).toBe(FRONTEND);
    expect(r.forwarded!.headers.has('x-meshguard-rule')).toBe(false);
  });

  it('a plaintext request under mtls permissive when the default allows it, with no source header', async () => {
    const f = await identity((c) => Object.assign(c.inbound, { mtls: 'permissive', selected: false, default: 'allow' }));
    const r = await f.run(GET('/x', { 'x-meshguard-source': FRONTEND }), peer(null));
    expect(r.forwarded!.headers.has('x-meshguard-source')).toBe(false);
  });
});

describe('identity strips what a client could forge', () => {
  it('removes every x-meshguard-* header and x-forwarded-client-cert before deciding, and counts them', async () => {
    const f = await identity();
    const r = await f.run(GET('/api/items', {
      'x-meshguard-source': 'spiffe://cluster.local/ns/shop/sa/admin',
      'x-meshguard-rule': 'forged',
      'x-meshguard-anything': '1',
      'x-forwarded-client-cert': 'By=spiffe://x;URI=spiffe://cluster.local/ns/shop/sa/admin',
      'x-meshguardian': 'kept',
    }), peer(FRONTEND));
    const h = r.forwarded!.headers;
    expect(h.getAll('x-meshguard-source')).toEqual([FRONTEND]);
    expect(h.getAll('x-meshguard-rule')).toEqual(['web-to-api']);
    expect(h.has('x-meshguard-anything')).toBe(false);
    expect(h.has('x-forwarded-client-cert')).toBe(false);
    expect(h.get('x-meshguardian')).toBe('kept');
    expect(f.metric('meshguard_identity_headers_stripped')).toBe(4n);
  });

  it('never takes the identity from a header: a plaintext request claiming one is denied', async () => {
    const f = await identity();
    const r = await f.run(GET('/api/items', { 'x-meshguard-source': FRONTEND, 'x-forwarded-client-cert': `URI=${FRONTEND}` }), peer(null));
    expect(r.localReply?.status).toBe(403);
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('no-peer-identity');
  });
});

describe('identity denies', () => {
  it.each([
    ['a method the rule does not list', GET('/api/items', { ':method': 'DELETE' }), peer(FRONTEND)],
    ['a lower-case method (methods are case-sensitive)', GET('/api/items', { ':method': 'get' }), peer(FRONTEND)],
    ['a path outside the patterns', GET('/admin'), peer(FRONTEND)],
    ['a traversal out of /api/', GET('/api/../admin'), peer(FRONTEND)],
    ['an encoded traversal out of /api/', GET('/api/%2e%2e/admin'), peer(FRONTEND)],
    ['another destination port', GET('/api/items'), peer(FRONTEND, { destination: '10.1.0.20:9090' })],
    ['an unlisted principal', GET('/api/items'), peer(`spiffe://${TD}/ns/shop/sa/other`)],
    ['a malformed principal under a listed prefix', GET('/api/items'), peer(`spiffe://${TD}/ns/ops/../sa/x`)],
    ['a principal in another trust domain with a listed namespace', GET('/api/items'), peer('spiffe://evil.example/ns/batch/sa/x')],
  ])('%s: 403 no-matching-segment', async (_, headers, info) => {
    const f = await identity();
    const r = await f.run(headers, info);
    expect(r.forwarded).toBeNull();
    expect(r.localReply).toMatchObject({ status: 403, details: 'meshguard_identity_denied', grpcStatus: null });
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('no-matching-segment');
    expect(replyHeader(r, 'x-meshguard-rule')).toBeUndefined();
    expect(r.localReply!.bodyText).toBe('meshguard: access denied\n');
    expect(f.metric('meshguard_identity_denied')).toBe(1n);
  });

  it('a source address in the blocklist (IPv4 and IPv6), even from a listed principal', async () => {
    const f = await identity();
    for (const source of ['203.0.113.7:4000', '[2001:db8::5]:4000', '[::ffff:203.0.113.8]:4000']) {
      const r = await f.run(GET('/api/items'), peer(FRONTEND, { source }));
      expect(r.localReply?.status, source).toBe(403);
      expect(replyHeader(r, 'x-meshguard-reason')).toBe('blocklisted-source');
    }
  });

  it('a request without a peer certificate under mtls strict, before looking at the path', async () => {
    const f = await identity();
    const r = await f.run(GET('/a%2fb'), peer(null));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('no-peer-identity');
  });

  it.each(['/api/a%2fb', '/api/..;/admin', '/api/a\\b', 'api/items', '/api/items#x'])('a path normalization rejects (%j) with 400', async (path) => {
    const f = await identity();
    const r = await f.run(GET(path), peer(FRONTEND));
    expect(r.localReply?.status).toBe(400);
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('invalid-path');
    expect(r.localReply!.bodyText).toBe('meshguard: bad request\n');
  });

  it('by default when no segment selects the workload', async () => {
    const f = await identity((c) => Object.assign(c.inbound, { selected: false }));
    const r = await f.run(GET('/api/items'), peer(FRONTEND));
    expect(r.localReply?.status).toBe(403);
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('default-deny');
  });

  it('through a rule whose methods list is present but empty (it matches nothing, as in the TS engine)', async () => {
    const f = await identity((c) => {
      (c.inbound.segments as { rules: unknown[] }[])[0]!.rules = [{ methods: [] }];
    });
    const r = await f.run(GET('/api/items'), peer(FRONTEND));
    expect(r.localReply?.status).toBe(403);
  });
});

describe('identity configuration', () => {
  it.each([
    ['unparsable JSON', '{"inbound": ', 'invalid JSON'],
    ['an empty configuration', '', 'empty plugin configuration'],
    ['a JSON array', '[]', 'expected a JSON object'],
    ['a missing inbound section', { trustDomain: TD }, 'inbound: required field is missing'],
    ['a missing trustDomain', { ...exampleConfig(), trustDomain: undefined }, 'trustDomain: required field is missing'],
    ['a wrong type', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, selected: 'yes' } }, 'inbound.selected: expected a boolean, got a string'],
    ['an unknown mtls mode', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, mtls: 'optional' } }, 'inbound.mtls: expected one of permissive | strict'],
    ['a bad CIDR', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, blocklist: ['10.0.0.0/33'] } }, 'inbound.blocklist[0]'],
    ['a path pattern with an inner *', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, segments: [{ name: 's', rules: [{ paths: ['/a*b'] }] }] } }, 'inbound.segments[0].rules[0].paths[0]'],
    ['a port out of range', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, segments: [{ name: 's', rules: [{ ports: [0] }] }] } }, 'inbound.segments[0].rules[0].ports[0]: expected an integer in 1..65535'],
    ['a segment without a name', { ...exampleConfig(), inbound: { ...exampleConfig().inbound, segments: [{ principals: [] }] } }, 'inbound.segments[0].name: required field is missing'],
  ])('%s fails proxy_on_configure and logs why at error level', async (_, config, message) => {
    const { error, errors } = await rejectedConfig('identity', config);
    expect(error).toBeInstanceOf(PluginConfigError);
    expect((error as PluginConfigError).failState).toBe('ConfigureFailed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^meshguard identity: rejected plugin configuration: /);
    expect(errors[0]).toContain(message);
  });

  it('accepts the example configuration and logs what it configured', async () => {
    const f = await identity();
    const line = f.host.logs().find((l) => l.source === 'plugin' && l.message.startsWith('meshguard identity: configured'));
    expect(line?.level).toBe('info');
    expect(line?.message).toBe('meshguard identity: configured shop/api (policy v1, 2 segments)');
  });
});

describe('identity denies a quarantined source (response.quarantine, pushed in the config)', () => {
  it('before any other check, even where a segment would allow it', async () => {
    const f = await identity((c) => Object.assign(c, { quarantined: [FRONTEND] }));
    const r = await f.run(GET('/api/items'), peer(FRONTEND));
    expect(r.localReply?.status).toBe(403);
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('quarantined');
    const other = await f.run(GET('/healthz'), peer(`spiffe://${TD}/ns/ops/sa/prober`));
    expect(other.localReply).toBeNull();
  });
});
