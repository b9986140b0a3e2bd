// CheckRequests (proto3 JSON over gRPC) for the live-view tests.

/** A call to `workload` from an identity no segment admits: denied 403. */
export function denied(path: string, workload = 'shop/worker') {
  return {
    attributes: {
      source: { principal: 'spiffe://cluster.local/ns/evil/sa/intruder', address: { socketAddress: { address: '10.9.9.9', portValue: 40000 } } },
      destination: { principal: 'spiffe://cluster.local/ns/shop/sa/worker', address: { socketAddress: { address: '10.1.0.5', portValue: 8080 } } },
      request: { http: { method: 'GET', path, host: 'worker', headers: { ':method': 'GET', ':path': path } } },
      contextExtensions: { 'meshguard.io/workload': workload },
    },
  };
}

/** The same call from an inventory identity (shop/api's), which `everyone-to-everyone` allows. */
export function allowed(path: string) {
  const d = denied(path);
  return { attributes: { ...d.attributes, source: { principal: 'spiffe://cluster.local/ns/shop/sa/api', address: { socketAddress: { address: '10.1.0.6', portValue: 40000 } } } } };
}
