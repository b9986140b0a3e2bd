// Loopback addresses for sidecars in direct mode: each sidecar takes a random 127.x.y.0/24 of its
// own, so parallel runs (tests, replay, the benchmark) do not compete for ports such as 8080 or 443.
import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/** "127.x.y": a /24 inside the loopback range, chosen at random. */
export function loopbackBlock(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
}

/** A TCP port free a moment ago on `host`. */
export function freeLoopbackPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
