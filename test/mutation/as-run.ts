// Runs each mutant of the AssemblyScript decision code (as-mutants.ts) on the differential cases
// (as-cases.ts) and scores the run as Stryker does: killed (a case differs from the TypeScript
// twin, or the module traps: out of fuel, out of bounds) over killed + survived; mutants that do
// not compile are left out.
import { instantiateHarness } from '../wasm/harness.js';
import { buildSchema, functionLines, generateMutants, type AsMutant } from './as-mutants.js';
import type { DiffCase } from './as-cases.js';

/** The decision code: both filters' decide.ts and the libraries their decisions read. */
export const SCOPE = [
  'assembly/filters/identity/decide.ts',
  'assembly/filters/egress/decide.ts',
  'assembly/lib/spiffe.ts',
  'assembly/lib/path.ts',
  'assembly/lib/pattern.ts',
  'assembly/lib/host.ts',
  'assembly/lib/ip.ts',
  'assembly/lib/cidr.ts',
  'assembly/lib/dns_tunnel.ts',
];

/** Loop iterations one case may take in the mutated files (a real case takes a few thousand). */
const FUEL = 1_000_000;

export type Status = 'killed' | 'survived' | 'compile-error' | 'not-a-decision' | 'equivalent';

/**
 * Mutants outside the decision: message text. The functions that only word a result for logs
 * (pathErrorText, dnsFindingText), and the texts of host rejections and CIDR errors (a decision
 * reads only that the host or block was rejected; replay and check word the reason in TypeScript;
 * a CIDR error rejects the configuration).
 */
const MESSAGE_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  'assembly/lib/path.ts': ['pathErrorText'],
  'assembly/lib/dns_tunnel.ts': ['dnsFindingText'],
};
const MESSAGE_STRINGS = new Set(['assembly/lib/host.ts', 'assembly/lib/cidr.ts']);

const INIT = 'a field initializer: every decision (set()) or the filter\'s reading of the request assigns the field before it is read';
const HEX = 'hexValue of a byte below "0" is negative either way, and any negative digit makes the escape malformed';
const HI_LO = 'hi and lo are read under the same bound: moving one of them alone leaves the other -1, and the escape is malformed either way';
const TRAILING = 'the last segment decides trailingSlash (a name clears it, an empty or dot segment sets it), so an earlier value or the "last" test does not change the result';
const FIRST_SLASH = 'the output starts with "/" at 0, so the scan back for the previous "/" stops at 0 either way';
const PAST_DOT = 'a byte read past the end of the segment only moves i past the end, where the checks after it (bounded by end) fail as before';
const NS_SHORT = 'an ID too short for "/ns/" reads past its end, but then nsStart is past the end and nsEnd == nsStart rejects it (the function only sees IDs isSpiffeId accepted)';
const NS_END = 'a namespace scan past the end leaves i past the end, and the "/sa/" check (id.length < i + 5) rejects as before';
const NS_EMPTY = 'isSpiffeId, which runs first, rejects empty segments: the namespace is never empty here';
const HOST_N = 'the last label of a checked name is never empty (checkName rejects empty labels), and a 1-byte last label that is not a digit fails the "0x" test either way';
const PORT_NEVER_0 = 'parsePort returns -1 or 1..65535, never 0';
const BRACKET_PAST = 'a "]" found past the end still gives close >= size: rejected as unclosed either way';
const EMPTY_AUTH = 'an empty authority read as "[" is rejected as an unclosed bracket instead of an empty host: rejected either way';
const COLON_PAST = 'a ":" found just past the end gives hostEnd = size, as no ":" does';
const LOWER = 'only bytes from 91 up are changed: "[\\]^_" become "{|}~" and DEL, bytes from 128 stay above 127 — outside [a-z0-9.-] either way — and a-z stay';
const EMBED_NEG = 'below /96 (NAT64, mapped, compatible) or /16 (6to4) the embedded prefix comes out negative, which every caller reads as "none"';
const NO_COLON = 'with no ":" in the text the rewritten address has one ":" and two groups, which is rejected either way';
const GAP2 = 'a second "::" leaves an empty group, which parseGroups rejects';

