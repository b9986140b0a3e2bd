// Envoy's "wasm" logger: plugin logs are written as "wasm log<prefix>: <message>" and host
// failures as "Wasm VM failed <message>". Records below the logger level are dropped (and
// proxy_get_log_level reports that level); kept records live in a bounded ring.

import { LOG_LEVEL_NAMES, LogLevel, type LogLevelName } from '../abi/codes.js';

export interface LogRecord {
  readonly level: LogLevelName;
  /** The Envoy-formatted line. */
  readonly text: string;
  /** The message as the plugin (or host) produced it. */
  readonly message: string;
  /** 'plugin' for proxy_log/fd_write, 'host' for the host's own lines. */
  readonly source: 'plugin' | 'host';
  readonly contextId?: number;
}

export type LogSink = (record: LogRecord) => void;

export class HostLogger {
  private readonly ring: LogRecord[] = [];
  private head = 0;
  readonly level: LogLevel;

  constructor(
    level: LogLevelName,
    private readonly capacity: number,
    private readonly sink: LogSink | undefined,
  ) {
    this.level = LOG_LEVEL_NAMES.indexOf(level) as LogLevel;
  }

  enabled(level: number): boolean {
    return level >= this.level;
  }

  private push(record: LogRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(record);
    else {
      this.ring[this.head] = record;
      this.head = (this.head + 1) % this.capacity;
    }
    this.sink?.(record);
  }

  plugin(level: number, prefix: string, message: string, contextId: number): void {
    if (!this.enabled(level)) return;
    const name = LOG_LEVEL_NAMES[level]!;
    this.push({ level: name, text: `wasm log${prefix}: ${message}`, message, source: 'plugin', contextId });
  }

  host(level: LogLevelName, message: string): void {
    if (!this.enabled(LOG_LEVEL_NAMES.indexOf(level))) return;
    this.push({ level, text: message, message, source: 'host' });
  }

  /** Oldest first. */
  records(): LogRecord[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  clear(): void {
    this.ring.length = 0;
    this.head = 0;
  }
}
