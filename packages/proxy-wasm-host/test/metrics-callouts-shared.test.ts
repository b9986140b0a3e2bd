import { beforeEach, describe, expect, it } from 'vitest';
import {
  FilterChain, SharedDataStore, SharedQueueStore, WasmHost, type HttpCalloutRequest, type Plugin,
} from '../src/index.js';
import { buildSdkFilter, callbacks, probeHost, probeLines, probeRequest, probeResult } from './helpers/probe.js';

let host: WasmHost;
beforeEach(async () => {
  host = await probeHost({ canary: false });
});

/** Runs a semicolon script in on_request_headers and returns each command's result. */
function script(plugin: Plugin, commands: string[]): string[] {
  plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: commands.join(';') }), true);
  const lines = probeLines(host).filter((l) => l.phase === 'req_headers').slice(-commands.length);
  return lines.map((l) => l.result);
}

describe('metrics', () => {
  it('ids encode the type (id mod 4) and count up from type+4 in steps of 4', () => {
    const plugin = host.createPlugin({ name: 'p' });
    expect(script(plugin, ['md|0|c1', 'md|0|c2', 'md|1|g1', 'md|2|h1', 'md|1|g2', 'md|3|bad'])).toEqual([
      '0 4', '0 8', '0 5', '0 6', '0 9', '2',
    ]);
  });

  it('defining a name again gives a new id for the same stat', () => {
    const plugin = host.createPlugin({ name: 'p' });
    script(plugin, ['md|0|requests', 'mi|requests|2']);
    expect(script(plugin, ['md|0|requests', 'mi|requests|3'])).toEqual(['0 8', '0']);
    expect(host.metric('requests')).toBe(5n);
  });

  const rules = [
    { setup: ['md|0|c'], command: 'mi|c|1', result: '0', fact: 'a counter increments by a positive delta' },
    { setup: ['md|0|c'], command: 'mi|c|0', result: '2', fact: 'a counter increment of 0 is BadArgument' },
    { setup: ['md|0|c'], command: 'mi|c|-1', result: '2', fact: 'a negative counter increment is BadArgument' },
    { setup: ['md|0|c', 'mi|c|2', 'mr|c|10'], command: 'mg|c', result: '0 12', fact: 'record on a counter adds' },
    { setup: ['md|1|g', 'mi|g|5', 'mi|g|-3'], command: 'mg|g', result: '0 2', fact: 'a gauge increments by negative deltas' },
    { setup: ['md|1|g', 'mi|g|5', 'mr|g|7'], command: 'mg|g', result: '0 7', fact: 'record on a gauge sets it' },
    { setup: ['md|2|h'], command: 'mr|h|42', result: '0', fact: 'record on a histogram records a value' },
    { setup: ['md|2|h'], command: 'mi|h|1', result: '2', fact: 'increment on a histogram is BadArgument' },
    { setup: ['md|2|h'], command: 'mg|h', result: '2', fact: 'get on a histogram is BadArgument' },
    { setup: [], command: 'mi|#100|1', result: '1', fact: 'an undefined counter id is NotFound' },
    { setup: [], command: 'mg|#103', result: '2', fact: 'an id of type 3 is BadArgument for get' },
    { setup: [], command: 'mr|#103|1', result: '1', fact: 'an id of type 3 is NotFound for record' },
  ];

  it.each(rules)('$fact', ({ setup, command, result }) => {
    const plugin = host.createPlugin({ name: 'p' });
    expect(script(plugin, [...setup, command]).at(-1)).toBe(result);
  });

  it('histogram records are summarized per name', () => {
    const plugin = host.createPlugin({ name: 'p' });
    script(plugin, ['md|2|latency', 'mr|latency|10', 'mr|latency|30']);
    expect(plugin.metrics().find((m) => m.name === 'latency')?.histogram).toEqual({ count: 2, sum: 40n, min: 10n, max: 30n });
  });
});