/**
 * Survivors that cannot change any answer, each with why (file, line, original → replacement). A
 * mutant listed here still runs: it is "equivalent" only if it survives; one that is killed stays
 * killed and is reported (the list is by line: after an edit of the file, lines may move).
 */
export const EQUIVALENT: ReadonlyArray<{ file: string; line: number; column?: number; original: string; replacement: string; why: string }> = ([
  ['filters/identity/decide.ts', 17, 'false', 'true', INIT],
  ['filters/identity/decide.ts', 27, 'false', 'true', INIT],
  ['filters/identity/decide.ts', 31, '""', '"Stryker was here!"', INIT],
  ['filters/identity/decide.ts', 63, 'principal.length > 0', 'true', 'isSpiffeId rejects an empty principal too (it does not start with "spiffe://")'],
  ['filters/identity/decide.ts', 63, 'principal.length > 0', 'principal.length >= 0', 'isSpiffeId rejects an empty principal too (it does not start with "spiffe://")'],
  ['filters/egress/decide.ts', 22, 'false', 'true', INIT],
  ['filters/egress/decide.ts', 25, '""', '"Stryker was here!"', INIT],
  ['filters/egress/decide.ts', 57, 'host.length > suffix.length', 'true', 'a canonical host never starts with "." (empty labels are rejected), so a host as long as ".suffix" cannot end with it'],
  ['filters/egress/decide.ts', 57, 'host.length > suffix.length', 'host.length >= suffix.length', 'a canonical host never starts with "." (empty labels are rejected), so a host as long as ".suffix" cannot end with it'],
  ['filters/egress/decide.ts', 84, 'config.dnsMode != DnsTunnelMode.Off', 'true', 'with DNS tunnelling off the configuration reader keeps the default limits (63-byte labels, 127 labels, entropy 8), under which no valid host name is suspicious'],
  ['lib/spiffe.ts', 32, 'i == n', 'false', 'an ID without a path falls into the path loop, which does not run, and returns true as before'],
  ['lib/spiffe.ts', 55, 'id.length < i + 4', 'false', NS_SHORT],
  ['lib/spiffe.ts', 55, 'id.length < i + 4', 'id.length <= i + 4', NS_SHORT],
  ['lib/spiffe.ts', 55, 'i + 4', 'i - 4', NS_SHORT],
  ['lib/spiffe.ts', 61, 'nsEnd < id.length', 'true', NS_END],
  ['lib/spiffe.ts', 61, 'nsEnd < id.length', 'nsEnd <= id.length', NS_END],
  ['lib/spiffe.ts', 62, 'nsEnd == nsStart', 'false', NS_EMPTY],
  ['lib/spiffe.ts', 62, 'false', 'true', NS_EMPTY],
  ['lib/path.ts', 36, 'c >= 48', 'true', HEX],
  ['lib/path.ts', 60, 'i + 2 < to', 'true', HI_LO], ['lib/path.ts', 60, 'i + 2 < to', 'i + 2 <= to', HI_LO], ['lib/path.ts', 60, 'i + 2', 'i - 2', HI_LO], ['lib/path.ts', 60, '-1', '+1', HI_LO],
  ['lib/path.ts', 61, 'i + 2 < to', 'true', HI_LO], ['lib/path.ts', 61, 'i + 2 < to', 'i + 2 <= to', HI_LO], ['lib/path.ts', 61, 'i + 2', 'i - 2', HI_LO, 16], ['lib/path.ts', 61, '-1', '+1', HI_LO],
  ['lib/path.ts', 62, 'hi < 0', 'hi <= 0', 'hi == 0 decodes a byte below 0x10, a control character: a 400 either way (only the internal error kind changes)'],
  ['lib/path.ts', 82, 'i < end', 'true', 'the first byte of a segment that is not empty is always before the end'],
  ['lib/path.ts', 82, 'i < end', 'i <= end', 'the first byte of a segment that is not empty is always before the end'],
  ['lib/path.ts', 84, 'i < end', 'true', PAST_DOT], ['lib/path.ts', 84, 'i < end', 'i <= end', PAST_DOT],
  ['lib/path.ts', 109, 'end + 1', 'end - 1', 'the control-character scan starts one byte early, on a path byte, where a control character is rejected too: a 400 either way'],
  ['lib/path.ts', 114, 'false', 'true', TRAILING], ['lib/path.ts', 119, 'segmentEnd == end', 'true', TRAILING], ['lib/path.ts', 127, 'last', 'true', TRAILING],
  ['lib/path.ts', 132, '{\n        trailingSlash = false;\n      }', '{}', TRAILING], ['lib/path.ts', 141, 'last', 'true', TRAILING],
  ['lib/path.ts', 146, 'out.length == 0', 'false', 'an empty output means every segment was removed, and removing the last one set trailingSlash, which pushes the "/" anyway'],
  ['lib/path.ts', 138, 'previous >= 0', 'true', FIRST_SLASH], ['lib/path.ts', 138, 'previous >= 0', 'previous > 0', FIRST_SLASH], ['lib/path.ts', 139, 'previous < 0', 'previous <= 0', FIRST_SLASH],
  ['lib/pattern.ts', 17, 'case PatternKind.Any: return true;', 'case PatternKind.Any:', 'an Any pattern holds no bytes: falling through to the prefix case matches every path too'],
  ['lib/pattern.ts', 27, 'text == "*"', 'false', '"*" then compiles as a prefix pattern with no bytes, which matches every path too'],
  ['lib/pattern.ts', 30, 'text.indexOf("*", star + 1) >= 0', 'text.indexOf("*", star + 1) > 0', 'the search starts at star + 1 >= 1, so it never answers 0'],
  ['lib/host.ts', 32, 'n == 0', 'false', 'an empty port: the loop does not run and value 0 fails the range check, -1 either way'],
  ['lib/host.ts', 39, 'value >= 1', 'true', 'value is 0 only for an empty port or a leading zero, both rejected before'],
  ['lib/host.ts', 46, 'host.length - start', 'host.length + start', HOST_N], ['lib/host.ts', 47, 'n == 0', 'false', HOST_N], ['lib/host.ts', 47, 'false', 'true', HOST_N], ['lib/host.ts', 54, 'n < 2', 'false', HOST_N],
  ['lib/host.ts', 64, 'host.length == 0', 'false', 'an empty host then fails on its first (empty) label: rejected either way'],
  ['lib/host.ts', 87, 'c <= 90', 'true', LOWER],
  ['lib/host.ts', 95, 'close < size', 'true', BRACKET_PAST], ['lib/host.ts', 95, 'close < size', 'close <= size', BRACKET_PAST],
  ['lib/host.ts', 101, 'out.port < 0', 'out.port <= 0', PORT_NEVER_0], ['lib/host.ts', 125, 'out.port < 0', 'out.port <= 0', PORT_NEVER_0],
  ['lib/host.ts', 115, 'size > 0', 'true', EMPTY_AUTH], ['lib/host.ts', 115, 'size > 0', 'size >= 0', EMPTY_AUTH],
  ['lib/host.ts', 117, 'i < size', 'i <= size', COLON_PAST],
  ['lib/ip.ts', 34, 'parts == 4', 'false', 'a fifth part is rejected by the final parts != 4 check'],
  ['lib/ip.ts', 58, 'c >= 48', 'true', 'hexValue of a byte below "0" is negative either way, and any negative digit rejects the group'],
  ['lib/ip.ts', 99, '-1', '+1', NO_COLON], ['lib/ip.ts', 106, 'lastColon < 0', 'false', NO_COLON],
  ['lib/ip.ts', 106, 'lastColon < 0', 'lastColon <= 0', 'a ":" only at the start is a single leading ":", rejected either way'],
  ['lib/ip.ts', 100, 'i >= from', 'i > from', 'a ":" only at the start is a single leading ":", rejected either way'],
  ['lib/ip.ts', 108, 'lastColon + 1', 'lastColon - 1', 'a "." just before the last ":" makes the text dotted, but the part after the ":" has no "." and is no IPv4 address; without the rewrite the "." is not hex: rejected either way'],
  ['lib/ip.ts', 123, 'gap >= 0', 'false', GAP2], ['lib/ip.ts', 123, 'gap >= 0', 'gap > 0', GAP2],
  ['lib/ip.ts', 163, 'ip.version != 6', 'false', 'an IPv4 result keeps hi and lo as unmapIPv4 last left them (zero, or an IPv6 address that embeds nothing): -1 either way'],
  ['lib/ip.ts', 163, '-1', '+1', 'only unmapIPv4 asks about an IPv4 address, and it turns it into the same IPv4 address'],
  ['lib/ip.ts', 166, 'prefix >= 96', 'true', EMBED_NEG], ['lib/ip.ts', 174, 'prefix >= 16', 'true', EMBED_NEG],
  ['lib/ip.ts', 176, 'prefix - 16 < 32', 'prefix - 16 <= 32', 'at /48 both give 32'],
  ['lib/ip.ts', 183, 'embeddedIPv4(ip, 128) >= 0', 'embeddedIPv4(ip, 128) > 0', 'at /128 embeddedIPv4 answers 32 or -1, never 0'],
  ['lib/ip.ts', 195, 'ok', 'true', 'unmapIPv4 after a failed parse changes an Ip whose answer is "not an address" anyway'],
  ['lib/ip.ts', 204, 'size == 0', 'false', 'an empty address reads one byte past it: as "[" it is an unclosed bracket, otherwise an empty IP, not an address either way'],
  ['lib/ip.ts', 207, 'close < size', 'true', BRACKET_PAST], ['lib/ip.ts', 207, 'close < size', 'close <= size', BRACKET_PAST],
  ['lib/ip.ts', 215, 'colon >= 0', 'true', 'without a ":" the scan goes on before the address and stops at a negative index, which means "the whole text" as -1 does'],
  ['lib/ip.ts', 216, 'colon < 0', 'colon <= 0', 'a ":" only at 0 leaves an empty IP, and the whole text starting with a single ":" is not an address either'],
  ['lib/ip.ts', 225, 'c == 93', 'false', 'a bracketed address ends in "]", so the port text then holds the "]": no port either way'],
  ['lib/ip.ts', 228, 'colon == size - 1', 'false', 'an empty port: the loop does not run and port 0 answers 0 either way'],
  ['lib/ip.ts', 228, 'size - 1', 'size + 1', 'an empty port: the loop does not run and port 0 answers 0 either way'],
  ['lib/ip.ts', 235, 'port >= 1', 'true', 'port 0 answers 0 either way'],
  ['lib/ip.ts', 256, 'j < 8', 'j <= 8', 'one step past group 7 reads group 4 again: it only lengthens a zero run that already ends the address, which wins either way'],
  ['lib/cidr.ts', 15, 'bits >= 64', 'bits > 64', 'maskHalf(64) shifts by 0: all ones either way'],
  ['lib/cidr.ts', 44, 'slash < 0', 'slash <= 0', 'a "/" at 0 leaves an empty address, which does not parse, and the whole "/…" does not either'],
  ['lib/cidr.ts', 54, 'slash >= 0', 'slash > 0', 'a "/" at 0 never gets here (the empty address did not parse)'],
  ['lib/cidr.ts', 110, 'ip.version <= 0', 'false', 'contains() compares versions first: an absent (0) or unparseable (-1) address matches no block'],
  ['lib/cidr.ts', 110, 'ip.version <= 0', 'ip.version < 0', 'contains() compares versions first: an absent (0) or unparseable (-1) address matches no block'],
  ['lib/dns_tunnel.ts', 30, 'n <= 0', 'false', 'an empty label counts nothing: the entropy is 0 either way'],
  ['lib/dns_tunnel.ts', 30, 'n <= 0', 'n < 0', 'an empty label counts nothing: the entropy is 0 either way'],
] as ReadonlyArray<readonly [string, number, string, string, string, number?]>).map(([file, line, original, replacement, why, column]) => ({ file: `assembly/${file}`, line, column, original, replacement, why }));

