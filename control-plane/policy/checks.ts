// Field-level checks of the policy: each returns an error text, or null when the value is fine.
import { isControl, normalizePath } from '../canon/path.js';
import { canonicalHost } from '../canon/host.js';
import { parseIP } from '../canon/ip.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const METHOD = /^[A-Z][A-Z0-9_-]*$/;

export function checkDnsLabel(value: string, what: string): string | null {
  return value.length <= 63 && DNS_LABEL.test(value) ? null : `${what} "${value}" is not a DNS-1123 label (lower-case letters, digits and "-", at most 63)`;
}

export function checkServiceAccount(value: string): string | null {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value) ? null : `serviceAccount "${value}" is not a DNS-1123 subdomain`;
}

export function checkRuleName(value: string): string | null {
  return RULE_NAME.test(value) ? null : `name "${value}" may hold only letters, digits, ".", "_", ":" and "-", starting with a letter or digit`;
}

/** Kubernetes label keys: an optional DNS-subdomain prefix and "/", then a name of at most 63. */
export function checkLabelKey(key: string): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? null : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key "${key}" has an invalid prefix`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `label key "${key}" is not a valid Kubernetes label name`;
  return null;
}

export function checkLabelValue(value: string): string | null {
  if (value === '') return null;
  return value.length <= 63 && LABEL_NAME.test(value) ? null : `label value "${value}" is not a valid Kubernetes label value`;
}

export function checkMethod(method: string): string | null {
  if (METHOD.test(method)) return null;
  if (METHOD.test(method.toUpperCase())) return `method "${method}" must be upper case ("${method.toUpperCase()}"): methods match exactly`;
  return `method "${method}" is not an HTTP method token`;
}

/** Path patterns as in Istio: exact, `prefix*`, `*suffix` or `*`, written in normalized form. */
export function checkPathPattern(pattern: string): string | null {
  if (pattern === '*') return null;
  const stars = pattern.split('*').length - 1;
  if (stars > 1 || (stars === 1 && !pattern.startsWith('*') && !pattern.endsWith('*'))) {
    return `path pattern "${pattern}": "*" may only start or end a pattern, once`;
  }
  if (/[?#\\]/.test(pattern) || [...pattern].some((c) => isControl(c.charCodeAt(0)))) return `path pattern "${pattern}" holds a character that never reaches path matching (?, #, \\ or a control character)`;
  if (pattern.startsWith('*')) {
    if (/%2f|%5c/i.test(pattern)) return `path pattern "${pattern}" holds an encoded slash, which is always rejected`;
    return null;
  }
  const isPrefix = pattern.endsWith('*');
  const fixed = isPrefix ? pattern.slice(0, -1) : pattern;
  if (!fixed.startsWith('/')) return `path pattern "${pattern}" must start with "/" or "*"`;
  // A prefix ends mid-segment, so probe it with one more character before normalizing.
  const probe = isPrefix ? fixed + 'x' : fixed;
  const normalized = normalizePath(probe);
  if (!normalized.ok) return `path pattern "${pattern}" is itself rejected by normalization (${normalized.reason})`;
  if (normalized.path !== probe) {
    const shown = isPrefix ? normalized.path.slice(0, -1) + '*' : normalized.path;
    return `path pattern "${pattern}" is not in normalized form ("${shown}"), so it could never match`;
  }
  return null;
}

/** Egress host patterns: `api.x.com`, `*.x.com` or `*`. Returns the canonical pattern or an error. */
export function canonicalHostPattern(pattern: string): { pattern: string } | { error: string } {
  if (pattern === '*') return { pattern };
  const wildcard = pattern.startsWith('*.');
  const name = wildcard ? pattern.slice(2) : pattern;
  if (name.includes('*')) return { error: `host pattern "${pattern}": only a leading "*." is allowed` };
  const host = canonicalHost(name);
  if (!host.ok) return { error: `host pattern "${pattern}": ${host.reason}` };
  if (host.kind === 'ip') return { error: `host pattern "${pattern}" is an IP literal: put addresses in cidrs` };
  if (host.port !== null) return { error: `host pattern "${pattern}" has a port: use ports` };
  return { pattern: wildcard ? `*.${host.host}` : host.host };
}

export function checkDomainSuffix(domain: string): { domain: string } | { error: string } {
  const host = canonicalHost(domain.startsWith('.') ? domain.slice(1) : domain);
  if (!host.ok || host.kind !== 'name' || host.port !== null) return { error: `mesh domain "${domain}" is not a DNS name` };
  return { domain: host.host };
}

export function checkEndpoint(endpoint: string): string | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]+)$/.exec(endpoint);
  const ipText = match ? (match[1] ?? match[2])! : null;
  const port = match ? Number(match[3]) : NaN;
  if (!ipText || !parseIP(ipText) || !(port >= 1 && port <= 65535)) return `endpoint "${endpoint}" must be <ip>:<port> or [<ipv6>]:<port>`;
  return null;
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Go-style durations such as `90s`, `10m` or `1h30m`, in seconds. */
export function parseDuration(text: string): number | null {
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(text)) return null;
  let seconds = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) seconds += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return seconds > 0 ? seconds : null;
}
