import { beforeEach, describe, expect, it } from 'vitest';
import { HeaderMap, WasmHost, type Plugin } from '../src/index.js';
import { probeHost, probeRequest, probeResult } from './helpers/probe.js';

let host: WasmHost;
let plugin: Plugin;
beforeEach(async () => {
  host = await probeHost({ canary: false, vmConfig: 'vm-config' });
  plugin = host.createPlugin({ name: 'p' });
});

const OK = '0';
const NOT_FOUND = '1';
const BAD_ARGUMENT = '2';

describe('header maps while request headers are being processed', () => {
  const cases = [
    { command: 'gh|0|:path', result: '0 /probe', fact: 'a present key is Ok with its value' },
    { command: 'gh|0|x-missing', result: NOT_FOUND, fact: 'a missing key is NotFound under ABI 0.2.x' },
    { command: 'gh|0|x-dup', result: '0 first', fact: 'a repeated key returns only the first value' },
    { command: 'gh|0|X-DUP', result: '0 first', fact: 'lookup is case-insensitive (keys are lower-cased)' },
    { command: 'gh|8|x', result: BAD_ARGUMENT, fact: 'a map type above 7 is BadArgument' },
    { command: 'gh|6|x', result: BAD_ARGUMENT, fact: 'the callout response map outside its callback is BadArgument' },
    { command: 'gh|1|x', result: BAD_ARGUMENT, fact: 'request trailers that do not exist yet are BadArgument' },
  ];

  it.each(cases)('$fact', ({ command, result }) => {
    const headers = probeRequest({ req_headers: command }, { 'x-dup': 'first' });
    headers.push(['x-dup', 'second']);
    plugin.newHttpStream().requestHeaders(headers, true);
    expect(probeResult(host, 'req_headers', command)).toBe(result);
  });

  it('get_header_map_size is the byte size of keys and values, not the serialized size', () => {
    const map = HeaderMap.from(probeRequest({ req_headers: 'hs|0' }));
    plugin.newHttpStream().requestHeaders(map, true);
    const bytes = map.entries().reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    expect(probeResult(host, 'req_headers', 'hs|0')).toBe(`0 ${bytes}`);
  });

  it('add lower-cases the key and keeps repeated keys; replace removes every entry and appends one', () => {
    const map = HeaderMap.from(probeRequest({ req_headers: 'ah|0|X-Added|1;ah|0|x-added|2;rh|0|x-dup|z' }, { 'x-dup': 'a' }));
    map.add('x-dup', 'b');
    map.add('x-last', 'l');
    plugin.newHttpStream().requestHeaders(map, true);
    expect(map.getAll('x-added')).toEqual(['1', '2']);
    expect(map.getAll('x-dup')).toEqual(['z']);
    expect(map.keyAt(map.size - 1)).toBe('x-dup');
  });

  it('setInline changes the first entry in place and drops the later ones; pseudo-headers stay in front', () => {
    const map = HeaderMap.from([[':status', '403'], [':status', '500'], ['content-length', '1'], ['x-a', '1'], ['content-length', '2']]);
    map.setInline(':status', '200');
    map.setInline('content-length', '9');
    map.setInline('content-type', 'text/plain');
    map.add(':late', 'p');
    expect(map.entries()).toEqual([[':status', '200'], [':late', 'p'], ['content-length', '9'], ['x-a', '1'], ['content-type', 'text/plain']]);
  });

  it('set_header_map_pairs replaces the whole map', () => {
    const map = HeaderMap.from(probeRequest({ req_headers: 'sp|0|:path=/new,x-a=1' }));
    plugin.newHttpStream().requestHeaders(map, true);
    expect(map.entries()).toEqual([[':path', '/new'], ['x-a', '1']]);
  });

  it('a malformed pairs buffer silently clears the map (Envoy parses it as an empty list)', () => {
    const map = HeaderMap.from(probeRequest({ req_headers: 'spbad|0' }));
    plugin.newHttpStream().requestHeaders(map, true);
    expect(probeResult(host, 'req_headers', 'spbad|0')).toBe(OK);
    expect(map.size).toBe(0);
  });

  it('get_header_map_pairs returns every entry in order', () => {
    plugin.newHttpStream().requestHeaders([[':path', '/a'], ['x-probe-req_headers', 'gp|0']], true);
    expect(probeResult(host, 'req_headers', 'gp|0')).toBe('0 2 :path=/a x-probe-req_headers=gp|0');
  });
});

