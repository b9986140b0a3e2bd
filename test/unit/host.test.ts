import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { canonicalHost, canonicalSni } from '../../control-plane/canon/host.js';

interface HostCase { in: string; host?: string; ip?: 'v4' | 'v6' | null; port?: number | null; reject?: boolean; note?: string }
const table = JSON.parse(readFileSync(new URL('../fixtures/hosts.json', import.meta.url), 'utf8')) as { cases: HostCase[] };

describe('host canonicalization follows the shared table', () => {
  it.each(table.cases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_name, c) => {
    const r = canonicalHost(c.in);
    if (c.reject) {
      expect(r.ok, c.note).toBe(false);
      return;
    }
    expect(r.ok, c.note).toBe(true);
    if (!r.ok) return;
    expect(r.host).toBe(c.host);
    expect(r.port).toBe(c.port ?? null);
    expect(r.kind === 'ip' ? (r.ip.v === 4 ? 'v4' : 'v6') : null).toBe(c.ip);
  });
});

const sni = JSON.parse(readFileSync(new URL('../fixtures/sni.json', import.meta.url), 'utf8')) as { cases: { in: string; host?: string; reject?: boolean; note?: string }[] };

describe('SNI canonicalization follows test/fixtures/sni.json', () => {
  it.each(sni.cases.map((c) => [JSON.stringify(c.in), c] as const))('%s', (_name, c) => {
    const r = canonicalSni(c.in);
    if (c.reject) expect(r.ok, c.note).toBe(false);
    else expect(r.ok && r.host, c.note).toBe(c.host);
  });
});
