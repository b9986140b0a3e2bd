// The error catalogue: every diagnostic and error meshguard reports has one code from here.
// Codes are never reused: a retired code stays listed in RETIRED_CODES.

export const ErrorCodes = {
  MG_ERR_POLICY_YAML: 'the policy file is not valid YAML',
  MG_ERR_POLICY_ALIASES: 'YAML aliases expand the policy beyond the budget, or refer to themselves',
  MG_ERR_POLICY_READ: 'the policy file cannot be read',
  MG_ERR_POLICY_SCHEMA: 'a field has the wrong type, is missing or is unknown',
  MG_ERR_POLICY_DUPLICATE_NAME: 'two items of one list share a name',
  MG_ERR_POLICY_SELECTOR_OPERATOR: 'a matchExpressions operator is unknown or has the wrong values',
  MG_ERR_POLICY_CIDR: 'a CIDR is malformed',
  MG_ERR_POLICY_SPIFFE_ID: 'a SPIFFE ID or principal pattern is malformed',
  MG_ERR_POLICY_RATE_LIMIT: 'a rate limit is not positive',
  MG_ERR_POLICY_METHOD: 'an HTTP method is not an upper-case token',
  MG_ERR_POLICY_PATH_PATTERN: 'a path pattern can never match a normalized path',
  MG_ERR_POLICY_HOST_PATTERN: 'an egress host pattern is malformed',
  MG_ERR_POLICY_EGRESS_TARGET: 'an egress rule names neither hosts nor cidrs',
  MG_ERR_POLICY_ENDPOINT: 'a workload endpoint is not ip:port',
  MG_ERR_POLICY_NAME: 'a name, namespace or label is malformed',
  MG_ERR_POLICY_DURATION: 'a duration is malformed',
  MG_ERR_POLICY_FROM_ENTRY: 'a from entry mixes principals with a selector',
  MG_WARN_POLICY_SELECTS_NOTHING: 'a selector selects no workload of the inventory',
  MG_WARN_POLICY_CIDR_HOST_BITS: 'a CIDR has host bits set; they are masked off',
  MG_WARN_POLICY_ANY_PRINCIPAL: 'a principal pattern admits every identity',
  MG_ERR_CLI_USAGE: 'the command line is wrong',
  MG_ERR_CLI_IO: 'a file named on the command line cannot be read or written, or a service cannot be reached',
  MG_ERR_XDS_SNAPSHOT: 'a built xDS snapshot fails validation or refers to a resource it lacks; it is not published',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Listed but never produced; removed rather than kept as dead catalogue entries (issue 14). */
export const RETIRED_CODES: readonly string[] = ['MG_ERR_REQUEST_JSON', 'MG_ERR_REQUEST_FIELD'];

/** An error that carries a catalogue code; thrown at module edges, caught by the CLI and servers. */
export class MeshguardError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'MeshguardError';
  }
}
