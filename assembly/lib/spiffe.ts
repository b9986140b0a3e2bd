// SPIFFE IDs (spiffe.io SPIFFE-ID spec §2): spiffe://<trust domain><path>, trust domain of
// [a-z0-9._-], path segments of [A-Za-z0-9._-] that are neither empty, "." nor "..",
// no query, fragment, port or user info, at most 2048 bytes. A workload identity in a mesh
// is spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>.
import { ByteBuf } from "../sdk/bytes";

const SCHEME = "spiffe://";
const SCHEME_LENGTH: i32 = 9;
const MAX_LENGTH: i32 = 2048;
const MAX_TRUST_DOMAIN_LENGTH: i32 = 255;

@inline function isTrustDomainChar(c: u32): bool {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 46 || c == 45 || c == 95;
}

@inline function isPathChar(c: u32): bool {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 46 || c == 45 || c == 95;
}

const schemeBytes = ByteBuf.fromString(SCHEME);

/** True when `id` is a well-formed SPIFFE ID. */
export function isSpiffeId(id: ByteBuf): bool {
  const n = id.length;
  if (n > MAX_LENGTH || !id.startsWithRaw(schemeBytes.ptr, SCHEME_LENGTH)) return false;
  let i = SCHEME_LENGTH;
  while (i < n && id.at(i) != 47) {
    if (!isTrustDomainChar(id.at(i))) return false;
    i++;
  }
  if (i == SCHEME_LENGTH || i - SCHEME_LENGTH > MAX_TRUST_DOMAIN_LENGTH) return false;
  if (i == n) return true;
  // Path: one or more "/segment".
  while (i < n) {
    const start = ++i;
    while (i < n && id.at(i) != 47) {
      if (!isPathChar(id.at(i))) return false;
      i++;
    }
    const length = i - start;
    if (length == 0) return false;
    if (id.at(start) == 46 && (length == 1 || (length == 2 && id.at(start + 1) == 46))) return false;
  }
  return true;
}

/**
 * The namespace of a well-formed `spiffe://<trustDomain>/ns/<ns>/sa/<sa>` into `out`; false for
 * any other shape or trust domain. Call only on an ID that isSpiffeId accepted.
 */
export function workloadNamespace(id: ByteBuf, trustDomain: ByteBuf, out: ByteBuf): bool {
  out.clear();
  const td = trustDomain.length;
  let i = SCHEME_LENGTH + td;
  if (id.length < i + 4) return false;
  if (memory.compare(id.ptr + <usize>SCHEME_LENGTH, trustDomain.ptr, <usize>td) != 0) return false;
  // "/ns/"
  if (id.at(i) != 47 || id.at(i + 1) != 110 || id.at(i + 2) != 115 || id.at(i + 3) != 47) return false;
  const nsStart = i + 4;
  let nsEnd = nsStart;
  while (nsEnd < id.length && id.at(nsEnd) != 47) nsEnd++;
  if (nsEnd == nsStart) return false;
  // "/sa/<sa>" with no further segment
  i = nsEnd;
  if (id.length < i + 5 || id.at(i + 1) != 115 || id.at(i + 2) != 97 || id.at(i + 3) != 47) return false;
  for (let j = i + 4; j < id.length; j++) if (id.at(j) == 47) return false;
  out.append(id.ptr + <usize>nsStart, nsEnd - nsStart);
  return true;
}
