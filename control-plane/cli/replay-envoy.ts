// `meshguard replay --envoy`: each CheckRequest decided by a real Envoy. The request a client can
// send is planned by request-plan.ts; the verdict is read from what the client gets back:
//  - the echo upstream answered: allow 200, rule = the x-meshguard-rule the upstream received;
//  - a local reply with x-meshguard-reason (a wasm filter): deny, its status, rule and reason;
//  - a body "meshguard: ..." (ext_authz's denied response): deny with its status;
//  - 503 "no healthy upstream"/"upstream connect error": meshguard let it through (allow 200);
//  - any other answer of Envoy's own (a 400 from its codec, a 503 of a failed filter...): deny with
//    that status; a closed or reset connection: deny 403.
import { readFileSync } from 'node:fs';
import { RequestFieldError, toCheckInput } from '../authz/check-request.js';
import { send, tlsHello, UnsendableError, type WireOutcome } from '../envoy/client.js';
import { ECHO_HEADER, type EchoedRequest } from '../envoy/echo.js';
import { planRequest, type SidecarView } from '../replay/envoy-plan.js';
import { startSidecar, type Sidecar, type SidecarOptions } from '../serve/sidecar.js';

export interface EnvoyVerdict {
  readonly decision: 'allow' | 'deny';
  readonly status: number;
  readonly rule: string | null;
  readonly reason: string;
}

const UPSTREAM_FAILURE = /^(no healthy upstream|upstream connect error|upstream request timeout)/;

function echoedRule(body: string): string | null {
  try {
    const echoed = JSON.parse(body) as EchoedRequest;
    return echoed.headers.filter(([k]) => k === 'x-meshguard-rule').at(-1)?.[1] ?? null;
  } catch {
    return null;
  }
}

export function verdictOf(outcome: WireOutcome, direction: 'inbound' | 'outbound' | 'tcp'): EnvoyVerdict {
  if (outcome.kind === 'closed') return { decision: 'deny', status: 403, rule: null, reason: `Envoy closed the connection (${outcome.reason.trim()})` };
  if (direction === 'tcp') return { decision: 'allow', status: 200, rule: null, reason: 'Envoy kept the TLS connection' };
  const { status, headers, body } = outcome;
  if (headers[ECHO_HEADER] !== undefined) {
    const rule = echoedRule(body);
    const by = direction === 'inbound' ? (rule === null ? 'allowed by default' : `allowed by segment ${rule}`) : rule === null ? 'allowed by egress' : `allowed by egress rule ${rule}`;
    return { decision: 'allow', status: 200, rule, reason: `${by} (the upstream answered)` };
  }
  const reason = headers['x-meshguard-reason'];
  if (reason !== undefined) return { decision: 'deny', status, rule: headers['x-meshguard-rule'] ?? null, reason };
  if (body.startsWith('meshguard: ')) return { decision: 'deny', status, rule: null, reason: `ext_authz: ${body.trim().slice('meshguard: '.length)}` };
  if (status === 503 && UPSTREAM_FAILURE.test(body)) return { decision: 'allow', status: 200, rule: null, reason: `passed meshguard; Envoy could not reach the upstream (${body.trim()})` };
  return { decision: status < 400 ? 'allow' : 'deny', status: status < 400 ? 200 : status, rule: null, reason: `Envoy answered ${status} itself: ${body.trim().slice(0, 120) || '(no body)'}` };
}

export class EnvoyReplayer {
  private constructor(readonly sidecar: Sidecar, private readonly view: SidecarView) {}

  static async start(options: SidecarOptions): Promise<EnvoyReplayer> {
    const sidecar = await startSidecar(options);
    const view: SidecarView = {
      workload: sidecar.workload, inbound: sidecar.inbound, outbound: sidecar.outbound,
      caPem: readFileSync(sidecar.ca.cert, 'utf8'),
      clientCert: (principal) => sidecar.ca.client(principal),
    };
    return new EnvoyReplayer(sidecar, view);
  }

  /** Decides one parsed CheckRequest; throws RequestFieldError for what no client can make Envoy see. */
  async decide(request: unknown): Promise<EnvoyVerdict> {
    // Fields that contradict their pseudo-headers are no single request: 400, as every enforcer answers.
    const conflict = toCheckInput(request).http?.conflict;
    if (conflict !== undefined) return { decision: 'deny', status: 400, rule: null, reason: conflict };
    const plan = await planRequest(request, this.view);
    if (plan.kind === 'tls') return verdictOf(await tlsHello(plan.host, plan.port, plan.sni), 'tcp');
    try {
      return verdictOf(await send(plan.wire), plan.direction);
    } catch (err) {
      if (err instanceof UnsendableError) throw new RequestFieldError('attributes.request.http', err.message);
      throw err;
    }
  }

  stop(): Promise<void> {
    return this.sidecar.stop();
  }
}