describe('header map access windows', () => {
  it('after request headers continue, their map is gone: reads are BadArgument, pairs are empty, writes fail', () => {
    const s = plugin.newHttpStream();
    const script = 'gh|0|:path;gp|0;hs|0;ah|0|a|b;rh|0|a|b;xh|0|:path;sp|0|a=b';
    s.requestHeaders(probeRequest({ resp_headers: script }), true);
    s.responseHeaders([[':status', '200']], true);
    const results = script.split(';').map((c) => probeResult(host, 'resp_headers', c));
    expect(results).toEqual([BAD_ARGUMENT, '0 0', BAD_ARGUMENT, BAD_ARGUMENT, BAD_ARGUMENT, BAD_ARGUMENT, BAD_ARGUMENT]);
  });

  it('request headers stay writable in later callbacks while the filter holds them (StopIteration)', () => {
    const map = HeaderMap.from(probeRequest({ req_headers: 'ret|1', req_body: 'ah|0|x-late|1' }));
    const s = plugin.newHttpStream();
    expect(s.requestHeaders(map, false).status).toBe('StopAllIterationAndWatermark');
    s.requestBody('x', true);
    expect(probeResult(host, 'req_body', 'ah|0|x-late|1')).toBe(OK);
    expect(map.get('x-late')).toBe('1');
  });

  it('request trailers can be created from the body callback at end of stream only', () => {
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ req_body: 'ah|1|x-trailer|t' }), false);
    const mid = s.requestBody('a', false);
    const last = s.requestBody('b', true);
    expect(mid.addedTrailers).toBeUndefined();
    expect(last.addedTrailers?.entries()).toEqual([['x-trailer', 't']]);
    const lines = host.logs().map((r) => r.message).filter((m) => m.startsWith('req_body'));
    expect(lines.map((l) => l.split(' -> ')[1])).toEqual([BAD_ARGUMENT, OK]);
  });

  it('in on_log the request/response maps are read-only copies; missing ones are NotFound', () => {
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ log: 'gh|0|:path;gh|2|:status;ah|0|a|b;gh|1|x;gh|3|x' }), true);
    s.responseHeaders([[':status', '204']], true);
    s.complete();
    expect(probeResult(host, 'log', 'gh|0|:path')).toBe('0 /probe');
    expect(probeResult(host, 'log', 'gh|2|:status')).toBe('0 204');
    expect(probeResult(host, 'log', 'ah|0|a|b')).toBe(BAD_ARGUMENT);
    expect(probeResult(host, 'log', 'gh|1|x')).toBe(NOT_FOUND);
    expect(probeResult(host, 'log', 'gh|3|x')).toBe(NOT_FOUND);
  });
});

describe('buffers', () => {
  const writes = [
    { command: 'sb|0|0|0|>>', body: '>>hello', result: OK, rule: 'start 0, length 0 prepends' },
    { command: 'sb|0|0|5|bye', body: 'bye', result: OK, rule: 'start 0, length = size replaces everything' },
    { command: 'sb|0|0|99|bye', body: 'bye', result: OK, rule: 'start 0, length > size replaces everything' },
    { command: 'sb|0|5|0|!!', body: 'hello!!', result: OK, rule: 'start = size appends' },
    { command: 'sb|0|9|3|!!', body: 'hello!!', result: OK, rule: 'start > size appends' },
    { command: 'sb|0|0|2|x', body: 'xllo', result: OK, rule: 'start 0 with a partial length drains that many bytes, then prepends (found by the conformance suite)' },
    { command: 'sb|0|2|1|x', body: 'hello', result: BAD_ARGUMENT, rule: 'writing inside the buffer is BadArgument' },
    { command: 'sb|6|0|0|x', body: 'hello', result: BAD_ARGUMENT, rule: 'the VM configuration is read-only' },
    { command: 'sb|4|0|0|x', body: 'hello', result: NOT_FOUND, rule: 'no callout response buffer outside its callback' },
  ];

  it.each(writes)('set_buffer_bytes: $rule', ({ command, body, result }) => {
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ req_body: command }), false);
    const r = s.requestBody('hello', true);
    expect(probeResult(host, 'req_body', command)).toBe(result);
    expect(Buffer.from(r.data).toString()).toBe(body);
  });

  const reads = [
    { command: 'bb|0|0|100', result: '0 hello', fact: 'the length is clamped to the buffer' },
    { command: 'bb|0|3|100', result: '0 lo', fact: 'a read from the middle is clamped too' },
    { command: 'bb|0|9|2', result: '0 ', fact: 'a read past the end is Ok and empty' },
    { command: 'bs|0', result: '0 5 0', fact: 'buffer status reports the size and always flags 0' },
    { command: 'bb|6|0|100', result: '0 vm-config', fact: 'the VM configuration is always readable' },
    { command: 'bb|7|0|100', result: NOT_FOUND, fact: 'the plugin configuration is NotFound outside on_configure' },
    { command: 'bb|9|0|1', result: BAD_ARGUMENT, fact: 'a buffer type above 8 is BadArgument' },
  ];

  it.each(reads)('get_buffer_bytes: $fact', ({ command, result }) => {
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ req_body: command }), false);
    s.requestBody('hello', true);
    expect(probeResult(host, 'req_body', command)).toBe(result);
  });

  it('the request body outside a body callback is an empty, read-only buffer (Ok, not NotFound)', () => {
    plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: 'bb|0|0|10;bs|0;sb|0|0|0|x' }), true);
    expect(probeResult(host, 'req_headers', 'bb|0|0|10')).toBe('0 ');
    expect(probeResult(host, 'req_headers', 'bs|0')).toBe('0 0 0');
    expect(probeResult(host, 'req_headers', 'sb|0|0|0|x')).toBe(BAD_ARGUMENT);
  });

  it('StopIterationAndBuffer makes the next body callback see the accumulated body', () => {
    const s = plugin.newHttpStream();
    s.requestHeaders(probeRequest({ req_body: 'ret|1' }), false);
    expect(s.requestBody('abc', false).status).toBe('StopIterationAndBuffer');
    const last = s.requestBody('def', true);
    expect(Buffer.from(last.data).toString()).toBe('abcdef');
    expect(host.logs().map((r) => r.message).filter((m) => m.startsWith('cb request_body'))).toEqual([
      'cb request_body 2 3 0',
      'cb request_body 2 6 1',
    ]);
  });
});