function sameMutant(e: (typeof EQUIVALENT)[number], m: AsMutant): boolean {
  return e.file === m.file && e.line === m.line && (e.column === undefined || e.column === m.column) && e.original === m.original && e.replacement === m.replacement;
}

/** The lines of the MESSAGE_FUNCTIONS, by file (read once per run). */
function messageLines(): Map<string, Array<[number, number]>> {
  return new Map(Object.entries(MESSAGE_FUNCTIONS).map(([file, fns]) => [file, fns.map((f) => functionLines(file, f))]));
}

function outsideDecision(m: AsMutant, messages: ReadonlyMap<string, ReadonlyArray<[number, number]>>): string | null {
  if (messages.get(m.file)?.some(([a, b]) => m.line >= a && m.line <= b)) return 'message text (a function that words a result for logs)';
  if (MESSAGE_STRINGS.has(m.file) && m.mutator === 'StringLiteral') return 'message text (a rejection or configuration error; no decision reads it)';
  return null;
}

export interface MutantResult {
  readonly mutant: AsMutant;
  readonly status: Status;
  /** The first case that told the mutant apart, or the compile error. */
  readonly detail: string;
}

export interface FileScore {
  readonly file: string;
  readonly killed: number;
  readonly survived: number;
  readonly compileErrors: number;
  /** Message text, left out of the score with a reason each (as are the equivalent mutants). */
  readonly messageText: number;
  readonly equivalent: number;
  /** killed / (killed + survived), in percent (equivalent mutants and message text left out). */
  readonly score: number;
  /** killed / (killed + survived + equivalent): the score without the EQUIVALENT list. */
  readonly rawScore: number;
}

