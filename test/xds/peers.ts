// Peer processes for the end-to-end tests: proxyless gRPC servers and clients (@grpc/grpc-js-xds)
// in child processes, each with its own bootstrap file.
import { freePort } from '../helpers/net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { grpcBootstrap } from '../../control-plane/xds/bootstrap.js';
import type { CertFiles } from './certs.js';

export { freePort };

const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));

export interface CallResult {
  readonly code: number;
  readonly message?: string;
  readonly details?: string;
}

/** A child process that prints one JSON object per line. */
export class Peer {
  private readonly lines: Record<string, unknown>[] = [];
  private readonly waiters: ((line: Record<string, unknown>) => void)[] = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = this.waiters.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  next(timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const queued = this.lines.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no output within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      void this.exited.then((code) => reject(new Error(`${this.name} exited with ${code}: ${this.stderr.slice(-2000)}`)));
    });
  }

  /** One Echo call (clients only). */
  async call(): Promise<CallResult> {
    this.child.stdin!.write('call\n');
    return (await this.next()) as unknown as CallResult;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}


export function writeBootstrap(dir: string, name: string, workload: string, xdsPort: number, certs: CertFiles): string {
  const file = join(dir, `bootstrap-${name}.json`);
  const doc = grpcBootstrap({ workload, nodeId: `${name}-1`, xdsAddress: { host: '127.0.0.1', port: xdsPort }, certificate: certs });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

function spawnPeer(name: string, script: string, args: string[], bootstrap: string | null): Peer {
  const env: NodeJS.ProcessEnv = { ...process.env, GRPC_XDS_EXPERIMENTAL_RBAC: 'true', PEER_NAME: name };
  if (bootstrap) env.GRPC_XDS_BOOTSTRAP = bootstrap;
  else delete env.GRPC_XDS_BOOTSTRAP;
  const child = spawn(process.execPath, [join(PEERS, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  return new Peer(name, child);
}

export async function startXdsServer(name: string, address: string, bootstrap: string): Promise<Peer> {
  const peer = spawnPeer(name, 'xds-server.mjs', [address], bootstrap);
  const first = await peer.next(20_000);
  if (first.serving === undefined) throw new Error(`${name}: ${JSON.stringify(first)}`);
  return peer;
}

export async function startClient(name: string, target: string, bootstrap: string | null): Promise<Peer> {
  const peer = spawnPeer(name, 'xds-client.mjs', bootstrap ? [target] : [target, 'plain'], bootstrap);
  await peer.next();
  return peer;
}
