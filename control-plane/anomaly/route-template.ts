// Route templates: a normalized path with its variable segments (ids, numbers, uuids, hashes,
// long tokens) replaced by `{id}`, so that `/users/42` and `/users/7` share one baseline.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^[0-9]+$/;
const HEX_ID = /^[0-9a-f]{12,}$/i;
const TOKEN = /^[A-Za-z0-9_-]{20,}$/;

function isVariable(segment: string): boolean {
  if (NUMBER.test(segment) || UUID.test(segment) || HEX_ID.test(segment)) return true;
  // Long opaque tokens with digits mixed in (ids, slugs with hashes).
  return TOKEN.test(segment) && /[0-9]/.test(segment);
}

/** The template of a normalized path (no query). */
export function routeTemplate(path: string): string {
  if (path === '/') return path;
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) if (parts[i] !== '' && isVariable(parts[i]!)) parts[i] = '{id}';
  return parts.join('/');
}

/** A policy path pattern that admits every path of the template. */
export function templatePattern(template: string): string {
  const at = template.indexOf('{id}');
  return at === -1 ? template : `${template.slice(0, at)}*`;
}
