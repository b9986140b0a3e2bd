// CheckRequest → the request a real client sends to a sidecar in direct mode, or a
// RequestFieldError naming the field no real client can make Envoy see. The rules:
//  - context extensions come from Envoy's route, not the client: only this sidecar's workload and
//    a direction of inbound/outbound may appear;
//  - source.principal is the client certificate's URI SAN (inbound); an outbound request comes from
//    the application itself, so its principal is empty or the workload's own identity;
//  - source.address must be an IPv4 address of this machine (the client binds it); source.port and
//    an inbound destination.address are read by no decision and not reproduced;
//  - destination.port (inbound) must be a port the sidecar listens on; destination.principal is the
//    sidecar's own identity; an outbound destination is the outbound listener, at the port of the
//    authority or the scheme;
//  - one request holds one method, path and authority: a pseudo-header that differs from its
//    http field, a content-length that differs from the body, a transfer-encoding cannot be sent;
//  - :scheme follows the connection (https inbound, http outbound).
import { createServer } from 'node:net';
import { isIPv4 } from 'node:net';
import { RequestFieldError, requestBodyBytes, toCheckInput } from '../authz/check-request.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD, type CheckInput, type HttpInput } from '../engine/request.js';
import type { WireRequest } from '../envoy/client.js';
import { principalProblem } from '../envoy/pki.js';

export interface SidecarView {
  readonly workload: { readonly key: string; readonly identity: string };
  readonly inbound: { readonly host: string; readonly ports: readonly number[] };
  readonly outbound: { readonly host: string; readonly ports: readonly number[] };
  /** The PEM CA clients trust, and a client certificate for a principal. */
  readonly caPem: string;
  clientCert(principal: string): { cert: string; key: string };
}

export type Plan =
  | { readonly kind: 'http'; readonly direction: 'inbound' | 'outbound'; readonly wire: WireRequest }
  | { readonly kind: 'tls'; readonly host: string; readonly port: number; readonly sni: string };

const DESTINATION_PORT = 'attributes.destination.address.socketAddress.portValue';
const SOURCE_ADDRESS = 'attributes.source.address.socketAddress.address';
const local = new Map<string, boolean>();

/** Whether this machine has `address` (a socket can bind it); remembered per address. */
export async function isLocalAddress(address: string): Promise<boolean> {
  const known = local.get(address);
  if (known !== undefined) return known;
  const ok = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
  local.set(address, ok);
  return ok;
}

function member(o: unknown, ...names: string[]): unknown {
  let v = o;
  for (const name of names) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
  return v;
}

function direction(input: CheckInput, sidecar: SidecarView): 'inbound' | 'outbound' {
  for (const [key, value] of Object.entries(input.contextExtensions)) {
    const field = `attributes.contextExtensions["${key}"]`;
    if (key === CONTEXT_WORKLOAD && value !== sidecar.workload.key) throw new RequestFieldError(field, `names ${value}, but Envoy's route sets ${sidecar.workload.key} (this sidecar's --workload)`);
    if (key === CONTEXT_DIRECTION && value !== 'inbound' && value !== 'outbound') throw new RequestFieldError(field, `"${value}" is not a direction the sidecar's routes set (inbound or outbound)`);
    if (key !== CONTEXT_WORKLOAD && key !== CONTEXT_DIRECTION) throw new RequestFieldError(field, "Envoy sends only its route's context extensions; a client cannot add one");
  }
  return input.contextExtensions[CONTEXT_DIRECTION] === 'outbound' ? 'outbound' : 'inbound';
}

async function sourceAddress(input: CheckInput): Promise<string | undefined> {
  const address = input.source.address;
  if (address === null) return undefined;
  if (!isIPv4(address)) throw new RequestFieldError(SOURCE_ADDRESS, `${address}: the sidecar's listeners are IPv4 (loopback), an IPv6 client cannot reach them`);
  if (!(await isLocalAddress(address))) throw new RequestFieldError(SOURCE_ADDRESS, `${address} is not an address of this machine: a real client cannot connect from it (127.0.0.0/8 can)`);
  return address;
}

function same(http: HttpInput, pseudo: string, value: string, field: string): void {
  const header = http.headers[pseudo];
  if (header !== undefined && value !== '' && header !== value) throw new RequestFieldError(`attributes.request.http.headers["${pseudo}"]`, `differs from ${field}; one request carries one`);
}

function headersOf(http: HttpInput, body: Buffer | null): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(http.headers)) {
    const field = `attributes.request.http.headers["${name}"]`;
    if (name.startsWith(':')) continue;
    if (name === 'host') {
      if (http.host !== '' && value !== http.host) throw new RequestFieldError(field, 'differs from the authority; one request carries one');
      continue;
    }
    if (name === 'content-length') {
      if (Number(value) !== (body?.length ?? 0)) throw new RequestFieldError(field, `says ${value}, the body has ${body?.length ?? 0} bytes`);
      continue;
    }
    if (name === 'transfer-encoding') throw new RequestFieldError(field, 'replay sends the body with content-length');
    out.push([name, value]);
  }
  return out;
}

