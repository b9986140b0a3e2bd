// RouteConfiguration (RDS): virtual hosts with unique domains, each route with a path match and
// one action (a cluster, or non_forwarding_action for a proxyless gRPC server).
import { ROUTE } from '../type-urls.js';
import { Diags, list, obj, resourceType, str, type Obj } from './common.js';

const PATH_SPECIFIERS = ['prefix', 'path', 'safe_regex', 'path_separated_prefix'];

function validateRoute(route: Obj, d: Diags, at: string): void {
  const match = obj(route.match);
  if (!match) d.add(`${at}.match`, 'unset');
  else if (!PATH_SPECIFIERS.some((k) => match[k] !== undefined)) d.add(`${at}.match`, 'no path specifier');
  const actions = ['route', 'redirect', 'direct_response', 'non_forwarding_action'].filter((k) => route[k] !== undefined);
  if (actions.length !== 1) d.add(at, `needs exactly one action, has ${actions.length}`);
  const action = obj(route.route);
  if (action && !['cluster', 'cluster_header', 'weighted_clusters'].some((k) => action[k] !== undefined)) d.add(`${at}.route`, 'no cluster');
}

/** Also used for the inline `route_config` of an HTTP connection manager. */
export function validateRouteConfiguration(config: Obj, d: Diags, prefix = ''): void {
  const seen = new Set<string>();
  list(config.virtual_hosts).forEach((vh, i) => {
    const at = `${prefix}virtual_hosts[${i}]`;
    const domains = Array.isArray(vh.domains) ? (vh.domains as unknown[]).map(str) : [];
    if (domains.length === 0) d.add(`${at}.domains`, 'empty');
    for (const domain of domains) {
      if (seen.has(domain)) d.add(`${at}.domains`, `"${domain}" is also a domain of an earlier virtual host`);
      seen.add(domain);
    }
    list(vh.routes).forEach((r, j) => validateRoute(r, d, `${at}.routes[${j}]`));
  });
}

export const routeType = resourceType(ROUTE, false, (r, d) => validateRouteConfiguration(r, d));
