// grpc-js server plumbing shared by the ext_authz and xDS servers: credentials from PEM files,
// binding, and a graceful shutdown that cannot hang.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** mTLS (client certificates required) with TLS material, else plaintext. */
export function serverCredentials(tls: TlsFiles | null): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(readFileSync(tls.ca), [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }], true);
}

export function hostPort(bind: string, port: number): string {
  return bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
}

/** One line for a failed bind: `cannot listen on ADDRESS (WHAT): the port is in use`. */
export function listenError(address: string, what: string, err: Error): Error {
  const m = err.message;
  const reason = /EADDRINUSE/.test(m) ? 'the port is in use (another meshguard or program listens there; pick another with the port flag, or 0 for any free port)'
    : /EACCES/.test(m) ? 'permission denied (ports below 1024 need privileges)'
    : /EADDRNOTAVAIL/.test(m) ? 'no such local address'
    : m.split('\n')[0]!;
  return new Error(`cannot listen on ${address}${what === '' ? '' : ` (${what})`}: ${reason}`);
}

export function bindGrpc(server: grpc.Server, address: string, creds: grpc.ServerCredentials, what = ''): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, creds, (err, port) => (err ? reject(listenError(address, what, err)) : resolve(port))));
}

export function shutdownGrpc(server: grpc.Server, graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => { server.forceShutdown(); resolve(); }, graceMs);
    server.tryShutdown(() => { clearTimeout(force); resolve(); });
  });
}
