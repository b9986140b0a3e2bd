import { beforeEach, describe, expect, it } from 'vitest';
import { FilterChain, WasmHost, type FailurePolicy } from '../src/index.js';
import { buildSdkFilter, callbacks, probeHost, probeRequest, probeResult } from './helpers/probe.js';

let host: WasmHost;
beforeEach(async () => {
  host = await probeHost({ canary: false });
});

describe('proxy_send_local_response', () => {
  const cases = [
    { command: 'local|403|no access now|denied|-1|X-Reason=policy', details: 'no_access_now', grpc: null, headers: [['x-reason', 'policy']] },
    { command: 'local|429|rate\tlimited|slow down|8', details: 'rate_limited', grpc: 8, headers: [] },
    { command: 'local|401|auth|who?|17', details: 'auth', grpc: null, headers: [] },
  ];

  it.each(cases)('$command → details "$details", grpc $grpc, lower-cased headers', ({ command, details, grpc, headers }) => {
    const plugin = host.createPlugin({ name: 'p' });
    const r = plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: command }), true);
    expect(r.localReply).toMatchObject({ details, grpcStatus: grpc, headers });
    expect(r.localReply?.status).toBe(Number(command.split('|')[1]));
  });

  it('forces a stop even when the plugin returns Continue', () => {
    const plugin = host.createPlugin({ name: 'p' });
    const s = plugin.newHttpStream();
    const headers = s.requestHeaders(probeRequest({ req_headers: 'local|403|d|b|-1;ret|0', req_body: 'local|413|big|b|-1;ret|0' }), false);
    expect(headers.status).toBe('StopAllIterationAndWatermark');
    const body = s.requestBody('x', true);
    expect(body.status).toBe('StopIterationNoBuffer');
  });

  it('is delivered after the VM call returns, not during it', () => {
    const plugin = host.createPlugin({ name: 'p' });
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ req_headers: 'local|403|d|b|-1;prop|response>code' }), true);
    expect(probeResult(host, 'req_headers', 'prop|response>code')).toBe('1');
    expect(s.info.responseCode).toBe(403);
    expect(s.info.responseCodeDetails).toBe('d');
  });

  it('in a chain the reply is encoded back through the replying filter’s on_response_headers', async () => {
    const plugin = host.createPlugin({ name: 'p' });
    const result = await new FilterChain([plugin]).run({
      headers: probeRequest({ req_headers: 'local|403|policy|denied by policy|-1|x-reason=segment', resp_headers: 'gh|2|content-type' }),
    });
    expect(result.forwarded).toBeNull();
    expect(result.localReply?.filter).toBe(0);
    expect(result.response?.status).toBe(403);
    // Envoy's order (prepareLocalReply): the plugin's headers right after :status, then the
    // fields Envoy sets (checked against Envoy by test/conformance/local-reply.test.ts).
    expect(result.response?.headers.entries()).toEqual([
      [':status', '403'], ['x-reason', 'segment'], ['content-length', '16'], ['content-type', 'text/plain'],
    ]);
    expect(Buffer.from(result.response!.body).toString()).toBe('denied by policy');
    expect(probeResult(host, 'resp_headers', 'gh|2|content-type')).toBe('0 text/plain');
  });

  it('a gRPC request gets a headers-only gRPC reply carrying grpc-status and grpc-message', async () => {
    const plugin = host.createPlugin({ name: 'p' });
    const result = await new FilterChain([plugin]).run({
      headers: probeRequest({ req_headers: 'local|403|d|no way|-1' }, { 'content-type': 'application/grpc' }),
    });
    expect(result.response?.status).toBe(200);
    expect(result.response?.headers.get('grpc-status')).toBe('7');
    expect(result.response?.headers.get('grpc-message')).toBe('no way');
  });
});

describe('proxy_close_stream', () => {
  it('resets the stream with details wasm_close_stream', async () => {
    const plugin = host.createPlugin({ name: 'p' });
    const result = await new FilterChain([plugin]).run({ headers: probeRequest({ req_headers: 'close|0' }) });
    expect(result.reset).toEqual({ filter: 0 });
    expect(result.response).toBeNull();
    expect(result.info.responseCodeDetails).toBe('wasm_close_stream');
  });
});