export interface RunReport {
  readonly results: readonly MutantResult[];
  readonly files: readonly FileScore[];
  readonly total: FileScore;
  readonly cases: number;
  readonly compiles: number;
  readonly seconds: { readonly build: number; readonly run: number };
  /** EQUIVALENT entries whose mutant was killed (the claim is wrong), and entries that match no mutant (lines moved). */
  readonly equivalentKilled: readonly string[];
  readonly equivalentUnmatched: readonly string[];
}

/** The first case on which the module, with mutant `id` switched on, differs from its twin; null when none does. */
export function firstDifference(module: WebAssembly.Module, id: number, cases: readonly DiffCase[], pins: readonly unknown[]): string | null {
  let instance: ReturnType<typeof instantiateHarness>;
  try {
    instance = instantiateHarness(module, { mutation: { id } });
  } catch (e) {
    return `instantiation traps: ${(e as Error).message}`;
  }
  const reset = instance.exports.__resetFuel as (n: number) => void;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    reset(FUEL);
    let got: unknown;
    try {
      got = c.run(instance.harness);
    } catch (e) {
      return `${c.what}: traps (${(e as Error).message.slice(0, 100)})`;
    }
    let pinned: unknown;
    if (c.pinned && Array.isArray(got)) [got, pinned] = got as [unknown, unknown];
    const a = JSON.stringify(got);
    const b = JSON.stringify(c.expected);
    if (a !== b) return `${c.what}: ${a} where the twin gives ${b}`;
    if (c.pinned && JSON.stringify(pinned) !== JSON.stringify(pins[i])) return `${c.what}: reason ${JSON.stringify(pinned)} where the unmutated filter gives ${JSON.stringify(pins[i])}`;
  }
  return null;
}

