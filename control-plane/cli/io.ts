// Small I/O helpers shared by the commands: line input from a file or stdin, buffered output.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

export function readLines(source: string): AsyncIterable<string> {
  const input = source === '-' ? process.stdin : createReadStream(source, { encoding: 'utf8' });
  return createInterface({ input, crlfDelay: Infinity });
}

/** Collects output lines and writes them in large chunks, respecting back-pressure. */
export class LineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly out: Writable = process.stdout) {}

  async line(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }
}
