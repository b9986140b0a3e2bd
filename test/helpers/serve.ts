// Starts `meshguard serve` as a real child process on loopback ports chosen by the OS.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { authorizationService } from '../../control-plane/envoy-protos.js';
import { MESHGUARD } from './cli.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly authzPort: number;
  readonly adminPort: number;
  /** Set when started with `--xds-port`. */
  readonly xdsPort: number;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** What it wrote to stderr so far. */
  stderr(): string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [MESHGUARD, 'serve', '--bind', '127.0.0.1', '--authz-port', '0', '--admin-port', '0', '--xds-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(parsed);
    for (const w of [...waiters]) {
      if (w.predicate(parsed)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`)), timeoutMs);
      waiters.push({ predicate, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}: ${stderr}`)); });
    });
  };
  const listening = await waitForLog((l) => l.event === 'listening');
  return {
    child, logs, waitForLog,
    stderr: () => stderr,
    authzPort: listening.authzPort as number,
    adminPort: listening.adminPort as number,
    xdsPort: listening.xdsPort as number,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export type CheckClient = grpc.Client & {
  Check(request: unknown, callback: (err: grpc.ServiceError | null, response: CheckResponse) => void): void;
};

export interface CheckResponse {
  status: { code: number; message?: string };
  okResponse?: { headers?: { header: { key: string; value: string }; appendAction?: string }[]; headersToRemove?: string[] };
  deniedResponse?: { status: { code: string | number }; headers?: { header: { key: string; value: string } }[]; body?: string };
}

export function checkClient(port: number, credentials = grpc.credentials.createInsecure()): CheckClient {
  const Service = authorizationService();
  return new Service(`127.0.0.1:${port}`, credentials) as unknown as CheckClient;
}

export function check(client: CheckClient, request: unknown): Promise<CheckResponse> {
  return new Promise((resolve, reject) => client.Check(request, (err, res) => (err ? reject(err) : resolve(res))));
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}
