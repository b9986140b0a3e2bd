// Request values meshguard repeats back (in reasons, error lines and logs) are cut to a
// documented size (docs/decisions.md): an attacker's megabyte path must not become a
// megabyte of log.

/** The most UTF-16 units of one request value repeated in a reason, an error or a log field. */
export const MAX_ECHO = 256;

/** `text`, or its first `max` units and how many more there were. */
export function echo(text: string, max = MAX_ECHO): string {
  if (text.length <= max) return text;
  const cut = (text.charCodeAt(max - 1) & 0xfc00) === 0xd800 ? max - 1 : max;
  return `${text.slice(0, cut)}…(${text.length - cut} more)`;
}

/** The same for a value that may be absent. */
export function echoOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : echo(text);
}
