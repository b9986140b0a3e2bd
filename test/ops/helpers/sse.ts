// Server-sent events from serve's admin port, read the way a page reads them.
import { expect } from 'vitest';

/** Reads server-sent events from the admin port until `want` returns a value. */
export async function nextEvent<T>(port: number, path: string, act: () => Promise<unknown>, want: (event: string, data: string) => T | null, timeoutMs = 10_000): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let acted = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
      if (!acted) {
        acted = true;
        await act();
      }
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
        const found = want(event, data);
        if (found !== null) return found;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
