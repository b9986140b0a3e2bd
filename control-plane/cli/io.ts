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

/**
 * The `check`/`replay` output loop: one answer line per non-blank input line, in order; an answer
 * that starts with `{"error"` counts as a bad line. Returns the exit status (2 when any line was bad).
 */
export async function answerLines(source: string, answer: (line: string, lineNumber: number) => string | Promise<string>): Promise<number> {
  const out = new LineWriter();
  let lineNumber = 0;
  let bad = 0;
  for await (const read of readLines(source)) {
    lineNumber++;
    // A UTF-8 byte order mark (editors on Windows write one) is not part of the first request.
    const line = lineNumber === 1 && read.charCodeAt(0) === 0xfeff ? read.slice(1) : read;
    if (line.trim() === '') continue;
    const text = await answer(line, lineNumber);
    if (text.startsWith('{"error"')) bad++;
    await out.line(text);
  }
  await out.flush();
  return bad > 0 ? 2 : 0;
}
