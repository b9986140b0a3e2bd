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

  /** A new good policy from the file (with its parsed source, when there is one). */
  setPolicy(policy: Policy, origin: CompileOrigin, parsed: PolicySource | null = null): CompiledPolicy {
    this.source = { policy, origin, parsed };
    return this.recompile();
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
    const previous = this.compiled;
    this.compiled = compilePolicy(effective, origin);
    for (const listener of this.listeners) listener(this.compiled, previous);
    return this.compiled;
  }
}
