// The TS engine's reading of IP addresses and CIDR blocks follows the shared table (the
// AssemblyScript twin is held to it in test/wasm/shared-tables.test.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cidrContains, CidrSet, formatIP, parseCidr, parseIP, type Cidr } from '../../control-plane/canon/ip.js';

interface IpTable {
  addresses: { in: string; ip: string; v: 4 | 6; note?: string }[];
  cidrs: { cidr: string; ip: string; contains: boolean; note?: string }[];
}
const table = JSON.parse(readFileSync(new URL('../fixtures/ips.json', import.meta.url), 'utf8')) as IpTable;

describe('IP addresses follow test/fixtures/ips.json', () => {
  it.each(table.addresses.map((c) => [c.in, c] as const))('address %s', (_, c) => {
    const ip = parseIP(c.in);
    expect(ip, c.note).not.toBeNull();
    expect({ ip: formatIP(ip!), version: ip!.v }, c.note).toEqual({ ip: c.ip, version: c.v });
  });

  it.each(table.cidrs.map((c) => [`${c.cidr} ∋ ${c.ip}`, c] as const))('%s', (_, c) => {
    const cidr = parseCidr(c.cidr) as Cidr;
    expect(typeof cidr, c.cidr).toBe('object');
    expect(cidrContains(cidr, parseIP(c.ip)!), c.note).toBe(c.contains);
    expect(new CidrSet([cidr]).contains(parseIP(c.ip)!), `CidrSet: ${c.note ?? ''}`).toBe(c.contains);
  });
});
