// Loads policy edits in a worker thread (policy-worker.ts), so that parsing, validating and
// compiling never run on the thread that answers Checks; the compiled policy comes back by
// structured clone. A load that takes too long or runs out of memory is a rejected edit, and the
// next edit gets a fresh worker.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packagePath } from '../package-root.js';
import type { CompileOrigin } from '../policy/compile.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { Diagnostic } from '../policy/diagnostics.js';
import { reviveCompiled } from '../policy/revive.js';
import type { Policy } from '../policy/types.js';

export interface LoadRequest { readonly id: number; readonly text: string; readonly file: string }

export type LoadReply =
  | { readonly id: number; readonly ok: true; readonly policy: Policy; readonly origin: CompileOrigin; readonly warnings: readonly Diagnostic[]; readonly compiled: CompiledPolicy }
  | { readonly id: number; readonly ok: false; readonly errors: readonly Diagnostic[]; readonly warnings: readonly Diagnostic[] };

export type LoadOutcome = Omit<Extract<LoadReply, { ok: true }>, 'id'> | Omit<Extract<LoadReply, { ok: false }>, 'id'>;

export interface PolicyLoaderLimits {
  /** A load taking longer is abandoned (the worker is stopped) and the edit rejected. */
  readonly timeoutMs: number;
  /** The worker's heap; a load needing more is rejected. */
  readonly maxHeapMb: number;
  /**
   * An idle worker is stopped after this long: it holds a V8 isolate and the garbage of the last
   * parse (about 25 MB of RSS), while edits are rare; the next edit starts a fresh one.
   */
  readonly idleMs: number;
}

export const DEFAULT_LOADER_LIMITS: PolicyLoaderLimits = { timeoutMs: 60_000, maxHeapMb: 1536, idleMs: 2_000 };

/** The worker script: next to this module when running from dist/, else the built one (sources under a test runner). */
function workerScript(): URL {
  const here = new URL('./policy-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = packagePath('dist', 'control-plane', 'serve', 'policy-worker.js');
  if (!existsSync(built)) throw new Error(`the policy loader worker is not built (${built}); run npm run build`);
  return pathToFileURL(built);
}

function failure(file: string, message: string): LoadOutcome {
  return { ok: false, warnings: [], errors: [{ severity: 'error', code: 'MG_ERR_POLICY_READ', message, path: [], file, line: 1, col: 1 }] };
}

export class PolicyLoader {
  private worker: Worker | null = null;
  private idle: NodeJS.Timeout | null = null;
  private next = 1;
  private readonly waiting = new Map<number, { file: string; done: (o: LoadOutcome) => void }>();

  constructor(private readonly limits: PolicyLoaderLimits = DEFAULT_LOADER_LIMITS) {}

  /** Parses, validates and compiles `text` off this thread. Never rejects: a failure is a rejected edit. */
  load(text: string, file: string): Promise<LoadOutcome> {
    this.stopIdleTimer();
    const worker = this.started();
    const id = this.next++;
    return new Promise<LoadOutcome>((resolve) => {
      const timer = setTimeout(() => this.abandon(`loading the policy took over ${this.limits.timeoutMs} ms`), this.limits.timeoutMs);
      this.waiting.set(id, { file, done: (o) => { clearTimeout(timer); resolve(o); } });
      worker.postMessage({ id, text, file } satisfies LoadRequest);
    });
  }

  /** Whether a worker thread is running now (one is started per burst of edits, stopped when idle). */
  get workerRunning(): boolean {
    return this.worker !== null;
  }

  async close(): Promise<void> {
    this.stopIdleTimer();
    const worker = this.worker;
    this.worker = null;
    this.fail('the policy loader was closed');
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerScript(), { resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb } });
    worker.unref();
    worker.on('message', (reply: LoadReply) => this.answer(reply));
    worker.on('error', (err) => this.lost(worker, `the policy loader failed: ${err.message}`));
    worker.on('exit', (code) => this.lost(worker, `the policy loader stopped (exit ${code})`));
    this.worker = worker;
    return worker;
  }

  private answer(reply: LoadReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    const { id: _, ...outcome } = reply;
    waiter.done(outcome.ok ? { ...outcome, compiled: reviveCompiled(outcome.compiled) } : outcome);
    if (this.waiting.size === 0) this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    this.stopIdleTimer();
    this.idle = setTimeout(() => {
      this.idle = null;
      const worker = this.worker;
      if (worker === null || this.waiting.size > 0) return;
      this.worker = null;
      void worker.terminate();
    }, this.limits.idleMs);
    this.idle.unref();
  }

  private stopIdleTimer(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  private lost(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.fail(reason);
  }

  private abandon(reason: string): void {
    const worker = this.worker;
    this.worker = null;
    this.fail(reason);
    void worker?.terminate();
  }

  private fail(reason: string): void {
    for (const [id, waiter] of this.waiting) {
      this.waiting.delete(id);
      waiter.done(failure(waiter.file, reason));
    }
  }
}
