// A real Envoy process, started from a bootstrap, with its admin API at hand. Used by
// `replay --envoy`, the Envoy benchmark and the tests that hold meshguard to Envoy's behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EnvoyOptions {
  readonly binary: string;
  /** The bootstrap, as an object (written as JSON) or as YAML text. */
  readonly bootstrap: object | string;
  /** Worker threads (default 1: tests and replay need no more, and the machines have two cores). */
  readonly concurrency?: number;
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';
  /** Component log levels, e.g. "wasm:debug,ext_authz:debug". */
  readonly componentLogLevel?: string;
  /** How long to wait for the admin API (ms, default 30 s). */
  readonly startTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface AdminResponse { readonly status: number; readonly body: string }

export interface EnvoyProcess {
  readonly pid: number;
  readonly adminPort: number;
  /** GET (or POST) on the admin API. */
  admin(path: string, method?: 'GET' | 'POST'): Promise<AdminResponse>;
  /** Every counter and gauge, by name (`/stats?format=json`, histograms left out). */
  stats(filter?: string): Promise<Map<string, number>>;
  /** `/config_dump`, parsed. */
  configDump(resource?: string): Promise<ConfigDump>;
  /** The bound port of a listener (by name), read from `/listeners`. */
  listenerPort(name: string): Promise<number>;
  /** Polls until `predicate` holds on the stats (or throws after `timeoutMs`). */
  waitForStats(predicate: (stats: Map<string, number>) => boolean, timeoutMs?: number, filter?: string): Promise<Map<string, number>>;
  /** What Envoy logged so far (its last 4 MiB). */
  logs(): string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the working directory. */
  stop(graceMs?: number): Promise<void>;
}

export interface ConfigDump { readonly configs: readonly ({ '@type': string } & Record<string, unknown>)[] }

const LOG_CAP = 4 << 20;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever happens to this process, its Envoys do not outlive it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function httpRequest(port: number, path: string, method: 'GET' | 'POST', timeoutMs = 10_000): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Envoy admin ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEnvoy(options: EnvoyOptions): Promise<EnvoyProcess> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'meshguard-envoy-'));
  const configFile = join(dir, typeof options.bootstrap === 'string' ? 'bootstrap.yaml' : 'bootstrap.json');
  writeFileSync(configFile, typeof options.bootstrap === 'string' ? options.bootstrap : JSON.stringify(options.bootstrap, null, 2));
  const addressFile = join(dir, 'admin-address');
  const args = [
    '-c', configFile,
    '--admin-address-path', addressFile,
    '--concurrency', String(options.concurrency ?? 1),
    '--disable-hot-restart', '--use-dynamic-base-id',
    '-l', options.logLevel ?? 'warning',
    ...(options.componentLogLevel ? ['--component-log-level', options.componentLogLevel] : []),
  ];
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  running.add(child);
  let log = '';
  const append = (d: Buffer) => {
    log += d.toString('utf8');
    if (log.length > LOG_CAP) log = log.slice(log.length - LOG_CAP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => {
    running.delete(child);
    resolve(code ?? (signal ? 128 : null));
  }));
  let gone = false;
  void exited.then(() => (gone = true));

  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (!gone) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let adminPort = 0;
  while (!adminPort) {
    if (gone) {
      cleanup();
      throw new Error(`envoy exited during start-up (code ${await exited}):\n${log.slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      await stop(0);
      throw new Error(`envoy: no admin address within ${options.startTimeoutMs ?? 30_000} ms:\n${log.slice(-4000)}`);
    }
    if (existsSync(addressFile)) {
      const text = readFileSync(addressFile, 'utf8').trim();
      const port = Number(text.slice(text.lastIndexOf(':') + 1));
      if (port > 0) adminPort = port;
    }
    if (!adminPort) await sleep(25);
  }

  const admin = (path: string, method: 'GET' | 'POST' = 'GET') => httpRequest(adminPort, path, method);
  const stats = async (filter?: string): Promise<Map<string, number>> => {
    const res = await admin(`/stats?format=json${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`);
    const parsed = JSON.parse(res.body) as { stats: { name?: string; value?: number }[] };
    const out = new Map<string, number>();
    for (const s of parsed.stats) if (s.name !== undefined && typeof s.value === 'number') out.set(s.name, s.value);
    return out;
  };
  return {
    pid: child.pid!,
    adminPort,
    admin,
    stats,
    async configDump(resource?: string) {
      const res = await admin(`/config_dump${resource ? `?resource=${encodeURIComponent(resource)}` : ''}`);
      if (res.status !== 200) throw new Error(`envoy /config_dump: ${res.status} ${res.body.slice(0, 200)}`);
      return JSON.parse(res.body) as ConfigDump;
    },
    async listenerPort(name: string) {
      const res = await admin('/listeners?format=json');
      const parsed = JSON.parse(res.body) as { listener_statuses?: { name: string; local_address?: { socket_address?: { port_value?: number } } }[] };
      const port = parsed.listener_statuses?.find((l) => l.name === name)?.local_address?.socket_address?.port_value;
      if (!port) throw new Error(`envoy has no listener named ${name} (has ${(parsed.listener_statuses ?? []).map((l) => l.name).join(', ') || 'none'})`);
      return port;
    },
    async waitForStats(predicate, timeoutMs = 15_000, filter) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw new Error(`envoy exited (code ${await exited}):\n${log.slice(-4000)}`);
        const current = await stats(filter);
        if (predicate(current)) return current;
        if (Date.now() > until) {
          throw new Error(`envoy stats did not reach the expected state within ${timeoutMs} ms; ${[...current].filter(([k]) => /control_plane|update_|extension_config|listener_manager|ext_authz|wasm/.test(k)).map(([k, v]) => `${k}=${v}`).join(' ')}\n${log.slice(-2000)}`);
        }
        await sleep(50);
      }
    },
    logs: () => log,
    exited,
    stop,
  };
}
