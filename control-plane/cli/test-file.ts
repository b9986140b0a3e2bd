// The policy unit-test file `meshguard test` reads (YAML):
//
//   policy: shop.yaml                # relative to this file
//   tests:
//     - name: the frontend lists items
//       request: { from: spiffe://cluster.local/ns/shop/sa/frontend, to: shop/api, method: GET, path: /api/items, port: 8080 }
//       expect: { decision: allow, rule: web-to-api }
//     - name: payments may call Stripe
//       request: { direction: outbound, to: shop/payments, host: api.stripe.com, port: 443 }
//       expect: { decision: allow, status: 200 }
//
// `request` is a shorthand (below) or `checkRequest:` a full Envoy CheckRequest in proto3 JSON;
// `expect` holds any of decision, status, rule, reason (reason: a substring).
import { Ajv } from 'ajv';
import { parseDocument, LineCounter } from 'yaml';

export interface Shorthand {
  /** inbound: the destination workload (NS/NAME); outbound: the calling workload. */
  readonly to?: string;
  readonly workload?: string;
  readonly from?: string;
  readonly direction?: 'inbound' | 'outbound';
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
  readonly sourceAddress?: string;
  readonly destinationAddress?: string;
  readonly sni?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Expectation {
  readonly decision?: 'allow' | 'deny';
  readonly status?: number;
  readonly rule?: string | null;
  readonly reason?: string;
}

export interface PolicyTest {
  readonly name: string;
  readonly line: number;
  readonly request?: Shorthand;
  readonly checkRequest?: Record<string, unknown>;
  readonly expect: Expectation;
}

export interface TestFile {
  readonly policy: string;
  readonly tests: readonly PolicyTest[];
}

const str = { type: 'string' } as const;
const shorthand = {
  type: 'object', additionalProperties: false,
  properties: {
    to: str, workload: str, from: str, direction: { enum: ['inbound', 'outbound'] }, method: str, path: str, host: str,
    port: { type: 'integer', minimum: 1, maximum: 65535 }, sourceAddress: str, destinationAddress: str, sni: str,
    headers: { type: 'object', additionalProperties: str },
  },
} as const;

export const testFileSchema = {
  type: 'object', additionalProperties: false, required: ['policy', 'tests'],
  properties: {
    policy: str,
    tests: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'expect'],
        oneOf: [{ required: ['request'] }, { required: ['checkRequest'] }],
        properties: {
          name: str, request: shorthand, checkRequest: { type: 'object' },
          expect: {
            type: 'object', additionalProperties: false, minProperties: 1,
            properties: { decision: { enum: ['allow', 'deny'] }, status: { enum: [200, 400, 403, 429] }, rule: { type: ['string', 'null'] }, reason: str },
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(testFileSchema);

/** The file's tests, or its problems as `FILE:LINE: field: message` lines. */
export function parseTestFile(text: string, file: string): { ok: true; value: TestFile } | { ok: false; errors: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`) };
  const data = doc.toJS() as unknown;
  const lineOf = (path: (string | number)[]): number => {
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : 1;
  };
  if (!validate(data)) {
    return {
      ok: false,
      errors: (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => {
        const path = e.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        return `${file}:${lineOf(path)}: ${e.instancePath || '(top)'}: ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`;
      }),
    };
  }
  const raw = data as { policy: string; tests: Omit<PolicyTest, 'line'>[] };
  return { ok: true, value: { policy: raw.policy, tests: raw.tests.map((t, i) => ({ ...t, line: lineOf(['tests', i]) })) } };
}

/** The shorthand as an Envoy CheckRequest (proto3 JSON). */
export function checkRequestOf(s: Shorthand): Record<string, unknown> {
  const outbound = s.direction === 'outbound';
  const workload = s.workload ?? s.to;
  const socket = (address: string | undefined, port?: number) => (address === undefined && port === undefined ? {} : { address: { socketAddress: { ...(address === undefined ? {} : { address }), ...(port === undefined ? {} : { portValue: port }) } } });
  const http = s.method !== undefined || s.path !== undefined || (outbound && s.host !== undefined && s.sni === undefined)
    ? { http: { method: s.method ?? 'GET', path: s.path ?? '/', ...(s.host === undefined ? {} : { host: s.host }), headers: { ...s.headers } } }
    : undefined;
  return {
    attributes: {
      source: { ...(s.from === undefined ? {} : { principal: s.from }), ...socket(s.sourceAddress) },
      destination: socket(s.destinationAddress, s.port),
      ...(http ? { request: http } : {}),
      ...(s.sni === undefined ? {} : { tlsSession: { sni: s.sni } }),
      contextExtensions: { ...(workload === undefined ? {} : { 'meshguard.io/workload': workload }), ...(outbound ? { 'meshguard.io/direction': 'outbound' } : {}) },
    },
  };
}
