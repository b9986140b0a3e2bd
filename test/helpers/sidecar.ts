// Whole sidecars for tests (control-plane/serve/sidecar.ts): stopped by stopAllSidecars() in
// afterAll even when a test failed. Requests go through control-plane/envoy/client.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send, type WireOutcome, type WireRequest } from '../../control-plane/envoy/client.js';
import type { EchoedRequest } from '../../control-plane/envoy/echo.js';
import { startSidecar, type Sidecar, type SidecarOptions } from '../../control-plane/serve/sidecar.js';
import { EXAMPLE_POLICY } from './cli.js';
import { ENVOY_BIN } from './envoy.js';

const started = new Set<Sidecar>();

export async function sidecar(options: Omit<SidecarOptions, 'binary'>): Promise<Sidecar> {
  if (!ENVOY_BIN) throw new Error('no Envoy binary');
  const s = await startSidecar({ binary: ENVOY_BIN, ...options });
  started.add(s);
  return s;
}

export async function stopAllSidecars(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((s) => s.stop()));
}

/** The example policy, edited by `edit`, in a fresh temporary file (hot-reloadable by rewriting it). */
export function policyFile(edit: (text: string) => string = (t) => t): string {
  const file = join(mkdtempSync(join(tmpdir(), 'meshguard-envoy-policy-')), 'policy.yaml');
  writeFileSync(file, edit(readFileSync(EXAMPLE_POLICY, 'utf8')));
  return file;
}

export type Response = Extract<WireOutcome, { kind: 'response' }>;

/** An inbound request over TLS, with a client certificate for `principal` (none when null). */
export function inbound(s: Sidecar, principal: string | null, request: Partial<WireRequest> = {}): Promise<WireOutcome> {
  const ca = readFileSync(s.ca.cert, 'utf8');
  return send({
    protocol: 'HTTP/1.1', host: s.inbound.host, port: s.inbound.ports[0]!, method: 'GET', path: '/api/items', authority: 'api.shop', headers: [], body: null,
    tls: { ca, ...(principal === null ? {} : s.ca.client(principal)) },
    ...request,
  });
}

/** An outbound plaintext HTTP request from the application to `authority`. */
export function outbound(s: Sidecar, authority: string, request: Partial<WireRequest> = {}): Promise<WireOutcome> {
  return send({ protocol: 'HTTP/1.1', host: s.outbound.host, port: 443, tls: null, method: 'GET', path: '/v1/charges', authority, headers: [], body: null, ...request });
}

export function response(o: WireOutcome): Response {
  if (o.kind !== 'response') throw new Error(`expected a response, the connection ended: ${o.reason}`);
  return o;
}

/** What the echo upstream received, from its answer. */
export function echoed(o: WireOutcome): EchoedRequest {
  const r = response(o);
  if (r.headers['x-meshguard-echo'] !== '1') throw new Error(`not the upstream's answer: ${r.status} ${JSON.stringify(r.headers)} ${r.body}`);
  return JSON.parse(r.body) as EchoedRequest;
}
