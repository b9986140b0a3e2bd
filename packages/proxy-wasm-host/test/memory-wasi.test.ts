import { describe, expect, it } from 'vitest';
import { FilterChain, SharedDataStore, WasmHost } from '../src/index.js';
import { buildFixture } from './helpers/build.js';
import { buildSdkFilter, probeHost, probeRequest, probeResult } from './helpers/probe.js';

describe('guest memory', () => {
  const filters = [
    { name: 'the G-Core SDK filter', load: async () => buildSdkFilter() },
    { name: 'the no-op filter', load: async () => buildFixture('noop.ts', { exportStart: '_initialize', use: ['abort='] }) },
  ];

  it.each(filters)('stays flat over many streams with $name', async ({ load }) => {
    const host = await WasmHost.load(await load(), { canary: false, sharedData: new SharedDataStore() });
    const plugin = host.createPlugin({ name: 'mg', configuration: 'deny=/admin' });
    const chain = new FilterChain([plugin]);
    const request = (i: number) => ({
      headers: { ':method': 'GET', ':path': i % 5 === 0 ? '/admin' : `/api/items/${i}`, ':authority': 'api', 'x-id': String(i) },
      info: { connection: { source: `10.0.${i % 200}.1:${1000 + i}`, tls: { peerCertificate: { uriSans: ['spiffe://x/ns/a/sa/b'] } } } },
    });
    for (let i = 0; i < 500; i++) await chain.run(request(i));
    const warm = host.memoryBytes();
    const contexts = host.liveContexts();
    for (let i = 500; i < 5000; i++) await chain.run(request(i));
    expect(host.memoryBytes()).toBe(warm);
    expect(host.liveContexts()).toBe(contexts);
  });

  it('cannot grow past 1 GiB (Envoy runs V8 with --wasm_max_mem_pages=16384)', async () => {
    const host = await probeHost({ canary: false });
    const plugin = host.createPlugin({ name: 'p' });
    const before = host.memoryBytes();
    plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: 'grow|16384;grow|1' }), true);
    expect(probeResult(host, 'req_headers', 'grow|16384')).toBe('-1');
    expect(probeResult(host, 'req_headers', 'grow|1')).toBe(String(before / 65536));
    expect(host.memoryBytes()).toBe(before + 65536);
  });
});

describe('WASI', () => {
  async function run(command: string, logLevel: 'trace' | 'info' = 'trace') {
    const host = await probeHost({ canary: false, logLevel });
    host.createPlugin({ name: 'p' }).newHttpStream().requestHeaders(probeRequest({ req_headers: command }), true);
    return { host, result: probeResult(host, 'req_headers', command) };
  }

  it('fd_write to stdout logs at info and to stderr at error, without the trailing newline', async () => {
    const out = await run('write|1|to stdout\n');
    expect(out.result).toBe('0 10');
    expect(out.host.logs().find((r) => r.message === 'to stdout')?.level).toBe('info');
    const err = await run('write|2|to stderr');
    expect(err.host.logs().find((r) => r.message === 'to stderr')?.level).toBe('error');
  });

  const table = [
    { command: 'write|3|x', result: '8 0', fact: 'fd_write to any other fd is EBADF' },
    { command: 'clock|0', result: '0 nonzero', fact: 'clock_time_get supports the realtime clock' },
    { command: 'clock|1', result: '0 nonzero', fact: 'clock_time_get supports the monotonic clock' },
    { command: 'clock|2', result: '58 zero', fact: 'other clocks are ENOTSUP' },
    { command: 'random|65536', result: '0', fact: 'random_get serves up to 64 KiB' },
    { command: 'random|65537', result: '28', fact: 'random_get over 64 KiB is EINVAL' },
    { command: 'exit', result: 'returned', fact: 'proc_exit only logs and returns' },
  ];

  it.each(table)('$fact', async ({ command, result }) => {
    expect((await run(command)).result).toBe(result);
  });

  it('proc_exit is logged as "wasi_unstable proc_exit" at trace', async () => {
    const { host } = await run('exit');
    expect(host.logs().find((r) => r.message === 'wasi_unstable proc_exit')?.level).toBe('trace');
  });

  it('proxy_get_log_level reports the host’s wasm log level, and lower logs are dropped', async () => {
    const { host, result } = await run('ll', 'info');
    expect(result).toBe('0 2');
    expect(host.logs().some((r) => r.level === 'trace')).toBe(false);
  });
});
