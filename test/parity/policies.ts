// The policies the check ↔ replay parity runs on: the example and engine fixtures (rate limits
// removed or their 429s dropped), their strict/permissive and monitor/enforce variants, and one
// written for the edges (IPv6 blocklists, DNS tunnelling in enforce, default-allow egress,
// principal prefixes and namespaces, port-less rules).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ParityPolicy {
  readonly name: string;
  readonly text: string;
  /** Rate limits stay in: 429s from check are dropped from the comparison. */
  readonly rateLimited: boolean;
}

const read = (relative: string) => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8');

export const SHOP = fileURLToPath(new URL('../../examples/shop.yaml', import.meta.url));
const shop = read('../../examples/shop.yaml');
const engine = read('../fixtures/policies/engine.yaml');
const withoutRateLimits = (text: string) => text.replace(/^\s*rateLimit:.*\n/gm, '');

const EDGES = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: parity-edges }
spec:
  trustDomain: example.org
  defaults: { inbound: deny, egress: allow, mtls: permissive }
  meshDomains: [svc.cluster.local, mesh.internal]
  workloads:
    - { name: gateway, namespace: edge, serviceAccount: gateway, labels: { app: gateway, tier: edge }, ports: [8443] }
    - { name: search, namespace: shop, serviceAccount: search, labels: { app: search, tier: api }, ports: [8080] }
    - { name: ledger, namespace: pay, serviceAccount: ledger, labels: { app: ledger } }
    - { name: crawler, namespace: jobs, serviceAccount: crawler, labels: { app: crawler } }
  segments:
    - name: edge-to-search
      to: { matchLabels: { app: search } }
      from:
        - { matchLabels: { tier: edge } }
        - { principals: ["spiffe://example.org/ns/ops/*", "spiffe://example.org/ns/audit/sa/auditor"] }
      rules:
        - { methods: [GET], paths: ["/search", "/search/*", "*.json"] }
        - { methods: [POST], paths: ["/index"], ports: [8080] }
    - name: shop-to-ledger
      to: { namespace: pay }
      from: [{ namespace: shop }, { namespace: edge }]
      rules:
        - { methods: [POST, PUT], paths: ["/entries", "/entries/*"] }
        - { paths: ["/healthz"] }
    - name: anyone-to-gateway
      to: { matchLabels: { app: gateway } }
      from: [{}]
  egress:
    - name: crawler-web
      from: { matchLabels: { app: crawler } }
      hosts: ["*"]
      ports: [80, 443]
    - name: ledger-bank
      from: { matchLabels: { app: ledger } }
      hosts: ["api.bank.example", "*.payments.example"]
      cidrs: ["192.0.2.0/25", "2001:db8:1::/48"]
      ports: [443]
  blocklist:
    cidrs: ["203.0.113.0/24", "2001:db8:dead::/48", "192.0.2.128/25"]
  anomaly: { mode: enforce, threshold: 10 }
  dnsTunneling: { mode: enforce, maxLabelLength: 40, maxLabels: 8, entropyMinLength: 16, maxEntropy: 3.5 }
`;

export const POLICIES: readonly ParityPolicy[] = [
  { name: 'examples/shop.yaml', text: shop, rateLimited: true },
  { name: 'examples/shop.yaml, permissive mTLS, anomaly enforce', text: shop.replace('mtls: strict', 'mtls: permissive').replace('mode: monitor', 'mode: enforce'), rateLimited: true },
  { name: 'test/fixtures/policies/engine.yaml without rate limits', text: withoutRateLimits(engine), rateLimited: false },
  { name: 'engine.yaml, permissive mTLS, anomaly enforce', text: withoutRateLimits(engine).replace('mtls: strict', 'mtls: permissive').replace('  blocklist:', '  anomaly: { mode: enforce, threshold: 10 }\n  blocklist:'), rateLimited: false },
  { name: 'edges', text: EDGES, rateLimited: false },
];
