// One instance of the module (Envoy's WasmBase + V8 WasmVm): instantiation with Envoy's import
// set, start-up with restricted callbacks, calls into the guest with the effective context reset
// on every entry, trap handling (the VM is marked failed and Envoy's failure line is logged),
// guest allocation through malloc, and the "after VM call" actions.

import { CALLOUT_INCREMENT, type FailState } from '../abi/codes.js';
import { RootContext, VmContext, type ContextBase } from '../contexts/context.js';
import type { HostCore, PluginState } from './core.js';
import { GuestTrap } from '../api/errors.js';
import { buildImports } from '../abi/imports.js';
import { MALLOC_ALLOWED, START_ALLOWED } from '../loader/link.js';
import { GuestMemory, byteLength, type GuestData } from './memory.js';
import { VmMetrics } from '../services/metrics.js';
import { isWasmMemory, isWasmRuntimeError, wasmApi, type WasmInstance, type WasmMemory } from '../loader/wasm-api.js';

export type GuestFn = (...args: number[]) => number | undefined;

const STACK_FRAME = /wasm-function\[(\d+)\]:0x([0-9a-f]+)/;
const BACKTRACE_FRAMES = 20;

function isGuestTrap(err: unknown): err is Error {
  return isWasmRuntimeError(err) || err instanceof GuestTrap || err instanceof RangeError;
}

/**
 * The error's frames in V8's own format. Test runners and source-map tools replace
 * Error.prepareStackTrace and rewrite wasm frames without `wasm-function[i]:0xoff`, so the frames
 * are formatted here from the call sites while the stack is still unformatted.
 */
function stackLines(err: Error): string[] {
  const previous = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, sites) => sites.map(String);
    const stack: unknown = err.stack;
    if (!Array.isArray(stack)) return String(stack ?? '').split('\n');
    const lines = stack as string[];
    err.stack = [`${err.name}: ${err.message}`, ...lines.map((l) => `    at ${l}`)].join('\n');
    return lines;
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** V8::getFailMessage: the trap text, then the in-VM backtrace when the name section is kept. */
export function failMessage(fn: string, err: Error, core: HostCore): string {
  const kind = err instanceof GuestTrap ? 'Error' : err.name;
  let message = `Function: ${fn} failed: Uncaught ${kind}: ${err.message}`;
  if (core.functionNames.size === 0) return message;
  message += '\nProxy-Wasm plugin in-VM backtrace:';
  let i = 0;
  for (const line of stackLines(err)) {
    const m = STACK_FRAME.exec(line);
    if (!m || i >= BACKTRACE_FRAMES) continue;
    const index = Number(m[1]);
    const offset = parseInt(m[2]!, 16) - core.codeOffsetDelta;
    const name = core.functionNames.get(index) ?? `unknown(function index:${index})`;
    message += `\n${String(i).padStart(3)}:  0x${offset.toString(16)} - ${name}`;
    i++;
  }
  return message;
}

export class WasmVm {
  readonly contexts = new Map<number, ContextBase>();
  readonly vmContext: VmContext;
  readonly metrics: VmMetrics;
  readonly tickPeriods = new Map<number, number>();
  /** Root contexts whose proxy_on_done returned false, waiting for proxy_done. */
  readonly pendingDone = new Map<PluginState, RootContext>();
  /** Every failure message of this VM, in order (Envoy logs each as "Wasm VM failed <msg>"). */
  readonly failMessages: string[] = [];
  private readonly fns = new Map<string, GuestFn>();
  private guestMemory: GuestMemory | null = null;
  private failure: FailState | null = null;
  private currentContext: ContextBase | null = null;
  private effectiveId = 0;
  private restrictedTo: ReadonlySet<string> | null = null;
  private stopNext = false;
  private importedMemory: WasmMemory | null = null;
  private readonly afterActions: (() => void)[] = [];
  private nextContextId = 1;
  private lastHttpCallId = 0;

  private constructor(
    readonly core: HostCore,
    readonly label: string,
  ) {
    this.vmContext = new VmContext(this);
    this.contexts.set(0, this.vmContext);
    this.metrics = new VmMetrics(core.metrics);
  }

  /** The guest's export `name` when the linker planned it (a callback, start, main or malloc). */
  fn(name: string): GuestFn | undefined {
    return this.fns.get(name);
  }

  /** The guest's linear memory (the VM is instantiated). */
  get memory(): GuestMemory {
    if (this.guestMemory === null) throw new Error('the VM has no memory: it was not instantiated');
    return this.guestMemory;
  }

  /** Why the VM failed; null while it works. */
  get failState(): FailState | null {
    return this.failure;
  }

  /** The context the host is calling into; null outside any host→VM call. */
  get current(): ContextBase | null {
    return this.currentContext;
  }

  /** Imports the host allows now (start-up, malloc); null: all. */
  get restricted(): ReadonlySet<string> | null {
    return this.restrictedTo;
  }

  /** proxy_set_effective_context: until the current host→VM call returns. */
  setEffectiveContext(id: number): void {
    this.effectiveId = id >>> 0;
  }

  /** The guest asked (proxy_continue/… during a callback) that this iteration stop. */
  get stopNextIteration(): boolean {
    return this.stopNext;
  }

  requestStopNextIteration(): void {
    this.stopNext = true;
  }

  /** A memory the module imports instead of exporting one (instantiation links it). */
  adoptImportedMemory(memory: WasmMemory): void {
    this.importedMemory = memory;
  }

