// The Redis URLs meshguard accepts: one server (redis://, rediss://), a primary found through
// Sentinel (redis+sentinel://) or a Redis Cluster (redis+cluster://). Parsed once, before anything
// connects, so a malformed URL is a usage error that names the part that is wrong.
//
//   redis://[USER:PASS@]HOST[:PORT][/DB]                          (and rediss:// for TLS)
//   redis+sentinel://[USER:PASS@]HOST[:PORT][,HOST[:PORT]…]/MASTER[?db=N]   port default 26379
//   redis+cluster://[USER:PASS@]HOST[:PORT][,HOST[:PORT]…]                  port default 6379
//
// USER:PASS authenticates to the Redis data nodes (not to the sentinels); HOST may be a name, an
// IPv4 address or a bracketed IPv6 address. A Cluster has only database 0.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

interface Credentials {
  readonly username?: string;
  readonly password?: string;
}

export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | ({ readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly master: string; readonly db: number } & Credentials)
  | ({ readonly kind: 'cluster'; readonly nodes: readonly HostPort[] } & Credentials);

export const REDIS_URL_FORMS = [
  'redis://HOST:PORT[/DB]',
  'rediss://HOST:PORT[/DB]',
  'redis+sentinel://HOST:PORT[,HOST:PORT…]/MASTER[?db=N]',
  'redis+cluster://HOST:PORT[,HOST:PORT…]',
] as const;

const DEFAULT_PORT = { sentinel: 26379, cluster: 6379 } as const;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const MASTER_NAME = /^[A-Za-z0-9._-]+$/;

type Parsed = { ok: true; target: RedisTarget } | { ok: false; problem: string };

/** The connection target of a Redis URL, or what is wrong with it. */
export function parseRedisUrl(url: string): Parsed {
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return single(url);
  if (scheme === 'redis+sentinel' || scheme === 'redis+cluster') return multi(scheme, url.slice(scheme.length + 3));
  if (scheme === 'rediss+sentinel' || scheme === 'rediss+cluster') return fail(`${scheme}:// (TLS to Sentinel or Cluster) is not supported yet; expected one of ${REDIS_URL_FORMS.join(', ')}`);
  return fail(`${scheme === undefined ? 'not a URL' : `unsupported scheme ${scheme}://`}; expected one of ${REDIS_URL_FORMS.join(', ')}`);
}

/** Why a Redis URL cannot be used, or null when it can. */
export function redisUrlProblem(url: string): string | null {
  const parsed = parseRedisUrl(url);
  return parsed.ok ? null : parsed.problem;
}

/** The URL with its password (user info and any password parameter) replaced by ***, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^/@]*?:)[^/@]*@/i, '$1***@');
}

const fail = (problem: string): Parsed => ({ ok: false, problem });

function single(url: string): Parsed {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(`not a URL; expected one of ${REDIS_URL_FORMS.join(', ')}`);
  }
  if (u.hostname === '') return fail('no host');
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/[0-9]+$/.test(u.pathname)) return fail(`the path ${u.pathname} is not a database number (/0, /1, …)`);
  return { ok: true, target: { kind: 'single', url } };
}

function multi(scheme: 'redis+sentinel' | 'redis+cluster', rest: string): Parsed {
  const kind = scheme === 'redis+sentinel' ? 'sentinel' : 'cluster';
  const at = rest.lastIndexOf('@', rest.search(/[/?]|$/));
  let credentials: Credentials = {};
  if (at !== -1) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    try {
      const username = decodeURIComponent(colon === -1 ? info : info.slice(0, colon));
      const password = colon === -1 ? undefined : decodeURIComponent(info.slice(colon + 1));
      credentials = { ...(username !== '' ? { username } : {}), ...(password !== undefined && password !== '' ? { password } : {}) };
    } catch {
      return fail('the user info (USER:PASS@) has a malformed percent escape');
    }
    rest = rest.slice(at + 1);
  }
  const end = rest.search(/[/?]|$/);
  const hosts = parseHosts(rest.slice(0, end), DEFAULT_PORT[kind]);
  if (typeof hosts === 'string') return fail(hosts);
  const tail = rest.slice(end);
  const q = tail.indexOf('?');
  const path = q === -1 ? tail : tail.slice(0, q);
  const query = q === -1 ? '' : tail.slice(q + 1);
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (kind === 'cluster' || key !== 'db') return fail(`unknown parameter ?${key}= (${kind === 'sentinel' ? 'only ?db=N' : 'a Cluster URL takes none'})`);
  }
  if (kind === 'cluster') {
    if (path !== '' && path !== '/' && path !== '/0') return fail(`a Redis Cluster has only database 0, not the path ${path}`);
    return { ok: true, target: { kind, nodes: hosts, ...credentials } };
  }
  const master = path.replace(/^\//, '');
  if (master === '') return fail('no master name (expected redis+sentinel://HOST:PORT[,HOST:PORT…]/MASTER)');
  if (!MASTER_NAME.test(master)) return fail(`the master name "${master}" may hold only letters, digits, ".", "_" and "-"`);
  const dbText = params.get('db') ?? '0';
  if (!/^[0-9]{1,5}$/.test(dbText)) return fail(`?db=${dbText} is not a database number`);
  return { ok: true, target: { kind, sentinels: hosts, master, db: Number(dbText), ...credentials } };
}

function parseHosts(list: string, defaultPort: number): HostPort[] | string {
  if (list === '') return 'no host (expected HOST:PORT, or several separated by commas)';
  const hosts: HostPort[] = [];
  for (const [i, entry] of list.split(',').entries()) {
    const where = `host ${i + 1} "${entry}"`;
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*))(?::([^:]*))?$/.exec(entry);
    if (!m) return `${where}: expected HOST[:PORT] (an IPv6 address in brackets)`;
    const host = m[1] ?? m[2]!;
    if (host === '') return `${where}: no host name`;
    if (m[2] !== undefined && !HOST_NAME.test(host)) return `${where}: "${host}" is not a host name or address`;
    const portText = m[3];
    if (portText !== undefined && !(/^[0-9]{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535)) return `${where}: the port must be 1-65535`;
    hosts.push({ host, port: portText === undefined ? defaultPort : Number(portText) });
  }
  return hosts;
}
