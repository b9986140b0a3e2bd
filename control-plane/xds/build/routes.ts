// RouteConfigurations: a sidecar's outbound table (one virtual host per workload it may call,
// then passthrough) and a proxyless client's route to its workload's cluster.
import type { CompiledPolicy, CompiledWorkload } from '../../policy/compiled.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD, extAuthzPerRoute } from './http-filters.js';
import { clientListenerName, clusterName, EGRESS_CLUSTER, OUTBOUND_ROUTE } from './names.js';
import type { Msg } from './common.js';

/** Host names under which `d` is reached in the mesh: name.ns, name.ns.svc, name.ns.<meshDomain>. */
export function meshHostNames(policy: CompiledPolicy, d: CompiledWorkload): string[] {
  const base = `${d.name}.${d.namespace}`;
  return [...new Set([base, `${base}.svc`, ...policy.meshDomains.map((m) => `${base}.${m}`)])];
}

/** The outbound virtual host of destination `d`: the same in every sidecar's table. */
export function meshVirtualHost(policy: CompiledPolicy, d: CompiledWorkload): Msg {
  return { name: clusterName(d), domains: meshHostNames(policy, d), routes: [{ match: { prefix: '/' }, route: { cluster: clusterName(d) } }] };
}

/**
 * Every other host (egress, and in-mesh hosts this sidecar may not call): the forward proxy, so the
 * connection goes to the name that was checked, never to the address the client chose.
 */
export const EGRESS_VHOST: Msg = { name: 'egress', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: EGRESS_CLUSTER } }] };

/**
 * What makes a sidecar's outbound table its own: the ext_authz context naming it. Virtual hosts
 * match without the port, but the Host keeps it (no `strip_any_host_port`), so the egress checks
 * see an authority port that differs from the destination port, and deny it (DESIGN.md).
 */
export function outboundRouteContext(self: CompiledWorkload): Msg {
  return {
    ignore_port_in_host_matching: true,
    typed_per_filter_config: extAuthzPerRoute({ [CONTEXT_WORKLOAD]: self.key, [CONTEXT_DIRECTION]: 'outbound' }),
  };
}

export function outboundRoute(policy: CompiledPolicy, self: CompiledWorkload, reachable: readonly CompiledWorkload[]): Msg {
  return {
    name: OUTBOUND_ROUTE,
    virtual_hosts: [...reachable.map((d) => meshVirtualHost(policy, d)), EGRESS_VHOST],
    ...outboundRouteContext(self),
  };
}

export function proxylessClientRoute(w: CompiledWorkload): Msg {
  return {
    name: clientListenerName(w),
    virtual_hosts: [{ name: clientListenerName(w), domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: clusterName(w) } }] }],
  };
}
