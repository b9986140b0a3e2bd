// Path normalization (DESIGN.md "Path normalization"). The AssemblyScript twin in
// assembly/lib must agree exactly; both are held to test/fixtures/path-normalization.json.

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

function isUnreserved(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) ||
    code === 45 || code === 46 || code === 95 || code === 126
  );
}

/** A C0 control character or DEL (what never reaches path matching raw). */
export function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

function reject(reason: string): NormalizedPath {
  return { ok: false, reason };
}

/** True when a raw path needs no work beyond splitting off the query. */
function isAlreadyCanonical(path: string, end: number): boolean {
  let previous = 0;
  for (let i = 0; i < end; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 || c === 92 || c === 46 || c === 59 || c === 35 || isControl(c)) return false;
    if (c === 47 && previous === 47) return false;
    previous = c;
  }
  return true;
}

/** Decodes unreserved escapes, upper-cases the rest, and rejects what DESIGN.md rejects. */
function decodeEscapes(raw: string, end: number): string | NormalizedPath {
  let out = '';
  let runStart = 0;
  for (let i = 0; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c === 92) return reject('raw backslash in path');
    if (isControl(c)) return reject('raw control character in path');
    if (c !== 37) continue;
    const hi = i + 2 < end ? hexValue(raw.charCodeAt(i + 1)) : -1;
    const lo = i + 2 < end ? hexValue(raw.charCodeAt(i + 2)) : -1;
    if (hi < 0 || lo < 0) return reject('malformed percent escape');
    const value = hi * 16 + lo;
    if (value === 0x2f || value === 0x5c) return reject('encoded slash or backslash in path');
    if (isControl(value)) return reject('encoded control character in path');
    out += raw.slice(runStart, i);
    out += isUnreserved(value) ? String.fromCharCode(value) : '%' + HEX[hi] + HEX[lo];
    i += 2;
    runStart = i + 1;
  }
  return out + raw.slice(runStart, end);
}

function isDotSegmentWithParameter(segment: string): boolean {
  const rest = segment.startsWith('..') ? segment.slice(2) : segment.startsWith('.') ? segment.slice(1) : null;
  if (rest === null) return false;
  return rest.startsWith(';') || rest.startsWith('%3B');
}

/** Merges slashes and removes dot segments (RFC 3986 §5.2.4; `..` above the root stays at `/`). */
function removeDotSegments(decoded: string): string | NormalizedPath {
  const input = decoded.split('/');
  const output: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < input.length; i++) {
    const segment = input[i]!;
    const last = i === input.length - 1;
    if (segment === '') {
      if (last) trailingSlash = true;
      continue;
    }
    if (isDotSegmentWithParameter(segment)) return reject('dot segment with a path parameter');
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      if (last) trailingSlash = true;
      continue;
    }
    output.push(segment);
    trailingSlash = false;
  }
  if (output.length === 0) return '/';
  return '/' + output.join('/') + (trailingSlash ? '/' : '');
}

export function normalizePath(raw: string): NormalizedPath {
  if (raw.indexOf('#') !== -1) return reject('fragment in path');
  let end = raw.indexOf('?');
  if (end === -1) end = raw.length;
  else {
    for (let i = end + 1; i < raw.length; i++) {
      if (isControl(raw.charCodeAt(i))) return reject('raw control character in query');
    }
  }
  if (end === 0 || raw.charCodeAt(0) !== 47) return reject('path does not start with /');
  if (isAlreadyCanonical(raw, end)) return { ok: true, path: end === raw.length ? raw : raw.slice(0, end) };
  const decoded = decodeEscapes(raw, end);
  if (typeof decoded !== 'string') return decoded;
  const normalized = removeDotSegments(decoded);
  if (typeof normalized !== 'string') return normalized;
  return { ok: true, path: normalized };
}
