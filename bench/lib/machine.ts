// How busy the machine was: benchmarks on a shared 2-core machine are only as good as this.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface MachineLoad {
  /** 1-minute load average. */
  readonly load1: number;
  /** Share of the last 10 s in which some runnable task waited for a CPU (Linux PSI), %; null when unavailable. */
  readonly cpuPressure10s: number | null;
}

export function machineLoad(): MachineLoad {
  let cpuPressure10s: number | null = null;
  try {
    const m = /^some avg10=([0-9.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    if (m) cpuPressure10s = Number(m[1]);
  } catch {
    // no PSI on this kernel
  }
  return { load1: Number(loadavg()[0]!.toFixed(2)), cpuPressure10s };
}

export function describeLoad(l: MachineLoad): string {
  const psi = l.cpuPressure10s === null ? '' : `, CPU pressure ${l.cpuPressure10s.toFixed(0)}% (some, 10 s)`;
  return `load average ${l.load1.toFixed(2)} on ${cpus().length} cores${psi}`;
}