describe('HTTP callouts', () => {
  const seen: HttpCalloutRequest[] = [];
  beforeEach(() => {
    seen.length = 0;
    host.registerCluster('telemetry', (req) => {
      seen.push(req);
      return { status: 200, headers: [['x-served-by', 'tel']], body: 'pong' };
    });
  });

  it('tokens are ≡0 mod 4 starting at 4', () => {
    const plugin = host.createPlugin({ name: 'p' });
    expect(script(plugin, ['call|telemetry|/a|1000', 'call|telemetry|/b|1000', 'call|telemetry|/c|0'])).toEqual([
      '0 4', '0 8', '0 12',
    ]);
  });

  const invalid = [
    { command: 'call|nowhere|/a|1000', fact: 'an unknown cluster' },
    { command: 'call|telemetry||1000', fact: 'a missing :path' },
    { command: 'call|telemetry|/a|4294967295', fact: 'a negative timeout (as i32)' },
  ];

  it.each(invalid)('$fact is BadArgument and no token', ({ command }) => {
    const plugin = host.createPlugin({ name: 'p' });
    expect(script(plugin, [command])).toEqual(['2 0']);
    host.dispatch();
    expect(seen).toEqual([]);
  });

  it('the request carries the pseudo-headers, a content-length for the body, and the timeout', () => {
    const plugin = host.createPlugin({ name: 'p' });
    script(plugin, ['call|telemetry|/v1/events|250|payload']);
    host.dispatch();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.entries()).toEqual([
      [':method', 'GET'], [':authority', 'telemetry.local'], [':path', '/v1/events'], ['content-length', '7'],
    ]);
    expect(Buffer.from(seen[0]!.body).toString()).toBe('payload');
    expect(seen[0]!.timeoutMs).toBe(250);
  });

  it('the response goes to the ROOT context, later, with header count and body size', () => {
    const plugin = host.createPlugin({ name: 'p', configuration: 'http_call_response=gh|6|:status;gh|6|x-served-by;bb|4|0|100' });
    script(plugin, ['call|telemetry|/a|1000']);
    expect(callbacks(host).filter((c) => c.startsWith('http_call_response'))).toEqual([]);
    host.dispatch();
    expect(callbacks(host).filter((c) => c.startsWith('http_call_response'))).toEqual(['http_call_response 1 4 2 4 0']);
    expect(probeResult(host, 'http_call_response', 'gh|6|:status')).toBe('0 200');
    expect(probeResult(host, 'http_call_response', 'gh|6|x-served-by')).toBe('0 tel');
    expect(probeResult(host, 'http_call_response', 'bb|4|0|100')).toBe('0 pong');
  });

  it('a failed callout calls back with 0 headers and get_status 11 "reset"', () => {
    host.registerCluster('broken', () => {
      throw new Error('connection refused');
    });
    const plugin = host.createPlugin({ name: 'p', configuration: 'http_call_response=st;bb|4|0|10' });
    script(plugin, ['call|broken|/a|1000']);
    host.dispatch();
    expect(callbacks(host).filter((c) => c.startsWith('http_call_response'))).toEqual(['http_call_response 1 4 0 0 0']);
    expect(probeResult(host, 'http_call_response', 'st')).toBe('0 11 reset');
    expect(probeResult(host, 'http_call_response', 'bb|4|0|10')).toBe('1');
  });

  it('the callback can switch to the originating stream, edit its headers and resume it', async () => {
    const config = 'http_call_response=eff|origin;ah|0|x-telemetry|done;cont|0';
    const plugin = host.createPlugin({ name: 'p', configuration: config });
    const result = await new FilterChain([plugin]).run({ headers: probeRequest({ req_headers: 'call|telemetry|/a|1000;ret|1' }) });
    expect(result.stalled).toBeNull();
    expect(result.forwarded?.headers.get('x-telemetry')).toBe('done');
  });

  it('an asynchronous cluster handler is awaited by the chain', async () => {
    host.registerCluster('slow', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { status: 201 };
    });
    const config = 'http_call_response=eff|origin;gh|6|:status;cont|0';
    const plugin = host.createPlugin({ name: 'p', configuration: config });
    const result = await new FilterChain([plugin]).run({ headers: probeRequest({ req_headers: 'call|slow|/a|1000;ret|1' }) });
    expect(result.forwarded).not.toBeNull();
    expect(probeResult(host, 'http_call_response', 'gh|6|:status')).toBe('0 201');
  });

  it('a stream that stops and never resumes is reported as stalled', async () => {
    const plugin = host.createPlugin({ name: 'p' });
    const result = await new FilterChain([plugin]).run({ headers: probeRequest({ req_headers: 'ret|1' }) });
    expect(result.stalled).toEqual({ filter: 0, side: 'request' });
    expect(result.forwarded).toBeNull();
  });

  it('the SDK filter resumes from its callout callback, or answers 503 when the callout fails', async () => {
    const sdk = await WasmHost.load(await buildSdkFilter(), { canary: false, sharedData: new SharedDataStore() });
    sdk.registerCluster('telemetry', () => ({ status: 204 }));
    const plugin = sdk.createPlugin({ name: 'mg', configuration: 'telemetry=telemetry' });
    const chain = new FilterChain([plugin]);
    const ok = await chain.run({ headers: { ':method': 'GET', ':path': '/call', ':authority': 'a' } });
    expect(ok.forwarded?.headers.get('x-mg-telemetry')).toBe('204');
    sdk.registerCluster('telemetry', () => Promise.reject(new Error('down')));
    const failed = await chain.run({ headers: { ':method': 'GET', ':path': '/call', ':authority': 'a' } });
    expect(failed.localReply).toMatchObject({ status: 503, details: 'telemetry_unavailable', grpcStatus: 14 });
    expect(failed.response?.status).toBe(503);
  });
});

