// Runs the built filters in the proxy-wasm host (packages/proxy-wasm-host) with the plugin
// configuration format of assembly/README.md.
import { FilterChain, WasmHost, type ChainResult, type Plugin, type StreamInfoInput } from '@meshguard/proxy-wasm-host';
import { builtFilter } from './build.js';

export const TD = 'cluster.local';
export const FRONTEND = `spiffe://${TD}/ns/shop/sa/frontend`;

/** The example configuration of the brief, for workload shop/api. */
export function exampleConfig() {
  return {
    version: 'v1', workload: 'shop/api', identity: `spiffe://${TD}/ns/shop/sa/api`, trustDomain: TD,
    inbound: {
      mtls: 'strict', selected: true, default: 'deny',
      blocklist: ['203.0.113.0/24', '2001:db8::/32'],
      segments: [
        {
          name: 'web-to-api',
          principals: [FRONTEND],
          principalPrefixes: [`spiffe://${TD}/ns/ops/`],
          namespaces: ['batch'],
          rules: [{ methods: ['GET', 'POST'], paths: ['/api/*', '/healthz', '*.json'], ports: [8080] }],
          rateLimit: { requestsPerSecond: 50, burst: 100 },
        },
        { name: 'monitoring', principals: [`spiffe://${TD}/ns/mon/sa/scraper`], rules: [] },
      ],
    } as Record<string, unknown>,
    egress: {
      selected: true, default: 'deny',
      meshDomains: ['svc.cluster.local'],
      blocklist: ['203.0.113.0/24'],
      rules: [{ name: 'payments-to-stripe', hosts: ['api.stripe.com', '*.stripe.com'], cidrs: ['192.0.2.0/24'], ports: [443] }],
      dnsTunneling: { mode: 'monitor', maxLabelLength: 40, maxLabels: 10, entropyMinLength: 16, maxEntropy: 3.5 },
    } as Record<string, unknown>,
    anomaly: { mode: 'monitor', threshold: 10 },
  };
}

export type Config = ReturnType<typeof exampleConfig>;

export interface LoadedFilter {
  host: WasmHost;
  plugin: Plugin;
  run(headers: Record<string, string>, info?: StreamInfoInput): Promise<ChainResult>;
  metric(name: string): bigint | undefined;
}

export async function loadHost(name: string): Promise<WasmHost> {
  const { binary } = await builtFilter(name);
  return WasmHost.load(binary, { logLevel: 'trace' });
}

export async function loadFilter(name: string, config: unknown, rootId?: string): Promise<LoadedFilter> {
  const host = await loadHost(name);
  const plugin = host.createPlugin({
    name, ...(rootId === undefined ? {} : { rootId }),
    configuration: typeof config === 'string' ? config : JSON.stringify(config),
  });
  const chain = new FilterChain([plugin]);
  return {
    host,
    plugin,
    run: (headers, info) => chain.run({ headers, ...(info ? { info } : {}) }),
    metric: (metric) => host.metric(metric),
  };
}

/** A connection with a peer certificate whose first URI SAN is `principal` (null: plaintext). */
export function peer(principal: string | null, extra: { source?: string; destination?: string } = {}): StreamInfoInput {
  return {
    connection: {
      source: extra.source ?? '10.1.0.12:50000',
      destination: extra.destination ?? '10.1.0.20:8080',
      tls: principal === null ? null : { version: 'TLSv1.3', peerCertificate: { uriSans: [principal] } },
    },
  };
}

/** Configures `name` with `config`, which must be rejected: the PluginConfigError and the plugin's error logs. */
export async function rejectedConfig(name: string, config: unknown, rootId?: string) {
  const host = await loadHost(name);
  let error: unknown = null;
  try {
    host.createPlugin({ name, ...(rootId === undefined ? {} : { rootId }), configuration: typeof config === 'string' ? config : JSON.stringify(config) });
  } catch (e) {
    error = e;
  }
  const errors = host.logs().filter((l) => l.source === 'plugin' && l.level === 'error').map((l) => l.message);
  return { error, errors };
}

export function replyHeader(result: ChainResult, name: string): string | undefined {
  return result.localReply?.headers.find(([k]) => k === name)?.[1];
}
