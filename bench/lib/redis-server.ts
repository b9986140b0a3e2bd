// Private redis-server processes on free loopback ports, for tests and benchmarks that kill,
// stall (SIGSTOP) or restart a Redis: started and stopped by their owner, never the machine's.
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { freePort } from './net.js';

export { freePort };

/** Whether something answers PING with +PONG on host:port. */
export function ping(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
  /** SIGKILL: the connection closes. */
  stop(): Promise<void>;
  /** SIGSTOP: the socket stays open and nothing answers. */
  pause(): void;
  /** SIGCONT after pause. */
  resume(): void;
}

/** A private redis-server on a free port (`extra` arguments appended), which its owner may kill, stall and restart. */
export async function startRedisServer(extra: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const signal = (s: NodeJS.Signals) => {
    if (child && child.exitCode === null) child.kill(s);
  };
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
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
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await exited;
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
  await server.start();
  return server;
}