describe('a trap in the VM', () => {
  const trapRequest = () => probeRequest({ req_headers: 'trap' });

  it('answers the current stream 503 wasm_fail_stream (gRPC UNAVAILABLE) and logs Envoy’s failure line', () => {
    const plugin = host.createPlugin({ name: 'p' });
    const r = plugin.newHttpStream().requestHeaders(trapRequest(), true);
    expect(r.status).toBe('StopAllIterationAndWatermark');
    expect(r.localReply).toMatchObject({ status: 503, details: 'wasm_fail_stream', grpcStatus: 14, bodyText: '' });
    const failure = host.logs().find((l) => l.text.startsWith('Wasm VM failed'));
    expect(failure?.text).toBe('Wasm VM failed Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable');
    expect(failure?.level).toBe('error');
  });

  it('under FAIL_CLOSED every later stream is answered 503 without entering the VM', () => {
    const plugin = host.createPlugin({ name: 'p', failurePolicy: 'FAIL_CLOSED' });
    plugin.newHttpStream().requestHeaders(trapRequest(), true);
    const before = callbacks(host).length;
    const later = plugin.newHttpStream();
    const r = later.requestHeaders(probeRequest({ req_headers: 'ah|0|x|1' }), true);
    expect(r.localReply?.details).toBe('wasm_fail_stream');
    expect(later.responseHeaders([[':status', '200']], true).status).toBe('Continue');
    later.complete();
    expect(callbacks(host)).toHaveLength(before);
  });

  it('under FAIL_OPEN the current stream continues and later streams skip the filter', async () => {
    const plugin = host.createPlugin({ name: 'p', failurePolicy: 'FAIL_OPEN' });
    const first = plugin.newHttpStream().requestHeaders(trapRequest(), true);
    expect(first).toEqual({ status: 'Continue' });
    const result = await new FilterChain([plugin]).run({ headers: probeRequest({ req_headers: 'ah|0|x-added|1' }) });
    expect(result.response?.status).toBe(200);
    expect(result.forwarded?.headers.has('x-added')).toBe(false);
    expect(plugin.newHttpStream().mode).toBe('skipped');
  });

  it('under FAIL_RELOAD the trapping stream fails closed and the next stream runs on a fresh VM', () => {
    const plugin = host.createPlugin({ name: 'p', failurePolicy: 'FAIL_RELOAD' });
    expect(plugin.newHttpStream().requestHeaders(trapRequest(), true).localReply?.status).toBe(503);
    const next = plugin.newHttpStream();
    expect(next.mode).toBe('active');
    next.requestHeaders(probeRequest({ req_headers: 'log|alive' }), true);
    expect(probeResult(host, 'req_headers', 'log|alive')).toBe('0');
    expect(plugin.failed()).toBe(false);
  });

  it('fails every plugin that shares the VM', () => {
    const a = host.createPlugin({ name: 'a' });
    const b = host.createPlugin({ name: 'b' });
    a.newHttpStream().requestHeaders(trapRequest(), true);
    expect(b.failed()).toBe(true);
    expect(b.newHttpStream().requestHeaders(probeRequest({}), true).localReply?.status).toBe(503);
  });

  const policies: FailurePolicy[] = ['FAIL_CLOSED', 'FAIL_OPEN'];
  it.each(policies)('a trap in on_log (%s) stops on_done/on_delete from running', (failurePolicy) => {
    const plugin = host.createPlugin({ name: 'p', failurePolicy });
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ log: 'trap' }), true);
    s.complete();
    expect(callbacks(host).slice(-2)).toEqual(['request_headers 2 4 1', 'log 2']);
  });
});

describe('backtraces', () => {
  it('name the in-VM frames when the module keeps its name section (asc --debug)', async () => {
    const sdk = await WasmHost.load(await buildSdkFilter(true), { canary: false });
    const plugin = sdk.createPlugin({ name: 'mg' });
    plugin.newHttpStream().requestHeaders([[':path', '/trap']], true);
    const text = sdk.logs().find((l) => l.text.startsWith('Wasm VM failed'))!.text.split('\n');
    expect(text[0]).toBe('Wasm VM failed Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable');
    expect(text[1]).toBe('Proxy-Wasm plugin in-VM backtrace:');
    expect(text[2]).toMatch(/^ {2}0: {2}0x[0-9a-f]+ - test\/fixtures\/sdk-filter\/MeshStream#onRequestHeaders$/);
    expect(text.at(-1)).toMatch(/ - ~lib\/@gcoredev\/proxy-wasm-sdk-as\/assembly\/exports\/proxy_on_request_headers$/);
    const abort = /^wasm log mg: \[CRITICAL\]: abort: meshguard test trap at: test\/fixtures\/sdk-filter\.ts\(\d+:\d+\)$/;
    expect(sdk.logs().some((l) => abort.test(l.text))).toBe(true);
  });

  it('are omitted when the module has no name section', async () => {
    const sdk = await WasmHost.load(await buildSdkFilter(false), { canary: false });
    sdk.createPlugin({ name: 'mg' }).newHttpStream().requestHeaders([[':path', '/trap']], true);
    const failure = sdk.logs().find((l) => l.text.startsWith('Wasm VM failed'))!;
    expect(failure.text).not.toContain('backtrace');
  });
});
