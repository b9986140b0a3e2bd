// The inbound decision (DESIGN.md "Inbound decision", steps 1-7; rate limits and anomaly
// scoring, steps 8-9, are applied by the authorizer on top of this pure decision).
import type { CompiledPolicy, CompiledRule, CompiledSegment, CompiledWorkload, PathPattern } from '../policy/compiled.js';
import { parseIP } from '../canon/ip.js';
import { normalizePath } from '../canon/path.js';
import { patternText } from '../policy/compile.js';
import { CONTEXT_WORKLOAD, type CheckInput } from './request.js';
import { badPath, inboundDefault, noSegment, REASONS } from './reasons.js';
import type { Trace } from './trace.js';
import { allow, allowedBy, deny, memoized, type Decision } from './verdict.js';

function pathMatches(pattern: PathPattern, path: string): boolean {
  switch (pattern.kind) {
    case 'any': return true;
    case 'exact': return path === pattern.value;
    case 'prefix': return path.startsWith(pattern.value);
    case 'suffix': return path.endsWith(pattern.value);
  }
}

/** Which field of a rule fails (the first, in the order method, path, port), or MATCH. */
const enum Miss { MATCH, METHOD, PATH, PORT }

function ruleMiss(rule: CompiledRule, method: string | null, path: string | null, port: number | null): Miss {
  if (rule.methods && (method === null || !rule.methods.has(method))) return Miss.METHOD;
  if (rule.paths) {
    if (path === null) return Miss.PATH;
    let any = false;
    for (const p of rule.paths) if (pathMatches(p, path)) { any = true; break; }
    if (!any) return Miss.PATH;
  }
  return rule.ports && (port === null || !rule.ports.has(port)) ? Miss.PORT : Miss.MATCH;
}

function missText(miss: Miss, rule: CompiledRule, method: string | null, path: string | null, port: number | null): string {
  switch (miss) {
    case Miss.MATCH: return `matches (${[rule.methods ? `method ${method}` : 'any method', rule.paths ? `path ${path}` : 'any path', rule.ports ? `port ${port}` : 'any port'].join(', ')})`;
    case Miss.METHOD: return `method ${method ?? '(none: not HTTP)'} is not one of ${[...rule.methods!].join(',')}`;
    case Miss.PATH: return path === null ? 'no path (not HTTP)' : `path ${path} matches none of ${rule.paths!.map(patternText).join(' ')}`;
    case Miss.PORT: return `port ${port ?? '(none)'} is not one of ${[...rule.ports!].join(',')}`;
  }
}

function segmentAllows(s: CompiledSegment, method: string | null, path: string | null, port: number | null, trace?: Trace): boolean {
  if (trace) return tracedSegmentAllows(s, method, path, port, trace);
  if (s.rules.length === 0) return true;
  for (const rule of s.rules) if (ruleMiss(rule, method, path, port) === Miss.MATCH) return true;
  return false;
}

function tracedSegmentAllows(s: CompiledSegment, method: string | null, path: string | null, port: number | null, trace: Trace): boolean {
  const entry = trace.item(`segment ${s.name}`, 'info', `from admits the source; ${s.rules.length === 0 ? 'no rules: any request' : `${s.rules.length} rule(s), first match wins`}`);
  if (s.rules.length === 0) return true;
  let matched = false;
  s.rules.forEach((rule, i) => {
    if (matched) return trace.subItem(entry, `rule ${i + 1}`, 'info', 'not tried: an earlier rule matched');
    const miss = ruleMiss(rule, method, path, port);
    matched = miss === Miss.MATCH;
    trace.subItem(entry, `rule ${i + 1}`, matched ? 'match' : 'no-match', missText(miss, rule, method, path, port));
  });
  return matched;
}

const NONE: readonly CompiledSegment[] = [];

/** The segments that select this destination and admit the source (SourceSet.admits), in file order. */
function candidatesOf(d: CompiledWorkload, source: string): readonly CompiledSegment[] {
  return d.inbound.segments.filter((s) => s.sources.admits(source));
}

/**
 * Candidates per (destination, source), remembered: callers of a workload are few and repeat, so
 * the merge above runs once per pair (cilium's per-identity policy cache). Bounded per workload.
 */
const MAX_SOURCES_PER_WORKLOAD = 1024;
const candidateMemo = new WeakMap<CompiledWorkload, Map<string, readonly CompiledSegment[]>>();

function candidates(d: CompiledWorkload, source: string): readonly CompiledSegment[] {
  let memo = candidateMemo.get(d);
  if (!memo) candidateMemo.set(d, (memo = new Map()));
  let list = memo.get(source);
  if (list === undefined) {
    if (memo.size >= MAX_SOURCES_PER_WORKLOAD) memo.clear();
    list = candidatesOf(d, source);
    memo.set(source, list);
  }
  return list;
}

/**
 * The trace walks every segment that selects D in file order: the ones whose `from` does not
 * admit the source (they are not candidates), the candidates as the decision tries them, and
 * the ones after the first that allows.
 */
function tracedFirstAllowing(d: CompiledWorkload, list: readonly CompiledSegment[], source: string, method: string | null, path: string | null, port: number | null, trace: Trace): CompiledSegment | null {
  let found: CompiledSegment | null = null;
  for (const s of d.inbound.segments) {
    if (found !== null) trace.item(`segment ${s.name}`, 'info', `not tried: segment ${found.name} allowed first`);
    else if (!list.includes(s)) trace.item(`segment ${s.name}`, 'no-match', `from does not admit ${source || 'an unauthenticated source'}`);
    else if (segmentAllows(s, method, path, port, trace)) found = s;
  }
  return found;
}

