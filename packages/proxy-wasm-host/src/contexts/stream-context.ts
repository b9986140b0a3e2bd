// What an HTTP stream and a TCP connection share: a context id only when the plugin is active
// (a failed or skipped plugin never enters the VM), the plugin's root, its log prefix, its stream info.
import { ContextBase, type RootContext } from './context.js';
import type { PluginState } from '../vm/core.js';
import type { StreamInfo } from '../envoy/stream-info.js';
import type { WasmVm } from '../vm/vm.js';

/** `active`: runs in the VM; `failed`: the VM failed (FAIL_CLOSED answers 503); `skipped`: FAIL_OPEN. */
export type StreamMode = 'active' | 'failed' | 'skipped';

export abstract class PluginStreamContext extends ContextBase {
  constructor(
    vm: WasmVm,
    protected readonly root: RootContext | null,
    plugin: PluginState,
    protected readonly streamInfo: StreamInfo,
    readonly mode: StreamMode,
  ) {
    super(vm, mode === 'active' ? vm.allocContextId() : 0, plugin);
    if (mode === 'active') vm.contexts.set(this.id, this);
  }

  rootContext(): ContextBase {
    return this.root ?? this.vm.vmContext;
  }

  logPrefix(): string {
    return this.plugin!.logPrefix;
  }

  override isFailed(): boolean {
    return this.mode !== 'active' || super.isFailed();
  }

  override get info(): StreamInfo {
    return this.streamInfo;
  }
}
