// ClusterLoadAssignments from the inventory's `endpoints`: one locality, weight 1 (grpc-js-xds
// ignores localities without a weight), empty when the workload lists none.
import type { CompiledWorkload } from '../../policy/compiled.js';
import { socketAddress, type Msg } from './common.js';
import { clusterName, parseHostPort } from './names.js';

export function workloadEndpoints(w: CompiledWorkload): Msg {
  const lbEndpoints = w.endpoints
    .map(parseHostPort)
    .filter((a) => a !== null)
    .map((a) => ({ endpoint: { address: socketAddress(a.host, a.port) } }));
  return {
    cluster_name: clusterName(w),
    endpoints: lbEndpoints.length === 0 ? [] : [{ locality: {}, load_balancing_weight: { value: 1 }, lb_endpoints: lbEndpoints }],
  };
}