  /** Instantiates and starts a VM; check `failState` afterwards. */
  static create(core: HostCore, label: string): WasmVm {
    const vm = new WasmVm(core, label);
    if (vm.instantiate()) vm.startVm();
    return vm;
  }

  private instantiate(): boolean {
    let instance: WasmInstance;
    try {
      instance = new wasmApi.Instance(this.core.module, buildImports(this));
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.core.logger.host('error', `meshguard wasm-host: instantiation failed: ${detail}`);
      this.fail('UnableToInitializeCode', 'Failed to create new Wasm instance');
      return false;
    }
    const exported = Object.values(instance.exports).find(isWasmMemory);
    const memory = exported ?? this.importedMemory;
    if (!memory) {
      this.fail('UnableToInitializeCode', 'Wasm module has no memory (Envoy would crash on first access)');
      return false;
    }
    this.guestMemory = new GuestMemory(memory);
    const plan = this.core.plan;
    const names = [...plan.callbacks, plan.start, plan.main, plan.malloc];
    for (const name of names) {
      const fn = name ? instance.exports[name] : undefined;
      if (name && typeof fn === 'function') this.fns.set(name, fn as GuestFn);
    }
    return true;
  }

  /** WasmBase::startVm: _initialize (+ main/__main_void) or _start, with restricted callbacks. */
  private startVm(): void {
    const { start, main } = this.core.plan;
    this.restrictedTo = START_ALLOWED;
    if (start !== 'none') this.invoke(this.vmContext, start, this.fns.get(start)!);
    if (start === '_initialize' && main !== null && this.failure === null) {
      this.invoke(this.vmContext, main, this.fns.get(main)!, 0, 0);
    }
    this.restrictedTo = null;
  }

  fail(state: FailState, message: string): void {
    this.core.logger.host('error', `Wasm VM failed ${message}`);
    this.failMessages.push(message);
    this.failure = state;
  }

  allocContextId(): number {
    while (this.contexts.has(this.nextContextId)) this.nextContextId++;
    return this.nextContextId++;
  }

  nextHttpCallId(): number {
    this.lastHttpCallId += CALLOUT_INCREMENT;
    return this.lastHttpCallId;
  }

  /** contextOrEffectiveContext() */
  effectiveContext(): ContextBase {
    const current = this.currentContext ?? this.vmContext;
    if (this.effectiveId === 0) return current;
    return this.contexts.get(this.effectiveId) ?? current;
  }

  /** Called by every import before it runs (see imports.ts). */
  guard(name: string): void {
    if (this.currentContext === null) {
      throw new GuestTrap(
        `${name} called during instantiation (wasm start section): Envoy has no context here and would crash`,
      );
    }
    if (this.restrictedTo !== null && !this.restrictedTo.has(name)) throw new GuestTrap('restricted_callback');
  }

  /** A host→VM call: SaveRestoreContext semantics, and a trap marks the VM failed. */
  invoke(ctx: ContextBase, name: string, fn: GuestFn, a = 0, b = 0, c = 0, d = 0, e = 0): number {
    const prevCtx = this.currentContext;
    const prevEffective = this.effectiveId;
    this.currentContext = ctx;
    this.effectiveId = 0;
    try {
      const r = fn(a, b, c, d, e);
      return typeof r === 'number' ? r >>> 0 : 0;
    } catch (err) {
      if (!isGuestTrap(err)) {
        this.fail('RuntimeError', `Function: ${name} failed: host error: ${String(err)}`);
        throw err;
      }
      this.fail('RuntimeError', failMessage(name, err, this.core));
      return 0;
    } finally {
      this.currentContext = prevCtx;
      this.effectiveId = prevEffective;
    }
  }

  /** WasmBase::allocMemory: calls the guest allocator with the malloc restrictions; 0 = failed. */
  alloc(size: number): number {
    const name = this.core.plan.malloc;
    const fn = name ? this.fns.get(name) : undefined;
    if (!name || !fn) return 0;
    const saved = this.restrictedTo;
    this.restrictedTo = MALLOC_ALLOWED;
    const ptr = this.invoke(this.vmContext, name, fn, size);
    this.restrictedTo = saved;
    return ptr !== 0 && this.memory.inBounds(ptr, size) ? ptr : 0;
  }

  /** WasmBase::copyToPointerSize: empty data is written as ptr=0, size=0 without allocating. */
  copyToPointerSize(data: GuestData, ptrPtr: number, sizePtr: number): boolean {
    const size = byteLength(data);
    let ptr = 0;
    if (size > 0) {
      ptr = this.alloc(size);
      if (ptr === 0) return false;
      if (typeof data === 'string') this.memory.writeString(ptr, data, size);
      else this.memory.writeBytes(ptr, data);
    }
    return this.memory.writeU32(ptrPtr, ptr) && this.memory.writeU32(sizePtr, size);
  }

  addAfterVmCallAction(action: () => void): void {
    this.afterActions.push(action);
  }

  /** DeferAfterCallActions' destructor. */
  afterCall(): void {
    this.stopNext = false;
    while (this.afterActions.length > 0) this.afterActions.shift()!();
  }

  /** WasmBase::start: a new root context for the plugin, then its onStart. */
  startPlugin(plugin: PluginState): RootContext | null {
    const root = new RootContext(this, plugin);
    return root.onStart(plugin) ? root : null;
  }

  setTickPeriod(rootId: number, ms: number): void {
    this.tickPeriods.set(rootId, ms);
  }
}
