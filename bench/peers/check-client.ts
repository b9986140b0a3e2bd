// A gRPC ext_authz client that reads a CheckResponse as a verdict ({decision, status, rule}), so
// that any Authorization server (meshguard, OPA-Envoy) can be held to `meshguard check`.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AUTHZ_PROTO, PROTO_LOADER_OPTIONS } from '../../control-plane/envoy-protos.js';

export interface PeerVerdict {
  readonly decision: 'allow' | 'deny';
  readonly status: number;
  readonly rule: string | null;
}

interface HeaderOption { header?: { key?: string; value?: string } }
interface CheckResponseJson {
  status?: { code?: number };
  okResponse?: { headers?: HeaderOption[] };
  deniedResponse?: { status?: { code?: number } };
}

/** Fields whose values are maps: their keys are data (header names), not proto field names. */
const MAP_FIELDS = new Set(['headers', 'contextExtensions', 'context_extensions', 'labels', 'filterMetadata', 'filter_metadata']);

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A CheckRequest in proto3 JSON with original (snake_case) or lowerCamelCase names → lowerCamelCase, as proto-loader wants. */
export function camelCaseCheckRequest(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseCheckRequest);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[camel(key)] = MAP_FIELDS.has(key) ? v : camelCaseCheckRequest(v);
  }
  return out;
}

let service: grpc.ServiceClientConstructor | null = null;

/** The Authorization service with numeric enums (HTTP status codes read as numbers). */
function authorization(): grpc.ServiceClientConstructor {
  if (!service) {
    const definition = protoLoader.loadSync([AUTHZ_PROTO], { ...PROTO_LOADER_OPTIONS, enums: Number });
    const root = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } } };
    service = root.envoy.service.auth.v3.Authorization;
  }
  return service;
}

export function verdictOf(response: CheckResponseJson): PeerVerdict {
  if ((response.status?.code ?? 0) === 0) {
    const rule = response.okResponse?.headers?.find((h) => h.header?.key === 'x-meshguard-rule')?.header?.value ?? null;
    return { decision: 'allow', status: 200, rule };
  }
  return { decision: 'deny', status: response.deniedResponse?.status?.code ?? 403, rule: null };
}

export class CheckClient {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(port: number) {
    const Authorization = authorization();
    this.client = new Authorization(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
  }

  /** One Check of a CheckRequest given as proto3 JSON (either naming). */
  check(requestJson: unknown): Promise<PeerVerdict> {
    const request = camelCaseCheckRequest(requestJson);
    const call = this.client['Check'] as (req: unknown, cb: (err: grpc.ServiceError | null, res: CheckResponseJson) => void) => void;
    return new Promise((resolve, reject) => {
      call.call(this.client, request, (err, res) => (err ? reject(err) : resolve(verdictOf(res))));
    });
  }

  close(): void {
    this.client.close();
  }
}
