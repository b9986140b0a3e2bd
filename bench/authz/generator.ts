// The parent's side of the forked ext_authz load generator (bench/authz/load-generator.ts): one
// request at a time over IPC. Used by the authz and peers benchmarks.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FromGenerator, RunMessage, RunResult, ToGenerator } from './protocol.js';

/** Talks to the forked load generator, one request at a time. */
export class Generator {
  private pending: { resolve: (m: FromGenerator) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromGenerator) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') p?.reject(new Error(`load generator: ${m.message}`));
      else p?.resolve(m);
    });
    child.on('exit', (code) => this.pending?.reject(new Error(`load generator exited with ${code}`)));
  }

  request(message: ToGenerator): Promise<FromGenerator> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(message);
    });
  }

  async run(message: RunMessage): Promise<RunResult> {
    const reply = await this.request(message);
    if (reply.type !== 'result') throw new Error(`load generator answered ${reply.type} to run`);
    return reply.result;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ToGenerator);
    await Promise.race([exited, sleep(3000).then(() => void this.child.kill('SIGKILL'))]);
  }
}