/** The pinned parts of the unmutated build's answers (DiffCase.pinned). */
function pinsOf(module: WebAssembly.Module, cases: readonly DiffCase[]): unknown[] {
  const { harness, exports } = instantiateHarness(module, { mutation: { id: -1 } });
  return cases.map((c) => {
    (exports.__resetFuel as (n: number) => void)(FUEL);
    const got = c.pinned ? c.run(harness) : null;
    return Array.isArray(got) ? got[1] : null;
  });
}

function score(file: string, results: readonly MutantResult[]): FileScore {
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  const killed = count('killed');
  const survived = count('survived');
  const equivalent = count('equivalent');
  const percent = (n: number, d: number) => (d === 0 ? 100 : (100 * n) / d);
  return {
    file, killed, survived, equivalent, compileErrors: count('compile-error'), messageText: count('not-a-decision'),
    score: percent(killed, killed + survived), rawScore: percent(killed, killed + survived + equivalent),
  };
}

/** The whole run: mutants, one build, every mutant on the cases. */
export async function runMutation(cases: readonly DiffCase[], files: readonly string[] = SCOPE): Promise<RunReport> {
  const t0 = performance.now();
  const mutants = await generateMutants(files);
  const build = await buildSchema(mutants, files);
  const pins = pinsOf(build.module, cases);
  const baseline = firstDifference(build.module, -1, cases, pins);
  if (baseline !== null) throw new Error(`the unmutated build already differs from the TypeScript twins: ${baseline}`);
  const t1 = performance.now();
  const messages = messageLines();
  const results: MutantResult[] = mutants.map((m) => {
    if (m.compileError !== undefined) return { mutant: m, status: 'compile-error', detail: m.compileError };
    const outside = outsideDecision(m, messages);
    if (outside !== null) return { mutant: m, status: 'not-a-decision', detail: outside };
    const alone = build.isolated.get(m.id);
    const difference = firstDifference(alone ?? build.module, alone ? -1 : m.id, cases, pins);
    if (difference !== null) return { mutant: m, status: 'killed', detail: difference };
    const equivalent = EQUIVALENT.find((e) => sameMutant(e, m));
    return equivalent ? { mutant: m, status: 'equivalent', detail: equivalent.why } : { mutant: m, status: 'survived', detail: '' };
  });
  const t2 = performance.now();
  const label = (e: (typeof EQUIVALENT)[number]) => `${e.file}:${e.line} ${e.original} → ${e.replacement}`;
  return {
    equivalentKilled: EQUIVALENT.filter((e) => results.some((r) => r.status === 'killed' && sameMutant(e, r.mutant))).map(label),
    equivalentUnmatched: EQUIVALENT.filter((e) => !results.some((r) => sameMutant(e, r.mutant))).map(label),
    results,
    files: files.map((f) => score(f, results.filter((r) => r.mutant.file === f))),
    total: score('total', results),
    cases: cases.length,
    compiles: build.compiles,
    seconds: { build: (t1 - t0) / 1000, run: (t2 - t1) / 1000 },
  };
}

