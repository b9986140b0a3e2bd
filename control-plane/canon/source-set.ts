// The one rule for "does this source pass this segment's `from`": a segment's compiled sources and
// `admits(identity)`. The engine, the xDS reach computation and the policy audit all ask it; the
// identity filter's twin (assembly/filters/identity/decide.ts, sourceMatches) is tested against it
// differentially (test/parity/source-admission.test.ts).
//
// A source is admitted when it is a well-formed SPIFFE ID (canon/spiffe.ts) and
//   - it is one of the exact identities, or
//   - it starts with one of the principal prefixes ('' from `*`: any well-formed ID), or
//   - it is a Kubernetes identity spiffe://<trustDomain>/ns/<ns>/sa/<sa> of the policy's trust
//     domain, with <ns> one of the namespaces.
// A malformed ID is admitted by nothing, whatever prefix it starts with.
import { kubernetesNamespace, parseSpiffeId } from './spiffe.js';

export class SourceSet {
  readonly identities: ReadonlySet<string>;
  readonly namespaces: ReadonlySet<string>;
  /** Principal prefixes (a pattern without its trailing `*`); '' admits any well-formed ID. */
  readonly prefixes: readonly string[];

  constructor(readonly trustDomain: string, identities: Iterable<string>, namespaces: Iterable<string>, prefixes: Iterable<string>) {
    this.identities = new Set(identities);
    this.namespaces = new Set(namespaces);
    this.prefixes = Object.freeze([...prefixes]);
    // An exact identity admits only itself, so it must be well formed for the lookup below to
    // need no parse (the policy validator guarantees it for compiled policies).
    for (const id of this.identities) {
      if (parseSpiffeId(id) === null) throw new Error(`source set: "${id}" is not a well-formed SPIFFE ID`);
    }
    Object.freeze(this);
  }

  /** True when `from` names no source at all. */
  get empty(): boolean {
    return this.identities.size === 0 && this.namespaces.size === 0 && this.prefixes.length === 0;
  }

  /** True when any well-formed identity passes (a `*` principal). */
  get admitsAnyone(): boolean {
    return this.prefixes.includes('');
  }

  admits(identity: string): boolean {
    if (this.identities.has(identity)) return true;
    if (this.namespaces.size === 0 && this.prefixes.length === 0) return false;
    const parsed = parseSpiffeId(identity);
    if (parsed === null) return false;
    for (const prefix of this.prefixes) if (identity.startsWith(prefix)) return true;
    if (this.namespaces.size === 0) return false;
    const ns = kubernetesNamespace(parsed, this.trustDomain);
    return ns !== null && this.namespaces.has(ns);
  }
}
