// How meshguard tells a proxyless gRPC node from an Envoy (DESIGN.md "xDS conventions"): the
// explicit marker first, then the user agent, then the names the first request asks for.
import { describe, expect, it } from 'vitest';
import { nodeKind, type FirstRequest } from '../../control-plane/xds/node.js';
import { CLUSTER, EXTENSION_CONFIG, LISTENER } from '../../control-plane/xds/type-urls.js';

const lds = (...names: string[]): FirstRequest => ({ typeUrl: LISTENER, names });
const cds: FirstRequest = { typeUrl: CLUSTER, names: [] };

const cases: { what: string; marker?: string; agent: string; first: FirstRequest | null; proxyless: boolean; by: string }[] = [
  { what: 'Envoy: CDS wildcard first', agent: 'envoy', first: cds, proxyless: false, by: 'user agent' },
  { what: 'Envoy naming a listener is still Envoy (user agent wins)', agent: 'envoy', first: lds('x'), proxyless: false, by: 'user agent' },
  { what: 'grpc-js client', agent: 'gRPC Node Pure JS', first: lds('api.shop'), proxyless: true, by: 'user agent' },
  { what: 'grpc-go', agent: 'gRPC Go', first: lds('api.shop'), proxyless: true, by: 'user agent' },
  { what: 'grpc-java', agent: 'gRPC Java', first: cds, proxyless: true, by: 'user agent' },
  { what: 'grpc C-core', agent: 'gRPC C-core', first: lds('api.shop'), proxyless: true, by: 'user agent' },
  { what: 'unknown agent naming a client listener', agent: '', first: lds('api.shop'), proxyless: true, by: 'resource names' },
  { what: 'unknown agent naming a server listener', agent: 'x', first: lds('meshguard/grpc/server?address=10.0.0.1:80'), proxyless: true, by: 'resource names' },
  { what: 'unknown agent, LDS wildcard', agent: '', first: lds(), proxyless: false, by: 'default' },
  { what: 'unknown agent, explicit "*"', agent: '', first: lds('*'), proxyless: false, by: 'default' },
  { what: 'unknown agent, ECDS names', agent: '', first: { typeUrl: EXTENSION_CONFIG, names: ['meshguard.identity'] }, proxyless: false, by: 'default' },
  { what: 'marker "true" overrides an Envoy agent', marker: 'true', agent: 'envoy', first: cds, proxyless: true, by: 'metadata' },
  { what: 'marker "false" overrides a gRPC agent', marker: 'false', agent: 'gRPC Go', first: lds('api.shop'), proxyless: false, by: 'metadata' },
  { what: 'a marker that is neither is ignored', marker: 'yes', agent: 'gRPC Go', first: null, proxyless: true, by: 'user agent' },
];

describe('node kind', () => {
  for (const c of cases) {
    it(c.what, () => {
      const metadata: Record<string, string> = c.marker === undefined ? {} : { 'meshguard.io/proxyless': c.marker };
      expect(nodeKind(metadata, c.agent, c.first)).toEqual({ proxyless: c.proxyless, by: c.by });
    });
  }
});
