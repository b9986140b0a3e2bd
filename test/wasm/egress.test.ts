// egress.wasm in the proxy-wasm host: the HTTP filter (outbound requests) and the network filter
// (root_id egress-tcp, host from SNI), with the decision of DESIGN.md "Egress decision".
import { describe, expect, it } from 'vitest';
import { PluginConfigError, type StreamInfoInput } from '@meshguard/proxy-wasm-host';
import { exampleConfig, FRONTEND, loadFilter, rejectedConfig, replyHeader, type Config } from './filter-env.js';

const out = (authority: string, scheme = 'https') => ({ ':method': 'GET', ':path': '/v1/charges', ':authority': authority, ':scheme': scheme });
const to = (destination: string): StreamInfoInput => ({ connection: { source: '10.1.0.30:40000', destination } });

async function egress(edit: (c: Config) => void = () => {}, rootId?: string) {
  const config = exampleConfig();
  edit(config);
  return loadFilter('egress', config, rootId);
}

describe('egress (HTTP) allows', () => {
  it.each([
    ['api.stripe.com', 'an exact host'],
    ['API.Stripe.COM.', 'an exact host, after canonicalization'],
    ['files.stripe.com', 'a host one label under *.stripe.com'],
    ['a.b.stripe.com:443', 'a host two labels under *.stripe.com, port in the authority'],
    ['192.0.2.10', 'an IP literal in the rule\'s cidrs'],
    ['[::ffff:192.0.2.11]', 'an IPv4-mapped IPv6 literal in the rule\'s cidrs'],
  ])('%s (%s) on port 443 and leaves the request unchanged', async (authority) => {
    const f = await egress();
    const r = await f.run(out(authority), to('10.1.0.99:443'));
    expect(r.localReply).toBeNull();
    expect(r.forwarded!.headers.entries()).toEqual(Object.entries(out(authority)));
    expect(f.metric('meshguard_egress_allowed')).toBe(1n);
  });

  it('an in-mesh host without any rule', async () => {
    const f = await egress((c) => (c.egress.rules = []));
    const r = await f.run(out('payments.shop.svc.cluster.local', 'http'), to('10.96.0.10:80'));
    expect(r.forwarded).not.toBeNull();
  });

  it('by default when no egress rule selects the workload', async () => {
    const f = await egress((c) => Object.assign(c.egress, { selected: false, default: 'allow' }));
    expect((await f.run(out('anything.example'), to('10.1.0.99:443'))).forwarded).not.toBeNull();
  });

  it('takes the port from the destination when the authority has none, then from :scheme', async () => {
    const f = await egress();
    expect((await f.run(out('api.stripe.com', 'http'), to('10.1.0.99:443'))).forwarded).not.toBeNull();
    expect((await f.run(out('api.stripe.com', 'http'), { connection: {} })).localReply?.status).toBe(403);
    expect((await f.run(out('api.stripe.com', 'HTTPS'), { connection: {} })).forwarded).not.toBeNull();
  });
});