/** One line per survivor: file:line:column, original → replacement. */
export function survivorLines(report: RunReport): string[] {
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 90);
  return report.results.filter((r) => r.status === 'survived')
    .map(({ mutant: m }) => `${m.file}:${m.line}:${m.column} ${m.mutator}: ${oneLine(m.original)} → ${oneLine(m.replacement)}`);
}

export function summary(report: RunReport): string {
  const row = (s: FileScore) => `${s.file.padEnd(38)} ${String(s.killed).padStart(6)} ${String(s.survived).padStart(8)} ${String(s.equivalent).padStart(10)} ${String(s.compileErrors).padStart(13)} ${String(s.messageText).padStart(12)} ${s.score.toFixed(1).padStart(6)}% ${s.rawScore.toFixed(1).padStart(6)}%`;
  return [
    `${'file'.padEnd(38)} killed survived equivalent compile-error message-text  score    raw`,
    ...report.files.map(row), row(report.total),
    `${report.cases} differential cases, ${report.compiles} asc compiles; build ${report.seconds.build.toFixed(1)} s, mutants ${report.seconds.run.toFixed(1)} s`,
    ...(report.equivalentUnmatched.length > 0 ? [`${report.equivalentUnmatched.length} entries of EQUIVALENT match no mutant (the file changed?): ${report.equivalentUnmatched.join('; ')}`] : []),
  ].join('\n');
}
