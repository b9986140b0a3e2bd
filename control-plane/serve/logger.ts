// Structured JSON logs (pino) to stdout. Lines are buffered (a flood of denials costs one write
// per few KiB, not one per line) and flushed at least every FLUSH_MS, so a tail -f still sees
// them within a fraction of a second.
import { pino, type Logger } from 'pino';

const FLUSH_MS = 100;

export function createLogger(level = process.env.MESHGUARD_LOG_LEVEL ?? 'info'): Logger {
  const destination = pino.destination({ sync: false, minLength: 8192 });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // The file descriptor is not open yet; the next tick flushes.
    }
  }, FLUSH_MS);
  timer.unref();
  return pino({ level, base: { service: 'meshguard' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
