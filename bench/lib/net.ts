// Loopback ports for benchmarks and tests.
import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot report port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
