// SPIFFE ID well-formedness (canon/spiffe.ts parseSpiffeId) as RE2 regexes, for matchers that can
// only say it with a regex: Envoy's and grpc-js-xds's RBAC `principal_name` `safe_regex`
// (google_re2). Built here, from the character classes of canon/spiffe.ts, so that the two cannot
// drift apart; test/xds/rbac.test.ts checks them against SourceSet.admits differentially.
//
// What RE2 cannot bound cheaply stays looser: the regexes do not bound the length of the ID (2048
// in parseSpiffeId) or of the trust domain (255); a counted repetition that large would exceed
// Envoy's RE2 program-size limit (runtime re2.max_program_size.error_level, 100 by default).
//
// Size: each regex starts with `^` and a literal (`spiffe://`, or the whole Kubernetes prefix
// `spiffe://<td>/ns/<ns>/sa/`), which RE2 takes out of the compiled program as a required prefix,
// so a trust domain or namespace of any length costs no program size. Envoy 1.40 measures 27 for
// the well-formed-ID regex and 20 for a namespace regex (test/envoy/xds-rbac.test.ts).
import { PATH_SEGMENT_CHARS, TRUST_DOMAIN_CHARS } from './spiffe.js';

/** `text` as an RE2 literal: every character that RE2 (and JavaScript) read as syntax outside a class escaped with a backslash. */
export function re2Escape(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/**
 * One path segment: [A-Za-z0-9._-]+ but not `.` or `..` (RE2 has no lookahead): either some dots
 * then a character that is not a dot then anything, or three dots or more.
 */
function segment(): string {
  const nonDot = PATH_SEGMENT_CHARS.replace('.', '');
  return `(?:\\.*[${nonDot}][${PATH_SEGMENT_CHARS}]*|\\.\\.\\.+)`;
}

/** Any well-formed SPIFFE ID: spiffe://<trust domain>, then zero or more `/<segment>` (no trailing slash). */
export function wellFormedSpiffeIdRegex(): string {
  return `^spiffe://[${TRUST_DOMAIN_CHARS}]+(?:/${segment()})*$`;
}

/** Exactly the Kubernetes identities spiffe://<td>/ns/<ns>/sa/<one well-formed segment>. */
export function kubernetesNamespaceRegex(trustDomain: string, namespace: string): string {
  return `^${re2Escape(`spiffe://${trustDomain}/ns/${namespace}/sa/`)}${segment()}$`;
}
