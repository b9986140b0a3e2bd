// Nothing a host keeps is process-global: clocks, randomness, shared data and connection numbers
// belong to the host (or to whatever the embedder passes to several hosts).
import { describe, expect, it } from 'vitest';
import { WasmHost } from '../src/index.js';
import { hexLE, probeHost, probeRequest, probeResult } from './helpers/probe.js';

function run(host: WasmHost, command: string): string {
  host.createPlugin({ name: 'p' }).newHttpStream().requestHeaders(probeRequest({ req_headers: command }), true);
  return probeResult(host, 'req_headers', command);
}

describe('injected host state', () => {
  it('WASI clocks read the clock the embedder gives', async () => {
    const stopped = await probeHost({ canary: false, clock: { realtimeNs: () => 0n, monotonicNs: () => 0n } });
    expect(run(stopped, 'clock|0')).toBe('0 zero');
    expect(run(stopped, 'clock|1')).toBe('0 zero');
    const running = await probeHost({ canary: false });
    expect(run(running, 'clock|0')).toBe('0 nonzero');
  });

  it('WASI random_get draws from the random source the embedder gives', async () => {
    const asked: number[] = [];
    const host = await probeHost({ canary: false, random: (bytes) => { asked.push(bytes.length); bytes.fill(7); } });
    expect(run(host, 'random|48')).toBe('0');
    expect(asked).toEqual([48]);
  });

  it('shared data is the host’s own unless a store is passed: same vm_id, separate hosts, no sharing', async () => {
    const writer = await probeHost({ canary: false, vmId: 'mesh' });
    const reader = await probeHost({ canary: false, vmId: 'mesh' });
    expect(run(writer, 'sdset|seen|1|0')).toBe('0');
    expect(run(writer, 'sdget|seen')).toMatch(/^0 1 \d+$/);
    expect(run(reader, 'sdget|seen')).toBe('1');
  });

  it('connections without an id are numbered per host, from 1', async () => {
    for (let i = 0; i < 2; i++) {
      const host = await probeHost({ canary: false });
      expect(run(host, 'prop|connection_id')).toBe(`0 ${hexLE(1n)}`);
    }
  });
});
