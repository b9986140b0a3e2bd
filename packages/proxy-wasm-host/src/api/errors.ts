import type { FailState } from '../abi/codes.js';

/** The module could not be loaded, linked or started: Envoy would reject the configuration. */
export class WasmLoadError extends Error {
  override readonly name = 'WasmLoadError';
  constructor(
    message: string,
    readonly failState: FailState,
    /** Every line Envoy would log, in order (the first is `message`). */
    readonly envoyLog: readonly string[],
  ) {
    super(message);
  }
}

/** proxy_on_vm_start / proxy_on_configure said no (or trapped): the xDS update is rejected. */
export class PluginConfigError extends Error {
  override readonly name = 'PluginConfigError';
  constructor(
    message: string,
    readonly failState: FailState,
    readonly pluginName: string,
    readonly envoyLog: readonly string[],
  ) {
    super(message);
  }
}

/** Misuse of the embedder API (a host bug or a test bug, never a guest behaviour). */
export class HostUsageError extends Error {
  override readonly name = 'HostUsageError';
}

/**
 * Thrown from inside an import to make the guest trap, as V8 does when a host function returns a
 * wasm::Trap (for example "restricted_callback").
 */
export class GuestTrap extends Error {
  override readonly name = 'GuestTrap';
}
