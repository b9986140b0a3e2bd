// Conformance module (G-Core SDK): the root context's life — creation, on_vm_start with the VM
// configuration, on_configure with the plugin configuration, what each can read (both
// configuration buffers, the plugin properties), which root a stream context belongs to, and
// the stream context's own start and end (context_create, on_log, on_done, on_delete).
// A plugin configuration containing "reject" makes on_configure return false.

export * from "@gcoredev/proxy-wasm-sdk-as/assembly/proxy";
import {
  Context,
  FilterHeadersStatusValues,
  RootContext,
  registerRootContext,
} from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { bufferBytes, prop, trace } from "./trace";
import { PLUGIN_CONFIGURATION, TracedStream, VM_CONFIGURATION } from "./stream";


function plugin(): void {
  trace("  plugin_name " + prop("plugin_name"));
  trace("  plugin_root_id " + prop("plugin_root_id"));
  trace("  plugin_vm_id " + prop("plugin_vm_id"));
  trace("  xds.node.id " + prop("xds.node.id"));
}

class LifecycleRoot extends RootContext {
  configured: string = "";

  constructor(context_id: u32) {
    super(context_id);
    trace("root_create " + context_id.toString());
  }

  onStart(vm_configuration_size: usize): bool {
    trace("vm_start " + this.context_id.toString() + " size=" + vm_configuration_size.toString());
    trace("  vm configuration " + bufferBytes(VM_CONFIGURATION, 0, <u32>vm_configuration_size));
    trace("  plugin configuration " + bufferBytes(PLUGIN_CONFIGURATION, 0, 100));
    plugin();
    return true;
  }

  onConfigure(configuration_size: u32): bool {
    trace("configure " + this.context_id.toString() + " size=" + configuration_size.toString());
    const config = bufferBytes(PLUGIN_CONFIGURATION, 0, configuration_size);
    trace("  plugin configuration " + config);
    trace("  vm configuration " + bufferBytes(VM_CONFIGURATION, 0, 100));
    trace("  plugin configuration [2,+3) " + bufferBytes(PLUGIN_CONFIGURATION, 2, 3));
    plugin();
    this.configured = config;
    if (config.includes("reject")) {
      trace("  rejecting");
      return false;
    }
    return true;
  }

  createContext(context_id: u32): Context {
    trace("context_create " + context_id.toString() + " root=" + this.context_id.toString());
    return new LifecycleStream(context_id, this);
  }
}

class LifecycleStream extends TracedStream {
  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root = this.root_context as LifecycleRoot;
    trace("request_headers " + this.context_id.toString() + " root=" + root.context_id.toString() + " configured " + root.configured);
    trace("  plugin configuration " + bufferBytes(PLUGIN_CONFIGURATION, 0, 100));
    plugin();
    return FilterHeadersStatusValues.Continue;
  }

  onLog(): void {
    trace("log " + this.context_id.toString());
  }

  onDone(): bool {
    trace("done " + this.context_id.toString());
    return true;
  }
}

registerRootContext((context_id: u32) => {
  return new LifecycleRoot(context_id);
}, "conform");
