// DNS-tunnelling entropy is one computation in TypeScript (control-plane/engine/dns-tunnel.ts) and
// AssemblyScript (assembly/lib/dns_tunnel.ts): the same double for every label, so a threshold
// set exactly at a label's entropy gives the same verdict in `check` and in the egress filter.
// (dns-entropy-replay.test.ts runs that through check and the built egress filter.)
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsTunnelSuspicion, labelEntropy } from '../../control-plane/engine/dns-tunnel.js';
import { prng } from '../../bench/anomaly/corpus.js';
import { loadHarness, type Harness } from '../wasm/harness.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';

/** The largest double below a positive `x`. */
function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

/** Labels of 16-63 bytes drawn from a few letters each (so counts repeat, as in real names). */
function randomLabels(n: number, seed: number): string[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => {
    const letters = ALPHABET.slice(0, 2 + Math.floor(r() * (ALPHABET.length - 2)));
    const length = 16 + Math.floor(r() * 48);
    return Array.from({ length }, () => letters[Math.floor(r() * letters.length)]).join('');
  });
}

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
}, 120_000);

describe('label entropy: one computation in TS and AS', () => {
  const labels = randomLabels(4000, 12);

  it('gives the same double for every random label', () => {
    const differ = labels.filter((l) => !Object.is(as.entropy(l), labelEntropy(l)));
    expect(differ.slice(0, 5).map((l) => `${l}: TS ${labelEntropy(l)} AS ${as.entropy(l)}`)).toEqual([]);
  });

  it('agrees with a threshold exactly at the computed entropy, and one step below it', () => {
    const limits = (maxEntropy: number) => ({ maxLabelLength: 63, maxLabels: 127, entropyMinLength: 16, maxEntropy });
    const differ: string[] = [];
    for (const label of labels) {
      const e = labelEntropy(label);
      for (const [threshold, flagged] of [[e, false], [nextDown(e), true]] as const) {
        const ts = dnsTunnelSuspicion(`${label}.example`, { mode: 'enforce', ...limits(threshold) }) !== null;
        const mine = as.dnsFinding(`${label}.example`, limits(threshold)) === 3;
        if (ts !== flagged || mine !== flagged) differ.push(`${label} at ${threshold}: TS ${ts} AS ${mine}`);
      }
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('the review’s label: 2.98831671061001179 is below 2.988316710610012 in both', () => {
    expect(labelEntropy('gfjijigbefegcekgeigdcd')).toBeLessThanOrEqual(2.988316710610012);
    expect(as.entropy('gfjijigbefegcekgeigdcd')).toBe(labelEntropy('gfjijigbefegcekgeigdcd'));
  });
});
