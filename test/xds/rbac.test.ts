// The RBAC meshguard pushes agrees with the decision engine: each workload's rules, decoded and
// evaluated by grpc-js-xds's own RBAC engine (an independent implementation of Envoy's RBAC
// semantics), give the engine's verdict on every request of a table (sources × methods × paths ×
// ports × source addresses). Where RBAC is documented as looser, it is looser, never stricter.
import { createRequire } from 'node:module';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { decideInbound } from '../../control-plane/engine/inbound.js';
import type { CompiledPolicy, CompiledWorkload } from '../../control-plane/policy/compiled.js';
import { rbacRules } from '../../control-plane/xds/build/rbac.js';
import { messageType } from '../../control-plane/xds/proto.js';
import { compileYaml, id, input } from '../helpers/policy.js';
import { SHOP_YAML } from './helpers.js';

interface RbacGroup {
  apply(info: unknown): boolean;
}
const require = createRequire(import.meta.url);
const { parseConfig } = require('@grpc/grpc-js-xds/build/src/rbac.js') as { parseConfig(rules: unknown): RbacGroup };

/** Our rules → bytes → the decoded form grpc-js-xds's RBAC filter hands to parseConfig. */
function groupFor(policy: CompiledPolicy, w: CompiledWorkload): RbacGroup {
  const type = messageType('envoy.config.rbac.v3.RBAC');
  const decoded = type.toObject(type.decode(type.encode(type.fromObject(rbacRules(policy, w))).finish()), { longs: String, enums: String, defaults: true, oneofs: true });
  return parseConfig(decoded);
}

function rbacAllows(group: RbacGroup, source: string, method: string, path: string, port: number, sourceIp: string): boolean {
  const headers = new Metadata();
  headers.set(':method', method);
  return group.apply({
    headers, urlPath: path, destinationIp: '10.9.9.9', destinationPort: port, sourceIp,
    tls: source !== '', peerCertificate: source === '' ? null : { subjectaltname: `URI:${source}`, subject: {} },
  });
}

const EXTRA = `    - name: ops-anything
      to: { matchLabels: { app: db } }
      from:
        - { principals: ["spiffe://cluster.local/ns/ops/*"] }
    - name: json-reports
      to: { matchLabels: { app: frontend } }
      from:
        - { namespace: shop }
      rules:
        - methods: [GET]
          paths: ["*.json", "/reports/*"]
        - ports: [9090]
  egress:
`;

const POLICIES: [string, string][] = [
  ['shop', SHOP_YAML],
  ['shop with prefixes, suffixes and port-only rules', SHOP_YAML.replace('  egress:\n', EXTRA)],
  ['shop, permissive, default allow', SHOP_YAML.replace('mtls: strict', 'mtls: permissive').replace('inbound: deny', 'inbound: allow')],
  ['shop, strict, default allow', SHOP_YAML.replace('inbound: deny', 'inbound: allow')],
];

const SOURCES = [
  id('shop', 'frontend'), id('shop', 'api'), id('shop', 'payments'), id('shop', 'db'), id('ops', 'prober'), id('ops', 'other'),
  id('monitoring', 'prometheus'), id('elsewhere', 'x'), 'spiffe://other.domain/ns/shop/sa/frontend', '',
];
const METHODS = ['GET', 'POST', 'DELETE'];
const PATHS = ['/api/orders', '/healthz', '/metrics', '/charge', '/reports/q1', '/data.json', '/other'];
const PORTS = [8080, 8443, 9090, 5432];
const ADDRESSES = ['10.0.0.1', '203.0.113.7'];

describe('pushed RBAC and the decision engine', () => {
  for (const [label, yaml] of POLICIES) {
    it(`agree on every request of the table (${label})`, () => {
      const policy = compileYaml(yaml, 'rbac.yaml');
      let compared = 0;
      const disagreements: string[] = [];
      for (const w of policy.workloads.values()) {
        const group = groupFor(policy, w);
        for (const source of SOURCES) for (const method of METHODS) for (const path of PATHS) for (const port of PORTS) for (const address of ADDRESSES) {
          const engine = decideInbound(policy, input({ from: source, to: w.key, method, path, port, sourceAddress: address })).decision === 'allow';
          const rbac = rbacAllows(group, source, method, path, port, address);
          compared++;
          if (engine !== rbac) disagreements.push(`${w.key} ${source || '(none)'} ${method} ${path} :${port} from ${address}: engine ${engine}, rbac ${rbac}`);
        }
      }
      expect(compared).toBeGreaterThan(6000);
      expect(disagreements).toEqual([]);
    });
  }

  it('is looser, never stricter, where Envoy RBAC cannot say what the engine means', () => {
    const policy = compileYaml(SHOP_YAML, 'rbac.yaml');
    const api = policy.workloads.get('shop/api')!;
    const group = groupFor(policy, api);
    // A namespace source is a SPIFFE prefix: an ID with extra path segments passes RBAC, not the engine.
    const malformed = 'spiffe://cluster.local/ns/monitoring/sa/prometheus/extra';
    expect(rbacAllows(group, malformed, 'GET', '/metrics', 8080, '10.0.0.1')).toBe(true);
    expect(decideInbound(policy, input({ from: malformed, to: api.key, method: 'GET', path: '/metrics', port: 8080 })).decision).toBe('deny');
  });
});
