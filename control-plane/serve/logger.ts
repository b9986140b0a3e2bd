// Structured JSON logs (pino) to stdout, written asynchronously off the hot path.
import { pino, type Logger } from 'pino';

export function createLogger(level = process.env.MESHGUARD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'meshguard' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ sync: false }));
}
