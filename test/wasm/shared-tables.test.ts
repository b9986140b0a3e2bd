// The shared tables run against the AssemblyScript implementations in assembly/lib (the TS
// engine is held to the same tables in test/unit).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadHarness, type Harness } from './harness.js';

interface PathCase { in: string; out?: string; reject?: boolean; note?: string }
interface IpTable {
  addresses: { in: string; ip: string; v: 4 | 6; note?: string }[];
  cidrs: { cidr: string; ip: string; contains: boolean; note?: string }[];
}
interface HostCase { in: string; host?: string; ip?: 'v4' | 'v6' | null; port?: number | null; reject?: boolean; note?: string }

const fixture = <T>(name: string) =>
  (JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as { cases: T[] }).cases;
const ips = JSON.parse(readFileSync(new URL('../fixtures/ips.json', import.meta.url), 'utf8')) as IpTable;
const pathCases = fixture<PathCase>('path-normalization.json');
const hostCases = fixture<HostCase>('hosts.json');
const sniCases = fixture<{ in: string; host?: string; reject?: boolean; note?: string }>('sni.json');

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
});

describe('AS path normalization follows test/fixtures/path-normalization.json', () => {
  it.each(pathCases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_, c) => {
    const r = as.normalizePath(c.in);
    if (c.reject) expect(r.ok, `expected a 400 for ${JSON.stringify(c.in)}`).toBe(false);
    else expect(r).toEqual({ ok: true, path: c.out });
  });
});

describe('AS host canonicalization follows test/fixtures/hosts.json', () => {
  it.each(hostCases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_, c) => {
    const r = as.canonicalHost(c.in);
    if (c.reject) {
      expect('reject' in r, `expected a reject for ${JSON.stringify(c.in)}, got ${JSON.stringify(r)}`).toBe(true);
      return;
    }
    expect(r).toEqual({ host: c.host, ip: c.ip ?? null, port: c.port ?? null });
  });
});

describe('AS IP reading follows test/fixtures/ips.json', () => {
  it.each(ips.addresses.map((c) => [c.in, c] as const))('address %s', (_, c) => {
    expect(as.ip(c.in), c.note).toEqual({ ip: c.ip, version: c.v });
  });
  it.each(ips.cidrs.map((c) => [`${c.cidr} ∋ ${c.ip}`, c] as const))('%s', (_, c) => {
    expect(as.cidrContains(c.cidr, c.ip), c.note).toBe(c.contains);
  });
});

describe('AS SNI canonicalization follows test/fixtures/sni.json', () => {
  it.each(sniCases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_, c) => {
    const r = as.sni(c.in);
    if (c.reject) expect('reject' in r, `${c.note ?? ''}: got ${JSON.stringify(r)}`).toBe(true);
    else expect(r, c.note).toEqual({ host: c.host });
  });
});
