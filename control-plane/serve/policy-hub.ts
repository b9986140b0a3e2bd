// The policy in force for the whole process: the last good source policy, its compiled form,
// and subscribers (ext_authz, xDS, live view...) notified on every new version.
import { compilePolicy, type CompileOrigin } from '../policy/compile.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { PolicySource } from '../policy/source.js';
import type { Policy, Workload } from '../policy/types.js';

export type PolicyListener = (policy: CompiledPolicy, previous: CompiledPolicy | null) => void;

export class PolicyHub {
  private source: { policy: Policy; origin: CompileOrigin; parsed: PolicySource | null } | null = null;
  private inventory: readonly Workload[] | null = null;
  private compiled: CompiledPolicy | null = null;
  private readonly listeners = new Set<PolicyListener>();

  /** The compiled policy in force; throws before the first policy is set. */
  get current(): CompiledPolicy {
    if (!this.compiled) throw new Error('no policy loaded yet');
    return this.compiled;
  }

  get loaded(): boolean {
    return this.compiled !== null;
  }

  /**
   * A new good policy from the file: `compiled` when it was compiled already (off this thread),
   * `parsed` its parsed source when this thread has one.
   */
  setPolicy(policy: Policy, origin: CompileOrigin, compiled?: CompiledPolicy, parsed: PolicySource | null = null): CompiledPolicy {
    this.source = { policy, origin, parsed };
    // With a discovered inventory the file's compiled form does not apply: compile with it here.
    return compiled === undefined || this.inventory ? this.recompile() : this.publish(compiled);
  }

  /**
   * The policy file as last parsed (its own workloads, whatever the inventory) and its source, so
   * that readers of positions (the audit) need not parse the file again; null before the first
   * policy or when it came without a source.
   */
  fileSource(): { readonly policy: Policy; readonly source: PolicySource } | null {
    return this.source?.parsed ? { policy: this.source.policy, source: this.source.parsed } : null;
  }

  /** Replaces the file's `workloads` with a discovered inventory (e.g. from Kubernetes); null restores the file's. */
  setInventory(workloads: readonly Workload[] | null): CompiledPolicy | null {
    this.inventory = workloads;
    return this.source ? this.recompile() : null;
  }

  subscribe(listener: PolicyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private recompile(): CompiledPolicy {
    const { policy, origin } = this.source!;
    const effective = this.inventory ? { ...policy, spec: { ...policy.spec, workloads: this.inventory } } : policy;
    return this.publish(compilePolicy(effective, origin));
  }

  private publish(compiled: CompiledPolicy): CompiledPolicy {
    const previous = this.compiled;
    this.compiled = compiled;
    for (const listener of this.listeners) listener(compiled, previous);
    return compiled;
  }
}
