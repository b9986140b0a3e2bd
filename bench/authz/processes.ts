// Child processes of the ext_authz benchmark: servers that announce their ports with a JSON log
// line `"event":"listening"` on stdout (written to a file, so nobody has to drain a pipe), and
// their memory as /proc reports it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStatusMb } from '../lib/stats.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ports: Readonly<Record<string, number>>;
  readonly logFile: string;
  /** Log lines written so far (JSON lines only). */
  logLines(): number;
  stop(): Promise<void>;
}

function listeningLine(logFile: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"listening"')) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.event === 'listening') return parsed;
    } catch {
      // a partial line: read again later
    }
  }
  return null;
}

/** Starts `node <args>` and waits (up to `timeoutMs`) for its `listening` line. */
export async function startServer(args: readonly string[], logFile: string, timeoutMs = 30_000): Promise<ServerProcess> {
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  let line: Record<string, unknown> | null;
  while (!(line = listeningLine(logFile))) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')}: no "listening" line within ${timeoutMs} ms: ${stderr}`);
    }
    await sleep(50);
  }
  const ports: Record<string, number> = {};
  for (const [key, value] of Object.entries(line)) {
    if (key.endsWith('Port') && typeof value === 'number') ports[key.slice(0, -4)] = value;
  }
  return {
    child, pid: child.pid!, ports, logFile,
    logLines: () => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).length;
      } catch {
        return 0;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Memory {
  /** Resident set size now (VmRSS), MB. */
  readonly rssMb: number | null;
  /** Peak resident set size (VmHWM), MB. */
  readonly peakMb: number | null;
}

export function memoryOf(pid: number): Memory {
  const read = (path: string) => readFileSync(path, 'utf8');
  return { rssMb: procStatusMb(pid, 'VmRSS', read), peakMb: procStatusMb(pid, 'VmHWM', read) };
}

/** A gauge from the admin /metrics endpoint (e.g. `meshguard_process_resident_memory_bytes`), in MB. */
export async function metricMb(adminPort: number, name: string): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const m = new RegExp(`^${name}\\s+([0-9.e+]+)`, 'm').exec(text);
    return m ? Number(m[1]) / (1024 * 1024) : null;
  } catch {
    return null;
  }
}

/** `meshguard_process_resident_memory_bytes` from the admin /metrics endpoint, in MB. */
export function metricsRssMb(adminPort: number): Promise<number | null> {
  return metricMb(adminPort, 'meshguard_process_resident_memory_bytes');
}
