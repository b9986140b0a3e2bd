// Type URLs of the resources meshguard serves, and the order a push sends them in
// (make-before-break, xds_protocol.rst "Eventual consistency considerations").

const PREFIX = 'type.googleapis.com/';

export const CLUSTER = `${PREFIX}envoy.config.cluster.v3.Cluster`;
export const ENDPOINT = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
export const LISTENER = `${PREFIX}envoy.config.listener.v3.Listener`;
export const ROUTE = `${PREFIX}envoy.config.route.v3.RouteConfiguration`;
export const EXTENSION_CONFIG = `${PREFIX}envoy.config.core.v3.TypedExtensionConfig`;

/** CDS, EDS, LDS, RDS, then ECDS: clusters exist before anything points at them. */
export const PUSH_ORDER: readonly string[] = [CLUSTER, ENDPOINT, LISTENER, ROUTE, EXTENSION_CONFIG];

export const SHORT_NAMES: Readonly<Record<string, string>> = {
  [CLUSTER]: 'CDS',
  [ENDPOINT]: 'EDS',
  [LISTENER]: 'LDS',
  [ROUTE]: 'RDS',
  [EXTENSION_CONFIG]: 'ECDS',
};

export function shortName(typeUrl: string): string {
  return SHORT_NAMES[typeUrl] ?? typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

export function messageNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
