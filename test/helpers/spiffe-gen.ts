// Generators of SPIFFE principals and source sets for the differential tests of "does this source
// pass this segment's `from`" (SourceSet.admits): well-formed workload identities, malformed SPIFFE
// IDs (bad characters, empty, "." and ".." segments, upper-case trust domains, wrong schemes) and
// mid-path suffixes (an identity with more path, a namespace that extends a listed one, a prefix
// that ends inside a segment). Used by test/parity/source-admission.test.ts (the identity filter)
// and test/xds/rbac.test.ts (the pushed RBAC); the AssemblyScript mutation run
// (test/mutation/as-cases.ts) draws the same shapes from longer lists (spiffeGenerators).
import fc from 'fast-check';

export const TD = 'cluster.local';
export const NAMESPACES = ['a', 'ab', 'shop', 'ns', 'sa'];
export const ACCOUNTS = ['x', 'api', 'sa', 'ns', 'a'];
export const id = (ns: string, sa: string, td = TD) => `spiffe://${td}/ns/${ns}/sa/${sa}`;

export const TRUST_DOMAINS = [TD, TD, 'other.td', 'cluster.local.evil'];
export const OTHER_PATHS = [`spiffe://${TD}`, `spiffe://${TD}/x`, `spiffe://${TD}/ns/a`, `spiffe://${TD}/ns/a/sa`, `spiffe://${TD}/ns/a/x/b`, `spiffe://${TD}/foo/ns/a/sa/x`];
export const SUFFIXES = ['/extra', '/', '/.', '/..', '//x', '/sa/x', 'b', '.x', '/ns/a/sa/x'];
export const BAD = ['%', '%2F', '@', ':', '?', '#', ' ', 'A', 'é', '\u0000', '/', '.', '..', '*', '\\', '\n'];
export const SCHEMES = ['SPIFFE://', 'spiffe:/', 'spiffe:///', 'https://', '', 'spiffe://user@', 'spiffe://Cluster.Local'];
export const TOO_LONG = [id('a', 'x'.repeat(2048 - id('a', '').length)), id('a', 'x'.repeat(2049 - id('a', '').length))];
export const PREFIXES = ['', 'spiffe://', `spiffe://${TD}/`, `spiffe://${TD}/ns/a`, `spiffe://${TD}/ns/a/`, `spiffe://${TD}/ns/a/sa/`, `spiffe://${TD}/ns/a/sa/x`, 'spiffe://other.td/', `spiffe://${TD}/ns/`];

/** The lists the generators draw from. */
export interface SpiffeLists {
  readonly trustDomains: readonly string[];
  readonly otherPaths: readonly string[];
  readonly bad: readonly string[];
  readonly schemes: readonly string[];
  readonly tooLong: readonly string[];
  /** The weight of otherPaths among the principals (the others: 4, 4, 4, 2, 1, 1). */
  readonly otherPathWeight: number;
}

const DEFAULTS: SpiffeLists = { trustDomains: TRUST_DOMAINS, otherPaths: OTHER_PATHS, bad: BAD, schemes: SCHEMES, tooLong: TOO_LONG, otherPathWeight: 2 };

/** The generators, drawing from `lists` (each list given replaces its default). */
export function spiffeGenerators(lists: Partial<SpiffeLists> = {}) {
  const l = { ...DEFAULTS, ...lists };
  const wellFormed = fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom(...ACCOUNTS), fc.constantFrom(...l.trustDomains))
    .map(([ns, sa, td]) => id(ns, sa, td));
  const otherPath = fc.constantFrom(...l.otherPaths);
  const midPath = fc.tuple(wellFormed, fc.constantFrom(...SUFFIXES)).map(([base, suffix]) => base + suffix);
  const corrupted = fc.tuple(wellFormed, fc.nat(), fc.constantFrom(...l.bad), fc.boolean()).map(([base, at, bad, replace]) => {
    const i = at % (base.length + 1);
    return base.slice(0, i) + bad + base.slice(replace ? i + 1 : i);
  });
  const schemes = fc.tuple(wellFormed, fc.constantFrom(...l.schemes)).map(([base, scheme]) =>
    scheme === 'spiffe://Cluster.Local' ? base.replace(`spiffe://${TD}`, scheme) : base.replace('spiffe://', scheme));
  const tooLong = fc.constantFrom(...l.tooLong);
  const principal = fc.oneof(
    { arbitrary: wellFormed, weight: 4 },
    { arbitrary: midPath, weight: 4 },
    { arbitrary: corrupted, weight: 4 },
    { arbitrary: schemes, weight: 2 },
    { arbitrary: otherPath, weight: l.otherPathWeight },
    { arbitrary: tooLong, weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  );
  const sourceSet = fc.record({
    identities: fc.uniqueArray(fc.oneof(wellFormed, fc.constantFrom(`spiffe://${TD}/x`, `spiffe://${TD}`)), { maxLength: 3 }),
    prefixes: fc.uniqueArray(fc.constantFrom(...PREFIXES), { maxLength: 2 }),
    namespaces: fc.uniqueArray(fc.constantFrom(...NAMESPACES), { maxLength: 2 }),
  });
  return { wellFormed, otherPath, midPath, corrupted, schemes, tooLong, principal, sourceSet };
}

export const { wellFormed, otherPath, midPath, corrupted, schemes, tooLong, principal, sourceSet } = spiffeGenerators();
