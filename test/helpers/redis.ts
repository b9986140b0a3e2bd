// Real Redis for tests: the machine's server on 127.0.0.1:6379, or throwaway servers on free ports.
import { freePort } from './net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

export { freePort };

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function ping(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * Whether the shared Redis answers. With MESHGUARD_REQUIRE_REDIS=1 (set by .ci/run) its absence is
 * an error, so Redis tests fail instead of being skipped.
 */
export async function sharedRedisAvailable(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  const ok = await ping(Number(url.port || 6379), url.hostname);
  if (!ok && process.env.MESHGUARD_REQUIRE_REDIS === '1') throw new Error(`MESHGUARD_REQUIRE_REDIS=1 but Redis does not answer at ${REDIS_URL}`);
  return ok;
}


export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A private redis-server on a free port, which a test may kill and restart. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await ping(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not start on ${port}`);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}
