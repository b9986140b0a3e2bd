import { beforeEach, describe, expect, it } from 'vitest';
import { FilterChain, SharedDataStore, WasmHost, type Plugin } from '../src/index.js';
import { buildSdkFilter, callbacks, probeHost, probeRequest, probeResult } from './helpers/probe.js';

let probe: WasmHost;
let sdk: WasmHost;
let sdkPlugin: Plugin;
const info = { connection: { source: '10.2.0.9:41000', destination: '10.2.0.1:8080' } };

beforeEach(async () => {
  probe = await probeHost({ canary: false });
  sdk = await WasmHost.load(await buildSdkFilter(), { canary: false, sharedData: new SharedDataStore() });
  sdkPlugin = sdk.createPlugin({ name: 'mg', configuration: 'deny=/admin' });
});

describe('a chain of filters from different modules', () => {
  it('each filter sees the header mutations of the filters before it', async () => {
    const p = probe.createPlugin({ name: 'probe' });
    const result = await new FilterChain([sdkPlugin, p]).run({
      headers: probeRequest({ req_headers: 'gh|0|x-mg-source;ah|0|x-probe-saw|yes' }),
      info,
    });
    expect(probeResult(probe, 'req_headers', 'gh|0|x-mg-source')).toBe('0 10.2.0.9:41000');
    expect(result.forwarded?.headers.get('x-mg-source')).toBe('10.2.0.9:41000');
    expect(result.forwarded?.headers.get('x-probe-saw')).toBe('yes');
  });

  it('stops at the first local reply; later filters never see the request, earlier ones encode the reply', async () => {
    const p = probe.createPlugin({ name: 'probe' });
    const result = await new FilterChain([sdkPlugin, p]).run({ headers: { ':method': 'GET', ':path': '/admin/users', ':authority': 'a' }, info });
    expect(result.localReply).toMatchObject({ filter: 0, side: 'request', status: 403, details: 'meshguard_denied' });
    expect(result.forwarded).toBeNull();
    expect(result.response?.status).toBe(403);
    expect(result.response?.headers.get('x-mg-reason')).toBe('deny');
    expect(result.response?.headers.get('x-mg-response')).toBe('seen');
    expect(Buffer.from(result.response!.body).toString()).toBe('denied by meshguard');
    expect(callbacks(probe).slice(3)).toEqual(['context_create 2 1', 'log 2', 'done 2', 'delete 2']);
  });

  it('runs encoder filters in reverse order', async () => {
    const a = probe.createPlugin({ name: 'a' });
    const b = probe.createPlugin({ name: 'b' });
    const result = await new FilterChain([a, b]).run({ headers: probeRequest({ resp_headers: 'ah|2|x-order|ctx' }) });
    const order = callbacks(probe).filter((c) => c.startsWith('response_headers')).map((c) => c.split(' ')[1]);
    expect(order).toEqual(['4', '3']);
    expect(result.response?.headers.getAll('x-order')).toEqual(['ctx', 'ctx']);
  });

  it('shares one StreamInfo: filter state set by one filter is read by the next', async () => {
    const a = probe.createPlugin({ name: 'a' });
    const b = probe.createPlugin({ name: 'b' });
    await new FilterChain([a, b]).run({
      headers: probeRequest({ req_headers: 'props|mg_mark;setprop|mg_mark|from-first-filter' }),
    });
    const reads = probe.logs().map((r) => r.message).filter((m) => m.includes('props|mg_mark ->'));
    expect(reads).toEqual(['req_headers 3: props|mg_mark -> 1', 'req_headers 4: props|mg_mark -> 0 from-first-filter']);
  });

  it('body edits and buffering reach the upstream', async () => {
    const a = probe.createPlugin({ name: 'a' });
    const b = probe.createPlugin({ name: 'b' });
    let upstreamBody = '';
    const result = await new FilterChain([a, b]).run(
      { headers: probeRequest({ req_body: 'bs|0' }), body: ['abc', 'def', 'ghi'] },
      (req) => {
        upstreamBody = Buffer.from(req.body).toString();
        return { status: 200, body: 'ok' };
      },
    );
    expect(upstreamBody).toBe('abcdefghi');
    expect(result.response?.status).toBe(200);
    const sizes = probe.logs().map((r) => r.message).filter((m) => m.startsWith('cb request_body'));
    expect(sizes).toEqual([
      'cb request_body 3 3 0', 'cb request_body 4 3 0',
      'cb request_body 3 3 0', 'cb request_body 4 3 0',
      'cb request_body 3 3 1', 'cb request_body 4 3 1',
    ]);
  });

  it('a buffering filter holds chunks and hands the whole body on when it continues', async () => {
    const buffering = probe.createPlugin({ name: 'buffering', configuration: 'tag=buf' });
    const next = probe.createPlugin({ name: 'next' });
    let upstreamBody = '';
    const headers = probeRequest({ req_body: 'bs|0' }, { 'x-probe-buf-req_body': 'retx|1|0' });
    await new FilterChain([buffering, next]).run({ headers, body: ['ab', 'cd', 'ef'] }, (req) => {
      upstreamBody = Buffer.from(req.body).toString();
      return {};
    });
    expect(upstreamBody).toBe('abcdef');
    // The buffering filter sees 2, 4, then 6 bytes; the next filter only the whole body, once.
    expect(callbacks(probe).filter((c) => c.startsWith('request_body'))).toEqual([
      'request_body 3 2 0', 'request_body 3 4 0', 'request_body 3 6 1', 'request_body 4 6 1',
    ]);
  });

  it('trailers added at end of body turn end_stream off for the next filter, which then gets them', async () => {
    const a = probe.createPlugin({ name: 'a' });
    const b = probe.createPlugin({ name: 'b' });
    const result = await new FilterChain([a, b]).run({ headers: probeRequest({ req_body: 'ah|1|x-sig|s1' }), body: 'data' });
    expect(result.forwarded?.trailers?.entries()).toEqual([['x-sig', 's1']]);
    expect(callbacks(probe).filter((c) => /^request_(body|trailers)/.test(c))).toEqual([
      'request_body 3 4 1',
      'request_body 4 4 0',
      'request_trailers 4 1',
    ]);
    expect(probeResult(probe, 'req_body', 'ah|1|x-sig|s1')).toBe('2');
  });

  it('a local reply while encoding replaces the upstream response', async () => {
    const p = probe.createPlugin({ name: 'p' });
    const result = await new FilterChain([p]).run(
      { headers: probeRequest({ resp_headers: 'local|502|bad upstream|upstream said no|-1' }) },
      () => ({ status: 200, body: 'secret' }),
    );
    expect(result.forwarded).not.toBeNull();
    expect(result.localReply).toMatchObject({ side: 'response', status: 502 });
    expect(result.response?.status).toBe(502);
    expect(Buffer.from(result.response!.body).toString()).toBe('upstream said no');
  });
});