function protocolOf(request: unknown): WireRequest['protocol'] {
  const p = member(request, 'attributes', 'request', 'http', 'protocol');
  if (p === undefined || p === null || p === '') return 'HTTP/1.1';
  if (p === 'HTTP/1.0' || p === 'HTTP/1.1' || p === 'HTTP/2') return p;
  throw new RequestFieldError('attributes.request.http.protocol', `${JSON.stringify(p)}: replay --envoy speaks HTTP/1.0, HTTP/1.1 and HTTP/2`);
}

/** The whole body as sent (HttpInput.body is only the text meshguard reads of it). */
function bodyOf(request: unknown): Buffer | null {
  const bytes = requestBodyBytes(request);
  return bytes.length === 0 ? null : Buffer.from(bytes);
}

/** The authority's port, or the scheme's. */
function authorityPort(authority: string, scheme: string): number | null {
  const m = /:([0-9]{1,5})$/.exec(authority);
  if (m && !authority.endsWith(']')) return Number(m[1]);
  return scheme.toLowerCase() === 'http' ? 80 : 443;
}

function inboundPort(input: CheckInput, sidecar: SidecarView): number {
  const port = input.destination.port;
  if (port === null) throw new RequestFieldError(DESTINATION_PORT, 'absent; Envoy always knows the port a connection arrived on');
  if (!sidecar.inbound.ports.includes(port)) {
    throw new RequestFieldError(DESTINATION_PORT, `${port}: the sidecar listens at ${sidecar.inbound.ports.join(', ')} (the workload's ports); it has no filter chain for another port`);
  }
  return port;
}

function outboundPort(input: CheckInput, sidecar: SidecarView, http: HttpInput | null): number {
  const address = input.destination.address;
  if (address !== null && address !== sidecar.outbound.host) {
    throw new RequestFieldError('attributes.destination.address.socketAddress.address', `${address}: without a redirect Envoy sees the outbound listener's own address (${sidecar.outbound.host}); leave the destination out`);
  }
  const port = input.destination.port ?? (http ? authorityPort(http.host, http.scheme) : 443);
  if (port === null || !sidecar.outbound.ports.includes(port)) throw new RequestFieldError(DESTINATION_PORT, `${port}: the outbound listener listens at ${sidecar.outbound.ports.join(', ')}`);
  return port;
}

function principalCheck(input: CheckInput, dir: 'inbound' | 'outbound', sidecar: SidecarView): void {
  const { principal } = input.source;
  if (dir === 'outbound' && principal !== '' && principal !== sidecar.workload.identity) {
    throw new RequestFieldError('attributes.source.principal', `an outbound request comes from the application behind this sidecar (${sidecar.workload.identity}), not from ${principal}`);
  }
  const problem = dir === 'inbound' && principal !== '' ? principalProblem(principal) : null;
  if (problem) throw new RequestFieldError('attributes.source.principal', `${problem}`);
  const dest = input.destination.principal;
  if (dest !== '' && dest !== sidecar.workload.identity) throw new RequestFieldError('attributes.destination.principal', `Envoy sets its own identity, ${sidecar.workload.identity}`);
}

export async function planRequest(request: unknown, sidecar: SidecarView): Promise<Plan> {
  const input = toCheckInput(request);
  const dir = direction(input, sidecar);
  principalCheck(input, dir, sidecar);
  const localAddress = await sourceAddress(input);
  const http = input.http;
  if (http === null) {
    if (dir === 'inbound') throw new RequestFieldError('attributes.request.http', 'the inbound listener takes HTTP: an inbound request needs it');
    if (input.sni === '') throw new RequestFieldError('attributes.tlsSession.sni', 'a TCP egress check needs the SNI of its TLS handshake');
    return { kind: 'tls', host: sidecar.outbound.host, port: outboundPort(input, sidecar, null), sni: input.sni };
  }
  if (dir === 'outbound' && input.sni !== '') throw new RequestFieldError('attributes.tlsSession.sni', 'the outbound listener takes plaintext HTTP; an SNI goes with the TCP path (no attributes.request.http)');
  if (http.path === null || http.path === '') throw new RequestFieldError('attributes.request.http.path', 'absent; replay --envoy sends requests with a path');
  same(http, ':method', http.method, 'attributes.request.http.method');
  same(http, ':path', http.path, 'attributes.request.http.path');
  same(http, ':authority', http.host, 'attributes.request.http.host');
  const protocol = protocolOf(request);
  if (protocol === 'HTTP/2' && http.host === '') throw new RequestFieldError('attributes.request.http.host', 'an HTTP/2 request carries an :authority');
  const body = bodyOf(request);
  const wire: WireRequest = {
    protocol, method: http.method, path: http.path, authority: http.host, headers: headersOf(http, body), body,
    ...(localAddress ? { localAddress } : {}),
    ...(dir === 'inbound'
      ? { host: sidecar.inbound.host, port: inboundPort(input, sidecar), tls: { ca: sidecar.caPem, ...(input.source.principal === '' ? {} : sidecar.clientCert(input.source.principal)) } }
      : { host: sidecar.outbound.host, port: outboundPort(input, sidecar, http), tls: null }),
  };
  return { kind: 'http', direction: dir, wire };
}
