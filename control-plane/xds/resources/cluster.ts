// Cluster (CDS): EDS clusters fed over ADS, or clusters with their endpoints inline
// (STATIC, STRICT_DNS); ORIGINAL_DST for passthrough; the dynamic forward proxy for egress.
import { CLUSTER } from '../type-urls.js';
import { isAdsSource, list, obj, resourceType, str, type Diags, type Obj } from './common.js';

const INLINE_TYPES = new Set(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS']);

function validateCluster(c: Obj, d: Diags): void {
  const type = str(c.type) || 'STATIC';
  const custom = obj(c.cluster_type);
  if (custom) {
    if (str(custom.name) !== 'envoy.clusters.dynamic_forward_proxy') d.add('cluster_type.name', `unsupported cluster type ${str(custom.name)}`);
    if (str(c.lb_policy) !== 'CLUSTER_PROVIDED') d.add('lb_policy', 'the dynamic forward proxy needs CLUSTER_PROVIDED');
  } else if (type === 'EDS') {
    const eds = obj(c.eds_cluster_config);
    if (!eds || !isAdsSource(eds.eds_config)) d.add('eds_cluster_config.eds_config', 'not ADS');
  } else if (INLINE_TYPES.has(type)) {
    const endpoints = list(obj(c.load_assignment)?.endpoints);
    if (endpoints.length === 0) d.add('load_assignment', `a ${type} cluster needs endpoints`);
  } else if (type === 'ORIGINAL_DST') {
    if (str(c.lb_policy) !== 'CLUSTER_PROVIDED') d.add('lb_policy', 'ORIGINAL_DST needs CLUSTER_PROVIDED');
  } else {
    d.add('type', `unsupported cluster type ${type}`);
  }
  const socket = obj(c.transport_socket);
  if (socket && str(socket.name) !== 'envoy.transport_sockets.tls') d.add('transport_socket.name', `"${str(socket.name)}" is not envoy.transport_sockets.tls`);
}

export const clusterType = resourceType(CLUSTER, true, validateCluster);
