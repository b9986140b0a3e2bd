// The go-control-plane peer (bench/peers/go-control-plane/main.go) as a child process: JSON-line
// commands on its stdin, JSON-line events on its stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { peerBinary } from './binaries.js';

export type GoAcks = Record<string, Record<string, { version: string; at: number }>>;

export type GoEvent =
  | { event: 'listening'; port: number }
  | { event: 'loaded'; nodes: number; resources: number; ms: number }
  | { event: 'applied'; at: number; ms: number }
  | { event: 'acks'; nodes: GoAcks; nacks: number }
  | { event: 'error'; message: string };

export class GoControlPlane {
  private readonly waiting: { resolve: (e: GoEvent) => void; reject: (err: Error) => void }[] = [];
  private stderr = '';

  private constructor(readonly child: ChildProcess, readonly port: number, private readonly events: GoEvent[]) {
    child.once('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`go-control-plane exited with ${code}: ${this.stderr}`));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the peer listening on `listen` (host:port; port 0 for any). */
  static async start(listen: string): Promise<GoControlPlane> {
    const child = spawn(peerBinary('go-control-plane'), ['-listen', listen], { stdio: ['pipe', 'pipe', 'pipe'] });
    const events: GoEvent[] = [];
    let self: GoControlPlane | null = null;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; if (self) self.stderr += d; });
    const first = new Promise<GoEvent>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const e = JSON.parse(line) as GoEvent;
        if (!self) return resolve(e);
        const w = self.waiting.shift();
        if (!w) events.push(e);
        else if (e.event === 'error') w.reject(new Error(`go-control-plane: ${e.message}`));
        else w.resolve(e);
      });
      child.once('exit', (code) => reject(new Error(`go-control-plane exited with ${code}: ${stderr}`)));
    });
    const hello = await first;
    if (hello.event !== 'listening') throw new Error(`go-control-plane: ${JSON.stringify(hello)}`);
    self = new GoControlPlane(child, hello.port, events);
    return self;
  }

  /** Sends a command and returns its answer (an `error` event rejects). */
  async ask(command: Record<string, unknown>): Promise<GoEvent> {
    const answer = new Promise<GoEvent>((resolve, reject) => {
      const queued = this.events.shift();
      if (queued) return queued.event === 'error' ? reject(new Error(`go-control-plane: ${queued.message}`)) : resolve(queued);
      if (this.child.exitCode !== null) return reject(new Error(`go-control-plane exited with ${this.child.exitCode}: ${this.stderr}`));
      this.waiting.push({ resolve, reject });
    });
    this.child.stdin!.write(JSON.stringify(command) + '\n');
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end(JSON.stringify({ cmd: 'stop' }) + '\n');
    await Promise.race([exited, sleep(5000).then(() => void this.child.kill('SIGKILL'))]);
  }
}
