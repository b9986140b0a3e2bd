// Logging through proxy_log. Envoy prints "wasm log <plugin> <root_id> <vm_id>: <message>" at
// the mapped level, filtered by its `wasm` logger. Messages are encoded into one reused buffer.
import { proxy_get_log_level, proxy_log } from "./abi/imports";
import { outPtr } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { LogLevel, Status } from "./types";

const message = new ByteBuf(256);

/** The host's current level for this plugin (ABI 0.2.1 proxy_get_log_level); Trace if unknown. */
export function hostLogLevel(): LogLevel {
  if (proxy_get_log_level(outPtr(2)) != Status.Ok) return LogLevel.Trace;
  return <LogLevel>load<u32>(outPtr(2));
}

/** Cheap check before building an expensive message. */
export function logEnabled(level: LogLevel): bool {
  return level >= hostLogLevel();
}

export function log(level: LogLevel, text: string): void {
  message.setString(text);
  proxy_log(level, message.ptr, <usize>message.length);
}

/** Logs bytes as they are (for example a header value) after a text prefix. */
export function logBytes(level: LogLevel, prefix: string, bytes: ByteBuf): void {
  message.setString(prefix);
  message.appendBuf(bytes);
  proxy_log(level, message.ptr, <usize>message.length);
}

export function logTrace(text: string): void { log(LogLevel.Trace, text); }
export function logDebug(text: string): void { log(LogLevel.Debug, text); }
export function logInfo(text: string): void { log(LogLevel.Info, text); }
export function logWarn(text: string): void { log(LogLevel.Warn, text); }
export function logError(text: string): void { log(LogLevel.Error, text); }
export function logCritical(text: string): void { log(LogLevel.Critical, text); }