describe('egress (HTTP) denies with 403', () => {
  it.each([
    ['evil.example', 'no-matching-rule', 'an unlisted host'],
    ['stripe.com', 'no-matching-rule', 'the apex of a *.stripe.com pattern'],
    ['api.stripe.com:8443', 'port-mismatch', 'an authority port other than the connection\'s 443'],
    ['198.51.100.1', 'no-matching-rule', 'an IP literal outside the cidrs'],
    ['svc.cluster.local', 'no-matching-rule', 'a mesh domain itself (not strictly under it)'],
    ['3221225994', 'invalid-host', 'an integer IPv4 (192.0.2.10)'],
    ['0xc0.0.2.10', 'invalid-host', 'a hex IPv4'],
    ['\u0430pi.stripe.com', 'invalid-host', 'a homoglyph host'],
    ['api.stripe.com@evil.example', 'invalid-host', 'userinfo'],
    ['203.0.113.5', 'blocklisted-destination', 'a blocklisted IP literal'],
  ])('%s: %s (%s)', async (authority, reason) => {
    const f = await egress();
    const r = await f.run(out(authority), to('10.1.0.99:443'));
    expect(r.forwarded).toBeNull();
    expect(r.localReply).toMatchObject({ status: 403, details: 'meshguard_egress_denied', grpcStatus: null });
    expect(replyHeader(r, 'x-meshguard-reason')).toBe(reason);
    expect(r.localReply!.bodyText).toBe('meshguard: access denied\n');
    expect(f.metric('meshguard_egress_denied')).toBe(1n);
  });

  it('an allowed name on a connection to an unlisted port', async () => {
    const f = await egress();
    const r = await f.run(out('api.stripe.com'), to('10.1.0.99:8443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('no-matching-rule');
  });

  it('an allowed name whose authority port differs from the connection port, even a listed one', async () => {
    const f = await egress();
    const r = await f.run(out('api.stripe.com:443'), to('10.1.0.99:25'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('port-mismatch');
  });

  it('an allowed name whose connected destination is blocklisted', async () => {
    const f = await egress();
    const r = await f.run(out('api.stripe.com'), to('203.0.113.9:443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('blocklisted-destination');
  });

  it('a destination address that is not an IP while a blocklist exists (fails closed)', async () => {
    const f = await egress();
    const r = await f.run(out('api.stripe.com'), to('/var/run/app.sock'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('blocklisted-destination');
  });

  it('by default when no egress rule selects the workload', async () => {
    const f = await egress((c) => Object.assign(c.egress, { selected: false }));
    const r = await f.run(out('api.stripe.com'), to('10.1.0.99:443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('default-deny');
  });
});

describe('egress (HTTP) without :authority or Host decides on the TLS SNI, else the destination', () => {
  const bare = { ':method': 'GET', ':path': '/v1/charges', ':scheme': 'https' };
  const via = (sni: string | undefined, destination: string): StreamInfoInput => ({
    connection: { source: '10.1.0.30:40000', destination, ...(sni === undefined ? {} : { requestedServerName: sni }) },
  });

  it('allows an allowed SNI on a connection to an IP outside every cidr', async () => {
    const f = await egress();
    expect((await f.run(bare, via('api.stripe.com', '10.1.0.99:443'))).forwarded).not.toBeNull();
  });

  it('denies an unknown SNI on a connection to an IP in a rule\'s cidrs', async () => {
    const f = await egress();
    const r = await f.run(bare, via('evil.example', '192.0.2.10:443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('no-matching-rule');
  });

  it.each(['api.stripe.com:443', '192.0.2.10', '[::1]', 'api_stripe.com'])('denies the SNI %s, which is not a bare host name', async (sni) => {
    const f = await egress();
    const r = await f.run(bare, via(sni, '192.0.2.10:443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('invalid-host');
  });

  it('decides on the destination IP without an SNI', async () => {
    const f = await egress();
    expect((await f.run(bare, via(undefined, '192.0.2.10:443'))).forwarded).not.toBeNull();
  });
});

describe('egress DNS-tunnelling heuristics', () => {
  const tunnel = 'x7k2p9q4m1z8w3v6.stripe.com';

  it('in monitor mode counts a suspicious name and still decides it by the rules', async () => {
    const f = await egress();
    expect((await f.run(out(tunnel), to('10.1.0.99:443'))).forwarded).not.toBeNull();
    expect((await f.run(out(`${'a'.repeat(41)}.evil.example`), to('10.1.0.99:443'))).localReply?.status).toBe(403);
    expect(f.metric('meshguard_egress_dns_suspicious')).toBe(2n);
  });

  it('in enforce mode denies a suspicious name even when a rule would allow it', async () => {
    const f = await egress((c) => ((c.egress.dnsTunneling as Record<string, unknown>).mode = 'enforce'));
    const r = await f.run(out(tunnel), to('10.1.0.99:443'));
    expect(replyHeader(r, 'x-meshguard-reason')).toBe('dns-tunneling');
    expect(f.metric('meshguard_egress_dns_suspicious')).toBe(1n);
  });

  it('never looks at in-mesh names or IP literals, and is silent when off', async () => {
    const f = await egress((c) => ((c.egress.dnsTunneling as Record<string, unknown>).mode = 'enforce'));
    await f.run(out(`x7k2p9q4m1z8w3v6.a.b.c.d.e.f.g.h.i.shop.svc.cluster.local`), to('10.1.0.99:443'));
    await f.run(out('192.0.2.77'), to('10.1.0.99:443'));
    expect(f.metric('meshguard_egress_dns_suspicious')).toBe(0n);
    const off = await egress((c) => (c.egress.dnsTunneling = { mode: 'off' }));
    expect((await off.run(out(tunnel), to('10.1.0.99:443'))).forwarded).not.toBeNull();
    expect(off.metric('meshguard_egress_dns_suspicious')).toBe(0n);
  });
});

describe('egress-tcp (network filter, host from SNI)', () => {
  const tls = (sni: string | undefined, destination = '10.1.0.99:443'): StreamInfoInput => ({
    connection: { source: '10.1.0.30:40000', destination, ...(sni === undefined ? {} : { requestedServerName: sni }) },
  });

  it('lets an allowed SNI through and forwards its data', async () => {
    const f = await egress(() => {}, 'egress-tcp');
    const c = f.plugin.newTcpConnection({ info: tls('api.stripe.com') });
    expect(c.newConnection()).toEqual({ status: 'Continue' });
    expect(c.downstreamData('hello').status).toBe('Continue');
    expect(f.metric('meshguard_egress_tcp_allowed')).toBe(1n);
  });

  it('closes the connection for a denied SNI and forwards no data either way', async () => {
    const f = await egress(() => {}, 'egress-tcp');
    const c = f.plugin.newTcpConnection({ info: tls('evil.example') });
    expect(c.newConnection()).toMatchObject({ status: 'StopIteration', close: 'downstream' });
    expect(c.downstreamData('GET / HTTP/1.1').status).toBe('StopIteration');
    expect(c.upstreamData('x').status).toBe('StopIteration');
    expect(f.metric('meshguard_egress_tcp_denied')).toBe(1n);
  });

  it('decides a connection without SNI on the destination IP, as an IP literal', async () => {
    const f = await egress(() => {}, 'egress-tcp');
    expect(f.plugin.newTcpConnection({ info: tls(undefined, '192.0.2.7:443') }).newConnection().status).toBe('Continue');
    expect(f.plugin.newTcpConnection({ info: tls(undefined, '198.51.100.7:443') }).newConnection().status).toBe('StopIteration');
    expect(f.plugin.newTcpConnection({ info: tls(undefined, '192.0.2.7:8443') }).newConnection().status).toBe('StopIteration');
  });

  it('takes the port from destination.port and applies the blocklist to the destination', async () => {
    const f = await egress(() => {}, 'egress-tcp');
    expect(f.plugin.newTcpConnection({ info: tls('api.stripe.com', '10.1.0.99:8443') }).newConnection().status).toBe('StopIteration');
    expect(f.plugin.newTcpConnection({ info: tls('api.stripe.com', '203.0.113.1:443') }).newConnection().status).toBe('StopIteration');
  });
});

describe('egress configuration', () => {
  it('accepts the example configuration and logs what it configured, for both root ids', async () => {
    for (const [rootId, filter] of [[undefined, 'egress'], ['egress-tcp', 'egress-tcp']] as const) {
      const f = await egress(() => {}, rootId);
      const lines = f.host.logs().filter((l) => l.source === 'plugin' && l.level === 'info').map((l) => l.message);
      expect(lines).toContain(`meshguard ${filter}: configured shop/api (policy v1, 1 rules)`);
    }
  });

  it.each([
    ['a missing egress section', { ...exampleConfig(), egress: undefined }, 'egress: required field is missing'],
    ['an IP literal as a host pattern', { ...exampleConfig(), egress: { ...exampleConfig().egress, rules: [{ name: 'r', hosts: ['192.0.2.1'] }] } }, 'egress.rules[0].hosts[0]: "192.0.2.1" is not a DNS name (IP literals belong in cidrs)'],
    ['an invalid host pattern', { ...exampleConfig(), egress: { ...exampleConfig().egress, rules: [{ name: 'r', hosts: ['*.a_b.com'] }] } }, 'egress.rules[0].hosts[0]'],
    ['an unknown DNS-tunnelling mode', { ...exampleConfig(), egress: { ...exampleConfig().egress, dnsTunneling: { mode: 'loud' } } }, 'egress.dnsTunneling.mode: expected one of off | monitor | enforce, got "loud"'],
    ['a missing DNS-tunnelling limit', { ...exampleConfig(), egress: { ...exampleConfig().egress, dnsTunneling: { mode: 'monitor' } } }, 'egress.dnsTunneling.maxLabelLength: required field is missing'],
    ['a bad blocklist CIDR', { ...exampleConfig(), egress: { ...exampleConfig().egress, blocklist: ['203.0.113.0/24x'] } }, 'egress.blocklist[0]'],
    ['a duplicate key', '{"egress": {}, "egress": {}}', 'duplicate key "egress"'],
  ])('%s fails proxy_on_configure and logs why at error level', async (_, config, message) => {
    for (const rootId of [undefined, 'egress-tcp']) {
      const { error, errors } = await rejectedConfig('egress', config, rootId);
      expect(error).toBeInstanceOf(PluginConfigError);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(rootId ? /^meshguard egress-tcp: rejected plugin configuration: / : /^meshguard egress: rejected plugin configuration: /);
      expect(errors[0]).toContain(message);
    }
  });
});

describe('egress of a quarantined workload', () => {
  it('is denied when the workload’s own identity is in the quarantined list', async () => {
    const f = await egress((c) => Object.assign(c, { quarantined: [c.identity] }));
    const r = await f.run(out('api.stripe.com:443'), to('10.1.0.99:443'));
    expect(r.localReply?.status).toBe(403);
    const free = await egress((c) => Object.assign(c, { quarantined: [FRONTEND] }));
    expect((await free.run(out('api.stripe.com:443'), to('10.1.0.99:443'))).localReply).toBeNull();
  });
});
