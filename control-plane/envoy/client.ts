// A client that sends exactly the request it is given: HTTP/1.x written byte for byte on a TCP or
// TLS socket (so paths a browser would refuse still reach Envoy), or HTTP/2 through node:http2.
// The outcome is what came back, or how the connection ended.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';

export interface ClientTls {
  readonly ca: string;
  /** The client certificate and key (PEM); absent: no client certificate. */
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
}

export interface WireRequest {
  readonly protocol: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';
  readonly host: string;
  readonly port: number;
  /** The source address to connect from; absent: the system's choice. */
  readonly localAddress?: string;
  readonly tls: ClientTls | null;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** Regular headers (no pseudo-headers, no host, no content-length). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer | null;
  readonly timeoutMs?: number;
}

export type WireOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
  | { readonly kind: 'closed'; readonly reason: string };

/** A request a real client cannot put on the wire (it names the part); not an Envoy outcome. */
export class UnsendableError extends Error {}

const closed = (reason: string): WireOutcome => ({ kind: 'closed', reason });

function open(r: WireRequest): Socket {
  const base = { host: r.host, port: r.port, ...(r.localAddress ? { localAddress: r.localAddress } : {}) };
  if (!r.tls) return netConnect(base);
  return tlsConnect({
    ...base, ca: r.tls.ca, ...(r.tls.cert ? { cert: r.tls.cert, key: r.tls.key } : {}),
    servername: r.tls.servername ?? 'localhost', checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'],
  });
}

function h1Text(r: WireRequest): Buffer {
  if (/[\s]/.test(r.path) || r.path === '') throw new UnsendableError('path: an HTTP/1 request line cannot hold whitespace or an empty target');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(r.method)) throw new UnsendableError('method: not an HTTP token');
  const lines = [`${r.method} ${r.path} ${r.protocol}`, ...(r.authority === '' ? [] : [`host: ${r.authority}`])];
  for (const [name, value] of [...r.headers]) {
    if (/[\r\n\0]/.test(value) || /[\r\n\0:\s]/.test(name)) throw new UnsendableError(`headers["${name}"]: an HTTP/1 header cannot hold CR, LF or NUL`);
    lines.push(`${name}: ${value}`);
  }
  if (r.body !== null || r.method === 'POST' || r.method === 'PUT') lines.push(`content-length: ${r.body?.length ?? 0}`);
  lines.push('connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), r.body ?? Buffer.alloc(0)]);
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseH1(raw: Buffer): WireOutcome {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return closed(raw.length === 0 ? 'closed with no response' : 'closed in the middle of the response head');
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) return closed(`answered with something that is not HTTP/1: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]},${line.slice(colon + 1).trim()}`;
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { kind: 'response', status, headers, body: body.toString('utf8') };
}

/** The whole response is in (so there is no need to wait for Envoy's delayed close). */
function complete(raw: Buffer, head: boolean): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const text = raw.subarray(0, end).toString('latin1').toLowerCase();
  if (head || /^http\/1\.[01] (1\d\d|204|304)/.test(text)) return true;
  const length = /\r\ncontent-length:\s*(\d+)/.exec(text);
  if (length) return raw.length - end - 4 >= Number(length[1]);
  return /\r\ntransfer-encoding:\s*chunked/.test(text) && raw.subarray(raw.length - 5).toString('latin1') === '0\r\n\r\n';
}

function sendH1(r: WireRequest): Promise<WireOutcome> {
  const text = h1Text(r);
  return new Promise((resolve) => {
    const socket = open(r);
    const chunks: Buffer[] = [];
    let error: Error | null = null;
    socket.setTimeout(r.timeoutMs ?? 15_000, () => socket.destroy(new Error('no answer in time')));
    socket.on(r.tls ? 'secureConnect' : 'connect', () => socket.write(text));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (complete(Buffer.concat(chunks), r.method === 'HEAD')) socket.destroy();
    });
    socket.on('error', (e) => (error = e));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      if (raw.length > 0) resolve(parseH1(raw));
      else resolve(closed(error ? `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${error.message}` : 'closed with no response'));
    });
  });
}

function sendH2(r: WireRequest): Promise<WireOutcome> {
  return new Promise((resolve) => {
    const scheme = r.tls ? 'https' : 'http';
    let settled = false;
    const done = (o: WireOutcome) => {
      if (settled) return;
      settled = true;
      session.destroy();
      resolve(o);
    };
    const session = http2Connect(`${scheme}://${r.host}:${r.port}`, {
      ...(r.localAddress ? { localAddress: r.localAddress } : {}),
      ...(r.tls ? { ca: r.tls.ca, ...(r.tls.cert ? { cert: r.tls.cert, key: r.tls.key } : {}), servername: r.tls.servername ?? 'localhost', checkServerIdentity: () => undefined } : {}),
    });
    session.on('error', (e) => done(closed(`${(e as NodeJS.ErrnoException).code ?? 'error'}: ${e.message}`)));
    session.setTimeout(r.timeoutMs ?? 15_000, () => done(closed('no answer in time')));
    const headers: Record<string, string> = { [h2.HTTP2_HEADER_METHOD]: r.method, [h2.HTTP2_HEADER_PATH]: r.path, [h2.HTTP2_HEADER_AUTHORITY]: r.authority };
    for (const [name, value] of r.headers) headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    let stream;
    try {
      stream = session.request(headers, { endStream: r.body === null });
    } catch (err) {
      settled = true;
      session.destroy();
      throw new UnsendableError(`an HTTP/2 client refuses the request: ${(err as Error).message}`);
    }
    const chunks: Buffer[] = [];
    let status = 0;
    const got: Record<string, string> = {};
    stream.on('response', (h) => {
      status = Number(h[h2.HTTP2_HEADER_STATUS]);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) got[k] = Array.isArray(v) ? v.join(',') : String(v);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => done(status ? { kind: 'response', status, headers: got, body: Buffer.concat(chunks).toString('utf8') } : closed('stream ended with no response')));
    stream.on('error', (e) => done(closed(`stream reset: ${e.message}`)));
    stream.on('close', () => done(status ? { kind: 'response', status, headers: got, body: Buffer.concat(chunks).toString('utf8') } : closed(`stream closed (RST_STREAM ${stream.rstCode})`)));
    if (r.body !== null) stream.end(r.body);
  });
}

/** Sends the request; resolves with the response or the way the connection ended. */
export function send(r: WireRequest): Promise<WireOutcome> {
  return r.protocol === 'HTTP/2' ? sendH2(r) : sendH1(r);
}

/** A TLS handshake with `servername` as SNI and nothing else: did the far end keep the connection? */
export function tlsHello(host: string, port: number, servername: string, timeoutMs = 5_000): Promise<WireOutcome> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, servername, rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('no handshake in time')));
    socket.on('secureConnect', () => {
      socket.destroy();
      resolve({ kind: 'response', status: 200, headers: {}, body: '' });
    });
    socket.on('error', (e) => resolve(closed(`${(e as NodeJS.ErrnoException).code ?? 'error'}: ${e.message}`)));
    socket.on('close', () => resolve(closed('closed during the TLS handshake')));
  });
}
