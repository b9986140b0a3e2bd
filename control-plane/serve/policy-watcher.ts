// Hot reload: watch the policy file (and its directory, for editors and ConfigMaps that replace
// the file), debounce bursts, and hand each good compiled version on. A bad edit is reported
// and the last good policy stays in force. Parsing and compiling run in a worker (policy-loader.ts).
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { CompileOrigin } from '../policy/compile.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import type { Diagnostic } from '../policy/diagnostics.js';
import { readFailure } from '../policy/load.js';
import { PolicySource } from '../policy/source.js';
import type { Policy } from '../policy/types.js';
import { PolicyLoader } from './policy-loader.js';

export interface PolicyWatcherEvents {
  /**
   * `compiled` was compiled off this thread (the policy loader's worker); `source` gives positions
   * in the text it came from (without parsing it again here).
   */
  onPolicy(policy: Policy, origin: CompileOrigin, warnings: readonly Diagnostic[], compiled: CompiledPolicy, source: PolicySource): void;
  onRejected(errors: readonly Diagnostic[]): void;
}

export class PolicyWatcher {
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private lastContentHash = '';
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly events: PolicyWatcherEvents,
    private readonly debounceMs = 100,
    private readonly pollMs = 1000,
    private readonly loader = new PolicyLoader(),
  ) {}

  /** Loads the file once; resolves false when it is not a valid policy. */
  async start(): Promise<boolean> {
    const ok = await this.reload();
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed === null || changed === name || changed.startsWith('..')) this.schedule();
    });
    this.watcher.on('error', () => this.schedule());
    this.poller = setInterval(() => this.schedule(), this.pollMs);
    this.poller.unref();
    return ok;
  }

  stop(): void {
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.debounce) clearTimeout(this.debounce);
    void this.loader.close();
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reading = this.reading.then(() => this.reload().then(() => undefined));
    }, this.debounceMs);
  }

  private async reload(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const hash = `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`;
      if (hash === this.lastContentHash) return false;
      this.lastContentHash = hash;
      this.events.onRejected([readFailure(this.file, err)]);
      return false;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.lastContentHash) return true;
    this.lastContentHash = hash;
    const loaded = await this.loader.load(text, this.file);
    if (!loaded.ok) {
      this.events.onRejected(loaded.errors);
      return false;
    }
    this.events.onPolicy(loaded.policy, loaded.origin, loaded.warnings, loaded.compiled, PolicySource.positionsOf(text, this.file));
    return true;
  }
}
