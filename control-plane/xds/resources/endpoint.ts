// ClusterLoadAssignment (EDS): localities (set, weighted, as grpc-js-xds requires) of endpoints
// with IP addresses and ports, no address twice.
import { isIP } from 'node:net';
import { ENDPOINT } from '../type-urls.js';
import { list, obj, resourceType, str, validPort, type Diags, type Obj } from './common.js';

function validateAssignment(cla: Obj, d: Diags): void {
  const seen = new Set<string>();
  list(cla.endpoints).forEach((locality, i) => {
    const at = `endpoints[${i}]`;
    if (!obj(locality.locality)) d.add(`${at}.locality`, 'unset');
    const weight = Number(obj(locality.load_balancing_weight)?.value ?? 0);
    if (!(weight > 0)) d.add(`${at}.load_balancing_weight`, 'must be positive');
    list(locality.lb_endpoints).forEach((e, j) => {
      const socket = obj(obj(obj(e.endpoint)?.address)?.socket_address);
      const address = str(socket?.address);
      if (!socket || isIP(address) === 0 || !validPort(socket.port_value)) {
        d.add(`${at}.lb_endpoints[${j}].endpoint.address.socket_address`, 'needs an IP address and a port');
        return;
      }
      const key = `${address}:${String(socket.port_value)}`;
      if (seen.has(key)) d.add(`${at}.lb_endpoints[${j}]`, `duplicate address ${key}`);
      seen.add(key);
    });
  });
}

export const endpointType = resourceType(ENDPOINT, false, validateAssignment, 'cluster_name');