describe('shared data', () => {
  it('compare-and-swap: cas 0 always writes, a stale cas is CasMismatch, a missing key is NotFound', async () => {
    const h = await probeHost({ canary: false, sharedData: new SharedDataStore() });
    const plugin = h.createPlugin({ name: 'p' });
    const run = (cmds: string[]) => {
      plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: cmds.join(';') }), true);
      return probeLines(h).filter((l) => l.phase === 'req_headers').slice(-cmds.length).map((l) => l.result);
    };
    const [set, get] = run(['sdset|k|v1|0', 'sdget|k']);
    expect(set).toBe('0');
    const cas = Number(get!.split(' ')[2]);
    expect(get).toBe(`0 v1 ${cas}`);
    expect(run([`sdset|k|v2|${cas + 1}`, 'sdget|k'])).toEqual(['8', `0 v1 ${cas}`]);
    expect(run([`sdset|k|v2|${cas}`, 'sdget|k'])).toEqual(['0', `0 v2 ${cas + 1}`]);
    expect(run(['sdget|missing'])).toEqual(['1']);
  });

  it('is shared by VMs with the same vm_id and isolated between vm_ids', async () => {
    const store = new SharedDataStore();
    const writer = await probeHost({ canary: false, vmId: 'mesh', sharedData: store });
    const sameId = await probeHost({ canary: false, vmId: 'mesh', sharedData: store });
    const otherId = await probeHost({ canary: false, vmId: 'other', sharedData: store });
    writer.createPlugin({ name: 'w' }).newHttpStream().requestHeaders(probeRequest({ req_headers: 'sdset|seen|1|0' }), true);
    for (const h of [sameId, otherId]) {
      h.createPlugin({ name: 'r' }).newHttpStream().requestHeaders(probeRequest({ req_headers: 'sdget|seen' }), true);
    }
    expect(probeResult(sameId, 'req_headers', 'sdget|seen')).toMatch(/^0 1 \d+$/);
    expect(probeResult(otherId, 'req_headers', 'sdget|seen')).toBe('1');
  });
});

describe('shared queues', () => {
  it('enqueue notifies the registering root context later; dequeue drains in order, then Empty', async () => {
    const h = await probeHost({ canary: false, vmId: 'qvm', sharedQueues: new SharedQueueStore() });
    const plugin = h.createPlugin({ name: 'p', configuration: 'configure=qreg|events\nqueue_ready=qdeq|1;qdeq|1;qdeq|1' });
    expect(probeResult(h, 'configure', 'qreg|events')).toBe('0 1');
    plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: 'qres||events;qenq|1|a;qenq|1|b;qenq|99|x' }), true);
    expect(probeResult(h, 'req_headers', 'qres||events')).toBe('0 1');
    expect(probeResult(h, 'req_headers', 'qenq|99|x')).toBe('1');
    expect(callbacks(h).filter((c) => c.startsWith('queue_ready'))).toEqual([]);
    h.dispatch();
    expect(callbacks(h).filter((c) => c.startsWith('queue_ready'))).toEqual(['queue_ready 1 1', 'queue_ready 1 1']);
    const drained = probeLines(h).filter((l) => l.phase === 'queue_ready').map((l) => l.result);
    expect(drained).toEqual(['0 a', '0 b', '7', '7', '7', '7']);
  });

  it('resolving a queue name that was never registered is NotFound', async () => {
    const h = await probeHost({ canary: false, sharedQueues: new SharedQueueStore() });
    h.createPlugin({ name: 'p', configuration: 'configure=qres|other-vm|events;qdeq|5' });
    expect(probeResult(h, 'configure', 'qres|other-vm|events')).toBe('1');
    expect(probeResult(h, 'configure', 'qdeq|5')).toBe('1');
  });
});
