// Small I/O helpers shared by the commands: line input from a file or stdin, buffered output.
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { InputError, ioReason } from './args.js';

/**
 * The lines of a file, or of stdin for `-`. The file is opened first, so that a missing one is
 * an InputError (one line, exit 2) naming the flag, before any output.
 */
export async function readLines(source: string, flag: string): Promise<AsyncIterable<string>> {
  if (source === '-') return createInterface({ input: process.stdin, crlfDelay: Infinity });
  let handle;
  try {
    handle = await open(source, 'r');
  } catch (err) {
    throw new InputError(`${flag} ${source}: ${ioReason(err)}`);
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new InputError(`${flag} ${source}: is a directory`);
  }
  return createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
}

/** A whole file as text; an unreadable one is an InputError naming the flag. */
export async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${flag} ${file}: ${ioReason(err)}`);
  }
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
  for await (const read of await readLines(source, '--requests')) {
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
