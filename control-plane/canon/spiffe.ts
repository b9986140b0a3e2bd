// SPIFFE IDs (spiffe://<trust domain>/<path>) as the SPIFFE ID spec allows them, and the
// Kubernetes identity form spiffe://<td>/ns/<namespace>/sa/<serviceAccount>.

/** The characters of a trust domain and of a path segment (regex character-class bodies). */
export const TRUST_DOMAIN_CHARS = 'a-z0-9._-';
export const PATH_SEGMENT_CHARS = 'A-Za-z0-9._-';

const TRUST_DOMAIN = new RegExp(`^[${TRUST_DOMAIN_CHARS}]+$`);
const PATH_SEGMENT = new RegExp(`^[${PATH_SEGMENT_CHARS}]+$`);

export function isValidTrustDomain(td: string): boolean {
  return td.length > 0 && td.length <= 255 && TRUST_DOMAIN.test(td);
}

export function parseSpiffeId(id: string): { trustDomain: string; segments: string[] } | null {
  if (!id.startsWith('spiffe://') || id.length > 2048) return null;
  const rest = id.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  if (!isValidTrustDomain(trustDomain)) return null;
  if (slash === -1) return { trustDomain, segments: [] };
  const segments = rest.slice(slash + 1).split('/');
  for (const s of segments) {
    if (!isValidPathSegment(s)) return null;
  }
  return { trustDomain, segments };
}

/** One path segment of a SPIFFE ID: [A-Za-z0-9._-]+, not `.` or `..`. */
export function isValidPathSegment(segment: string): boolean {
  return PATH_SEGMENT.test(segment) && segment !== '.' && segment !== '..';
}

export function workloadIdentity(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export type SpiffeId = NonNullable<ReturnType<typeof parseSpiffeId>>;

/** The namespace of a parsed Kubernetes identity (spiffe://<td>/ns/<ns>/sa/<sa>) of `trustDomain`, else null. */
export function kubernetesNamespace(id: SpiffeId, trustDomain: string): string | null {
  const s = id.segments;
  return id.trustDomain === trustDomain && s.length === 4 && s[0] === 'ns' && s[2] === 'sa' ? s[1]! : null;
}

/** The namespace of a well-formed Kubernetes identity in `trustDomain`, else null. */
export function identityNamespace(principal: string, trustDomain: string): string | null {
  const parsed = parseSpiffeId(principal);
  return parsed ? kubernetesNamespace(parsed, trustDomain) : null;
}

/** A principal pattern: an exact SPIFFE ID, or a prefix ending in `*`. Returns an error text or null. */
export function checkPrincipalPattern(pattern: string): string | null {
  if (pattern === '*') return null;
  if (!pattern.endsWith('*')) {
    return parseSpiffeId(pattern) ? null : `"${pattern}" is not a valid SPIFFE ID (spiffe://<trust-domain>/<path>)`;
  }
  const prefix = pattern.slice(0, -1);
  if (prefix.includes('*')) return `"${pattern}": "*" may only end a principal pattern`;
  if (!prefix.startsWith('spiffe://')) return `"${pattern}" must start with spiffe://`;
  const probe = parseSpiffeId(prefix.endsWith('/') ? prefix + 'x' : prefix.length === 'spiffe://'.length ? prefix + 'x' : prefix);
  return probe ? null : `"${pattern}" is not the prefix of a valid SPIFFE ID`;
}
