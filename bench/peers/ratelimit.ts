// envoyproxy/ratelimit (bench/peers/ratelimit, built by scripts/build-peers.sh) on a Redis, with
// the configuration written from a compiled meshguard policy (ratelimit-config.ts), and a gRPC
// client of its RateLimitService (what Envoy's rate-limit filter calls).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { loadEnvoyProtos } from '../../control-plane/envoy-protos.js';
import { peerBinary } from './binaries.js';
import { freePort, startPeer, type PeerProcess } from './process.js';
import { ratelimitDomain, ratelimitYaml, SEGMENT_KEY, SOURCE_KEY } from './ratelimit-config.js';

export interface Ratelimit extends PeerProcess {
  /** envoy.service.ratelimit.v3.RateLimitService on 127.0.0.1. */
  readonly grpcPort: number;
  readonly domain: string;
}

export interface RatelimitOptions {
  /** host:port of the Redis that holds the windows (shared by the replicas). */
  readonly redis: string;
  /** Prefix of every key it writes (a run's own, so runs and other users of the Redis do not meet). */
  readonly keyPrefix: string;
}

/** Starts one ratelimit replica in `dir` (config/<domain>.yaml and its log go there). */
export async function startRatelimit(policy: CompiledPolicy, dir: string, o: RatelimitOptions): Promise<Ratelimit> {
  const domain = ratelimitDomain(policy);
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(join(dir, 'config', `${domain}.yaml`), ratelimitYaml(policy));
  const [grpcPort, httpPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  const peer = await startPeer({
    name: 'ratelimit',
    binary: peerBinary('ratelimit'),
    args: ['-config-dir', dir, '-grpc-port', String(grpcPort), '-http-port', String(httpPort), '-debug-port', String(debugPort), '-redis', o.redis, '-key-prefix', o.keyPrefix],
    logFile: join(dir, 'ratelimit.log'),
    healthUrl: `http://127.0.0.1:${httpPort}/healthcheck`,
    env: { LOG_LEVEL: 'warn' },
  });
  return { ...peer, grpcPort, domain };
}

const RLS_PROTO = 'envoy/service/ratelimit/v3/rls.proto';
/** RateLimitResponse.Code: OK = 1, OVER_LIMIT = 2 (0 is UNKNOWN). */
export const RLS_OK = 1;
export const RLS_OVER_LIMIT = 2;

function rateLimitService(): grpc.ServiceClientConstructor {
  const root = loadEnvoyProtos([RLS_PROTO]) as unknown as { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } };
  return root.envoy.service.ratelimit.v3.RateLimitService;
}

/** ShouldRateLimit for (segment, source), the descriptor ratelimit-config.ts configures. */
export class RatelimitClient {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(port: number, private readonly domain: string) {
    const Service = rateLimitService();
    this.client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
  }

  waitForReady(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  /** true: allowed (OK), false: OVER_LIMIT; rejects on any other answer. */
  shouldRateLimit(segment: string, source: string): Promise<boolean> {
    const request = { domain: this.domain, descriptors: [{ entries: [{ key: SEGMENT_KEY, value: segment }, { key: SOURCE_KEY, value: source }] }], hitsAddend: 1 };
    const call = this.client['ShouldRateLimit'] as (req: unknown, cb: (err: grpc.ServiceError | null, res: { overallCode?: string | number }) => void) => void;
    return new Promise((resolve, reject) => {
      call.call(this.client, request, (err, res) => {
        if (err) return reject(err);
        const code = res.overallCode;
        if (code === 'OK' || code === RLS_OK) resolve(true);
        else if (code === 'OVER_LIMIT' || code === RLS_OVER_LIMIT) resolve(false);
        else reject(new Error(`ratelimit answered ${String(code)}`));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
