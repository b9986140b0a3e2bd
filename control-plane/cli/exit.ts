// meshguard's exit statuses, the same for every command (docs/commands.md shows this text too;
// test/cli/exit-codes.test.ts holds every command to it).

export const EXIT = {
  /** Done, and nothing to report: the policy is valid, every line was decided, no finding over --fail-on. */
  OK: 0,
  /** The policy is invalid, a `test` expectation failed, or a finding is at or over --fail-on. */
  FINDINGS: 1,
  /** Usage error, a file that cannot be read or written, an unreachable service, a bad input line. */
  USAGE: 2,
} as const;

export const EXIT_CODES_HELP = [
  'Exit status:',
  '  0  fine',
  '  1  the policy is invalid, a policy test failed, or findings at or over --fail-on',
  '  2  usage error, unreadable or unwritable file, unreachable service, or a bad input line',
].join('\n');
