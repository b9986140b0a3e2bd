// Listener (LDS): an Envoy listener (address, listener filters, filter chains each ending in an
// HTTP connection manager) or a proxyless gRPC client listener (api_listener).
import { LISTENER } from '../type-urls.js';
import { Diags, isAdsSource, list, obj, resourceType, str, typeOf, validPort, type Obj } from './common.js';
import { validateRouteConfiguration } from './route.js';

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function validateHttpFilter(filter: Obj, d: Diags, at: string): void {
  const discovery = obj(filter.config_discovery);
  if (filter.typed_config === undefined && !discovery) d.add(at, 'neither typed_config nor config_discovery');
  if (discovery) {
    if (!isAdsSource(discovery.config_source)) d.add(`${at}.config_discovery.config_source`, 'not ADS');
    if (list(discovery.type_urls).length === 0) d.add(`${at}.config_discovery.type_urls`, 'empty');
  }
}

/** The rules Envoy and grpc-js-xds apply to an HCM: unique filter names, the router last and only last. */
export function validateHcm(hcm: Obj, d: Diags, at: string): void {
  const filters = list(hcm.http_filters);
  const names = new Set<string>();
  filters.forEach((f, i) => {
    const name = str(f.name);
    if (names.has(name)) d.add(`${at}.http_filters[${i}]`, `duplicate filter name "${name}"`);
    names.add(name);
    validateHttpFilter(f, d, `${at}.http_filters[${i}]`);
    const isRouter = typeOf(f.typed_config) === ROUTER_TYPE;
    if (isRouter !== (i === filters.length - 1)) d.add(`${at}.http_filters[${i}]`, isRouter ? 'router before the end' : 'the last filter is not the router');
  });
  const rds = obj(hcm.rds);
  const inline = obj(hcm.route_config);
  if (!rds === !inline) d.add(at, 'needs exactly one of rds and route_config');
  if (rds && (!isAdsSource(rds.config_source) || str(rds.route_config_name) === '')) d.add(`${at}.rds`, 'needs route_config_name and an ADS config_source');
  if (inline) validateRouteConfiguration(inline, d, `${at}.route_config.`);
}

function validateFilterChain(chain: Obj, d: Diags, at: string): void {
  const filters = list(chain.filters);
  if (filters.length === 0) d.add(`${at}.filters`, 'empty');
  const last = filters[filters.length - 1];
  if (last && typeOf(last.typed_config) !== HCM_TYPE) d.add(`${at}.filters[${filters.length - 1}]`, 'not an HTTP connection manager');
  filters.forEach((f, i) => {
    if (typeOf(f.typed_config) === HCM_TYPE) validateHcm(obj(f.typed_config)!, d, `${at}.filters[${i}].typed_config`);
  });
  const socket = obj(chain.transport_socket);
  if (socket && str(socket.name) !== 'envoy.transport_sockets.tls') d.add(`${at}.transport_socket.name`, `"${str(socket.name)}" is not envoy.transport_sockets.tls`);
}

function validateListener(l: Obj, d: Diags): void {
  const api = obj(obj(l.api_listener)?.api_listener);
  if (api) {
    if (typeOf(api) !== HCM_TYPE) d.add('api_listener.api_listener', 'not an HTTP connection manager');
    else validateHcm(api, d, 'api_listener.api_listener');
    return;
  }
  const socket = obj(obj(l.address)?.socket_address);
  if (!socket || str(socket.address) === '' || !validPort(socket.port_value)) d.add('address.socket_address', 'needs an address and a port');
  const chains = list(l.filter_chains);
  if (chains.length === 0 && !obj(l.default_filter_chain)) d.add('filter_chains', 'no filter chain and no default_filter_chain');
  const matches = new Set<string>();
  chains.forEach((c, i) => {
    const key = JSON.stringify(c.filter_chain_match ?? {});
    if (matches.has(key)) d.add(`filter_chains[${i}].filter_chain_match`, 'duplicate of an earlier chain');
    matches.add(key);
    validateFilterChain(c, d, `filter_chains[${i}]`);
  });
  const fallback = obj(l.default_filter_chain);
  if (fallback) validateFilterChain(fallback, d, 'default_filter_chain');
}

export const listenerType = resourceType(LISTENER, true, validateListener);