/** The first segment in file order that selects this destination, admits the source and allows the request. */
function firstAllowing(d: CompiledWorkload, source: string, method: string | null, path: string | null, port: number | null, trace?: Trace): CompiledSegment | null {
  const list = source === '' ? NONE : candidates(d, source);
  if (trace) return tracedFirstAllowing(d, list, source, method, path, port, trace);
  for (const s of list) if (segmentAllows(s, method, path, port)) return s;
  return null;
}

function decideFor(p: CompiledPolicy, d: CompiledWorkload, source: string, method: string | null, path: string | null, port: number | null, trace?: Trace): Decision {
  if (d.inbound.segments.length === 0) {
    trace?.step(6, 'segments', p.defaults.inbound, `no segment's to selects ${d.key}: defaults.inbound is ${p.defaults.inbound}`);
    return memoized(d.inbound, () => {
      const reason = inboundDefault(d.key, p.defaults.inbound);
      return p.defaults.inbound === 'allow' ? allow('inbound', null, reason) : deny('inbound', 403, null, reason);
    });
  }
  trace?.step(6, 'segments', 'pass', `${d.inbound.segments.length} segment(s) select ${d.key}: ${d.inbound.segments.map((s) => s.name).join(', ')}`);
  trace?.step(7, 'segment match', 'info', 'segments in file order; the first that admits the source and whose rules match allows');
  const s = firstAllowing(d, source, method, path, port, trace);
  if (s !== null) return allowedBy(s, 'inbound', s.rateLimit ? s : null);
  return deny('inbound', 403, null, noSegment(source, method, d.key, path));
}

function destinations(p: CompiledPolicy, input: CheckInput): readonly CompiledWorkload[] | null {
  const named = input.contextExtensions[CONTEXT_WORKLOAD];
  if (named !== undefined) {
    const w = p.workloads.get(named);
    return w ? [w] : null;
  }
  const principal = input.destination.principal;
  return principal === '' ? null : p.workloadsByIdentity.get(principal) ?? null;
}

/** True when the address is in the blocklist, or unreadable while a blocklist exists (fail closed). */
export function isBlocked(p: CompiledPolicy, address: string | null): boolean {
  if (address === null || p.blocklist.size === 0) return false;
  const ip = parseIP(address);
  return ip === null || p.blocklist.contains(ip);
}

function traceStart(p: CompiledPolicy, input: CheckInput, targets: readonly CompiledWorkload[] | null, trace: Trace): void {
  const named = input.contextExtensions[CONTEXT_WORKLOAD];
  const how = named !== undefined ? `context extension ${CONTEXT_WORKLOAD} = ${named}` : `destination.principal = ${input.destination.principal || '(none)'}`;
  trace.step(1, 'destination workload', targets ? 'pass' : 'deny', targets ? `${targets.map((t) => t.key).join(', ')} (from ${how})` : `no inventory workload (from ${how})`);
  if (!targets) return;
  const source = input.source.principal;
  trace.step(2, 'source identity', 'info', source === '' ? 'none: the request has no verified peer certificate (source.principal is empty)' : `${source} (source.principal, the peer's verified URI SAN; never a header)`);
  const blocked = isBlocked(p, input.source.address);
  trace.step(3, 'blocklist', blocked ? 'deny' : 'pass', p.blocklist.size === 0 ? 'the policy has no blocklist' : `source address ${input.source.address ?? '(none)'} ${blocked ? 'is in (or unreadable while there is)' : 'is not in'} blocklist.cidrs`);
  if (blocked) return;
  const strict = p.defaults.mtls === 'strict';
  trace.step(4, 'mTLS', strict && source === '' ? 'deny' : 'pass', `defaults.mtls is ${p.defaults.mtls}${source === '' ? ' and there is no peer identity' : ''}`);
}

/** Why a path is rejected, in the trace and the reason. */
function tracePath(trace: Trace | undefined, raw: string | null, normalized: ReturnType<typeof normalizePath> | null): void {
  if (!trace) return;
  if (normalized === null) return trace.step(5, 'path', 'pass', 'not HTTP: no path (a rule that names methods or paths cannot match)');
  trace.step(5, 'path', normalized.ok ? 'pass' : 'deny', normalized.ok ? `${raw} normalizes to ${normalized.path}` : `${raw}: ${normalized.reason} (400)`);
}

export function decideInbound(p: CompiledPolicy, input: CheckInput, trace?: Trace): Decision {
  const source = input.source.principal;
  const targets = destinations(p, input);
  if (trace) traceStart(p, input, targets, trace);
  if (!targets) return deny('inbound', 403, null, REASONS.unknownDestination);
  if (isBlocked(p, input.source.address)) return deny('inbound', 403, null, REASONS.blocklistedSource);
  if (p.defaults.mtls === 'strict' && source === '') return deny('inbound', 403, null, REASONS.noPeerIdentity);
  let path: string | null = null;
  let method: string | null = null;
  if (input.http) {
    const normalized = normalizePath(input.http.path ?? '');
    tracePath(trace, input.http.path, normalized);
    if (!normalized.ok) return deny('inbound', 400, null, badPath(normalized.reason));
    path = normalized.path;
    method = input.http.method;
  } else tracePath(trace, null, null);
  const port = input.destination.port;
  if (targets.length === 1) return decideFor(p, targets[0]!, source, method, path, port, trace);
  const limited: CompiledSegment[] = [];
  let first: Decision | null = null;
  for (const d of targets) {
    const decision = decideFor(p, d, source, method, path, port, trace);
    if (decision.decision === 'deny') return decision;
    first ??= decision;
    for (const s of decision.limited) if (!limited.includes(s)) limited.push(s);
  }
  return { ...first!, limited };
}
