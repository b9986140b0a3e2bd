// A peer started as a child process: its output goes to a file (nobody has to drain a pipe), it
// is ready when an HTTP health URL answers 200, and stop() ends it even when the caller failed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export { freePort } from '../lib/net.js';

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last part of what the process wrote. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export interface StartOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly healthUrl: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export async function startPeer(o: StartOptions): Promise<PeerProcess> {
  const fd = openSync(o.logFile, 'w');
  const child = spawn(o.binary, [...o.args], { stdio: ['ignore', fd, fd], env: { ...process.env, ...o.env } });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const output = () => {
    try {
      return readFileSync(o.logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  while (!(await healthy(o.healthUrl))) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode} during start-up:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${o.name}: ${o.healthUrl} did not answer 200 within ${o.timeoutMs ?? 30_000} ms:\n${output()}`);
    }
    await sleep(50);
  }
  return { name: o.name, pid: child.pid!, child, output, stop };
}
